"""A demo specification, written in the open from the adopted need about weekend bins: the
buyer's draft, a supplier's suggestion accepted, another open and outdated, a resident's
comment on a passage."""

from openbuy.needs.models import Need
from openbuy.specifications import services
from openbuy.specifications.models import Specification


def create_specifications(personas: dict) -> int:
    if Specification.objects.exists():
        return 0
    need = Need.objects.filter(organisation=personas["council"], status=Need.Status.ADOPTED).first()
    if need is None:
        return 0
    buyer, supplier, resident = personas["buyer"], personas["supplier"], personas["resident"]
    spec = services.specification_create(
        actor=buyer,
        organisation=personas["council"],
        title="Weekend waste collection in the town centre",
        summary="Keep the town-centre bins from overflowing between Friday and Monday.",
        needs=[need],
        value_amount="180000",
    )
    writes = {
        "outcomes": "No town-centre bin is more than three-quarters full at any time over a "
        "weekend.\n\nFewer reports of overflowing bins and gulls, measured against last "
        "summer.",
        "constraints": "Collections must be quiet between 10pm and 7am, near homes.\n\nThe "
        "supplier must hold ISO 14001 certification and have an annual turnover of at least "
        "£2 million.",
        "unknowns": "We do not know how much of the waste comes from businesses rather than "
        "passers-by.",
        "budget": "Between £120,000 and £180,000 a year, for a one-year pilot.",
        "timeline": "The pilot starts in March and runs for twelve months.",
        "judging": "Quality 50%, price 30%, social value 20% (local jobs and apprenticeships).",
    }
    for key, body in writes.items():
        services.section_edit(actor=buyer, spec=spec, key=key, body=body)
    spec.refresh_from_db()
    outcomes = spec.current_version.section("outcomes")["body"]
    sensors = services.suggestion_create(
        actor=supplier,
        spec=spec,
        section_key="outcomes",
        proposed_text=outcomes.replace(
            "at any time over a weekend.",
            "at any time over a weekend, checked by fill-level sensors or by a person.",
        ),
        reason="Say how fullness is measured, or nobody can prove the outcome.",
        on_behalf_of=personas["coop"],
    )
    services.suggestion_create(
        actor=resident,
        spec=spec,
        section_key="outcomes",
        proposed_text=outcomes.replace("last summer", "the same months last year"),
        reason="Summer alone would flatter the results.",
    )
    services.suggestion_accept(
        actor=buyer, suggestion=sensors, reason="Yes: the outcome has to be measurable."
    )
    services.annotation_create(
        actor=resident,
        spec=spec,
        section_key="constraints",
        paragraph=1,
        quote="ISO 14001 certification",
        body="Does a small local firm really need this to empty bins well?",
    )
    return 1
