"""Demo procurement processes, one of each kind at a different stage, run through the same
services as real ones (so every step is audited and on the public timeline):

- a tender for the weekend-bins specification, open for questions, with one clarification
  answered and one waiting;
- a challenge about library computers, open for submissions, with a sealed submission from the
  co-operative;
- a staged competition about step-free access (feasibility → prototype → pilot) in evaluation:
  two suppliers submitted to phase 1 and the buyer opened it, so the receipts are public.

The services decide everything at the server's clock and only publish processes whose dates are
in the future. ``time-machine`` is a test dependency, not a runtime one, so the two processes
that must look older than they are get there by moving their current phase's dates into the
past directly, after publishing. That is for the demo only: real processes reach these stages
because time passes.
"""

from __future__ import annotations

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.db import transaction

from openbuy import clock
from openbuy.accounts.models import Membership, User
from openbuy.audit import services as audit
from openbuy.demo.personas import DEMO_PASSWORD, PersonaSpec
from openbuy.lessons import gate
from openbuy.processes import services
from openbuy.processes.models import Phase, Process
from openbuy.specifications import services as spec_services
from openbuy.specifications.models import Specification

DAY = timedelta(days=1)

# A second supplier, so the staged competition has two bids to open. Not in PERSONAS: the test
# fixtures build every persona, and processes tests add their own Rhys where they need one.
RIVAL = PersonaSpec(
    "rival",
    "Rhys Morgan",
    "rhys@example.org",
    "supplier staff at Northgate Systems plc (large)",
    organisation="bigco",
    role=Membership.Role.SUPPLIER,
)

WEEKEND_BINS = "Weekend waste collection in the town centre"


def create_rival(personas: dict, *, password: str = DEMO_PASSWORD) -> User:
    """Create (or find) Rhys, supplier staff of Northgate Systems plc; idempotent."""
    with transaction.atomic():
        user = User.objects.filter(email__iexact=RIVAL.email).first()
        if user is None:
            user = User.objects.create_user(RIVAL.email, password, name=RIVAL.name)
            EmailAddress.objects.create(user=user, email=RIVAL.email, verified=True, primary=True)
            audit.record(
                actor=user,
                action="user.signed_up",
                obj=user,
                summary=f"{user} created an account",
                public=False,
            )
        org = personas[RIVAL.organisation]
        membership, created = Membership.objects.get_or_create(
            user=user, organisation=org, defaults={"role": RIVAL.role}
        )
        if created:
            audit.record(
                actor=None,
                action="membership.added",
                obj=membership,
                organisation_id=org.pk,
                summary=f"{user} joined {org.name} as {membership.get_role_display()}",
            )
    return user


def create_processes(personas: dict) -> int:
    """Create the demo processes once (and Rhys, every time); return how many were created."""
    personas = {**personas, "rival": create_rival(personas)}
    if Process.objects.exists():
        return 0
    bins = Specification.objects.filter(
        organisation=personas["council"], title=WEEKEND_BINS
    ).first()
    if bins is None:
        return 0
    with transaction.atomic():
        _tender(personas, bins)
        _challenge(personas)
        _staged(personas)
    return 3


# --- helpers ------------------------------------------------------------------------------------


def _not_relevant(text: str) -> list[gate.Acknowledgement]:
    """Acknowledge any past lessons the gate shows (the demo has none unless lessons are added)."""
    return [
        gate.Acknowledgement(m.id, gate.Verdict.NOT_RELEVANT, "Demo data.")
        for m in gate.matches(text)
    ]


def _freeze(buyer: User, spec: Specification) -> Specification:
    spec.refresh_from_db()
    if spec.status == Specification.Status.DRAFTING:
        spec_services.specification_freeze(
            actor=buyer,
            spec=spec,
            acknowledgements=_not_relevant(spec_services.gate_text(spec)),
        )
        spec.refresh_from_db()
    return spec


def _spec(buyer: User, council, title: str, summary: str, value: str, sections: dict):
    spec = spec_services.specification_create(
        actor=buyer,
        organisation=council,
        title=title,
        summary=summary,
        needs=[],
        value_amount=value,
    )
    for key, body in sections.items():
        spec_services.section_edit(actor=buyer, spec=spec, key=key, body=body)
    return _freeze(buyer, spec)


def _plan(buyer: User, process: Process, dates: list[tuple[int, int]], budgets=()) -> None:
    """Give each phase its enquiry end and deadline, in days from now."""
    now = clock.now()
    budgets = list(budgets) or [None] * len(dates)
    for phase, (enquiry, deadline), budget in zip(
        process.phases.order_by("number"), dates, budgets, strict=True
    ):
        services.phase_update(
            actor=buyer,
            process=process,
            number=phase.number,
            title=phase.title,
            description=phase.description,
            take_forward=phase.take_forward,
            budget_amount=budget,
            enquiry_end=now + enquiry * DAY,
            deadline=now + deadline * DAY,
        )


def _publish(buyer: User, process: Process) -> Process:
    process.refresh_from_db()
    services.process_publish(
        actor=buyer, process=process, acknowledgements=_not_relevant(services.gate_text(process))
    )
    process.refresh_from_db()
    return process


def _submit(user: User, organisation, process: Process, answers: list[str], price=None):
    process.refresh_from_db()
    criteria = process.criteria.exclude(kind="price").order_by("number")
    return services.submission_save(
        actor=user,
        process=process,
        organisation=organisation,
        answers={str(c.number): text for c, text in zip(criteria, answers, strict=True)},
        price=price,
        submit=True,
    )


# --- the three processes ------------------------------------------------------------------------


def _tender(personas: dict, spec: Specification) -> Process:
    """Open for questions: enquiries end in 7 days, submissions in 21."""
    buyer, supplier = personas["buyer"], personas["supplier"]
    spec = _freeze(buyer, spec)
    process = services.process_create(
        actor=buyer,
        specification=spec,
        kind=Process.Kind.TENDER,
        summary="A one-year pilot of weekend collections, so no town-centre bin overflows "
        "between Friday and Monday.",
    )
    # The weights the specification's judging section promises.
    services.criteria_set(
        actor=buyer,
        process=process,
        criteria=[
            {"kind": "quality", "name": "Quality of the proposed approach", "weight": 50},
            {"kind": "price", "name": "Price", "weight": 30},
            {
                "kind": "social_value",
                "name": "Social value",
                "weight": 20,
                "description": "Local jobs and apprenticeships.",
            },
        ],
    )
    _plan(buyer, process, [(7, 21)])
    process = _publish(buyer, process)
    answered = services.question_ask(
        actor=supplier,
        process=process,
        text="Do the fill-level sensors have to be installed by the supplier, or will the "
        "council provide them?",
    )
    services.question_answer(
        actor=buyer,
        question=answered,
        answer="The supplier provides them. If you would check fullness by hand instead, say "
        "how often and how you record it.",
    )
    services.question_ask(
        actor=supplier,
        process=process,
        text="May the weekend crews use the council's depot on Station Road?",
    )
    return process


def _challenge(personas: dict) -> Process:
    """Open for submissions, with a sealed submission from the co-operative."""
    buyer, supplier = personas["buyer"], personas["supplier"]
    spec = _spec(
        buyer,
        personas["council"],
        "More computer time for job seekers at the library",
        "Help people without a computer at home apply for jobs, even after 10am.",
        "20000",
        {
            "problem": "The central library's computers are booked out by 10am. People who "
            "need to apply for jobs online cannot get a slot after mid-morning.",
            "outcomes": "Anyone who comes to the central library before 4pm to apply for a job "
            "can get at least an hour on a computer that day.",
            "budget": "Prizes of £20,000 in all: £5,000 for each of up to four finalists to "
            "try their idea.",
        },
    )
    process = services.process_create(
        actor=buyer,
        specification=spec,
        kind=Process.Kind.CHALLENGE,
        how_to_enter="Anyone may enter: describe your idea in no more than three pages. Up to "
        "ten entries go to the finals, where four finalists each receive £5,000 to try it.",
    )
    _plan(buyer, process, [(7, 14), (35, 56)])
    process = _publish(buyer, process)
    _submit(
        supplier,
        personas["coop"],
        process,
        [
            "A booking line run by our members: people reserve an hour by text, and a "
            "volunteer opens the meeting room with six refurbished laptops.",
            "The laptops come from our refurbishing workshop, which trains two apprentices a year.",
        ],
    )
    # Demo only: end the enquiry period now (see the module docstring).
    Phase.objects.filter(pk=process.current_phase_id).update(enquiry_end=clock.now())
    return process


def _staged(personas: dict) -> Process:
    """In evaluation: phase 1 had two submissions, its deadline passed and the buyer opened it."""
    buyer = personas["buyer"]
    spec = _spec(
        buyer,
        personas["council"],
        "Step-free journeys from Riverside station",
        "Get people who cannot use stairs from the platform to the high street.",
        "300000",
        {
            "problem": "The only lift at Riverside station has been out of order since March. "
            "People who cannot use stairs get off one stop early and walk back along the main "
            "road.",
            "outcomes": "Anyone who cannot use stairs can get from the platform to the high "
            "street within fifteen minutes, at any time trains run.",
            "unknowns": "We do not know how many journeys a day need step-free help.",
        },
    )
    process = services.process_create(actor=buyer, specification=spec, kind=Process.Kind.STAGED)
    _plan(
        buyer,
        process,
        [(7, 21), (60, 90), (120, 180)],
        budgets=["30000", "90000", "180000"],
    )
    process = _publish(buyer, process)
    _submit(
        personas["supplier"],
        personas["coop"],
        process,
        [
            "A study of a bookable step-free minibus between the station and the high street, "
            "with drivers from our co-operative.",
            "Every driver is a local member of the co-operative, paid the real living wage.",
        ],
        price="24000",
    )
    _submit(
        personas["rival"],
        personas["bigco"],
        process,
        [
            "A study of a temporary platform lift with remote monitoring, installed and "
            "maintained by our national engineering team.",
            "Two local apprenticeships in lift maintenance.",
        ],
        price="29500",
    )
    # Demo only: the deadline passes now, after both submissions (see the module docstring).
    now = clock.now()
    Phase.objects.filter(pk=process.current_phase_id).update(enquiry_end=now, deadline=now)
    process.refresh_from_db()
    services.phase_open(actor=buyer, process=process)
    process.refresh_from_db()
    return process
