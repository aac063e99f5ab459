import pytest

from openbuy.needs import services as needs_services
from openbuy.needs.areas import load_cpv_divisions
from openbuy.needs.models import Area
from openbuy.specifications import services


@pytest.fixture
def adopted_need(personas):
    load_cpv_divisions(Area)
    need = needs_services.need_raise(
        actor=personas["resident"],
        title="Library opening hours do not suit shift workers",
        description="The library closes at 5pm on weekdays.",
        affects="Shift workers and their children",
        area=Area.objects.get(slug="recreational-cultural-and-sporting-services"),
        organisation=personas["council"],
    )
    needs_services.need_answer(
        actor=personas["buyer"],
        need=need,
        status="adopted",
        reason="We will buy a self-service access system for evenings.",
    )
    need.refresh_from_db()
    return need


@pytest.fixture
def spec(personas, adopted_need):
    specification = services.specification_create(
        actor=personas["buyer"],
        organisation=personas["council"],
        title="Evening access to libraries",
        summary="Let people use the library after staff go home.",
        needs=[adopted_need],
        value_amount="120000",
    )
    services.section_edit(
        actor=personas["buyer"],
        spec=specification,
        key="outcomes",
        body="Residents can use the library until 9pm.\n\nWe want fewer complaints about "
        "opening hours.",
    )
    specification.refresh_from_db()
    return specification


@pytest.fixture
def suggest(personas, spec):
    """``suggest("supplier", "9pm", "10pm")``: a suggestion swapping words in a section, made
    against the version current at the time."""

    def _suggest(who, old, new, *, key="outcomes", reason="Better words."):
        spec.refresh_from_db()
        body = spec.latest.section(key)["body"]
        assert old in body, f"{old!r} is not in {key}"
        return services.suggestion_create(
            actor=personas[who],
            spec=spec,
            section_key=key,
            proposed_text=body.replace(old, new),
            reason=reason,
        )

    return _suggest
