from datetime import timedelta

import pytest

from openbuy import clock as openbuy_clock
from openbuy.processes import services
from openbuy.specifications import services as spec_services
from openbuy.specifications.tests.conftest import adopted_need, spec  # noqa: F401 - fixtures

DAY = timedelta(days=1)


@pytest.fixture
def frozen_spec(personas, spec):  # noqa: F811
    spec_services.specification_freeze(actor=personas["buyer"], spec=spec)
    spec.refresh_from_db()
    return spec


def plan(process, actor, *, enquiry_days=7, deadline_days=21, **extra):
    """Give every phase of a draft dates: phase 1 from now, later ones a month apart."""
    now = openbuy_clock.now()
    for phase in process.phases.all():
        offset = (phase.number - 1) * 30
        services.phase_update(
            actor=actor,
            process=process,
            number=phase.number,
            title=phase.title,
            description=phase.description,
            take_forward=phase.take_forward,
            enquiry_end=now + (offset + enquiry_days) * DAY,
            deadline=now + (offset + deadline_days) * DAY,
            **extra,
        )
    process.refresh_from_db()
    return process


@pytest.fixture
def draft_tender(personas, frozen_spec, clock):
    process = services.process_create(
        actor=personas["buyer"], specification=frozen_spec, kind="tender"
    )
    return plan(process, personas["buyer"])


@pytest.fixture
def tender(personas, draft_tender):
    """A tender published at 2026-11-25 12:00: questions for 7 days, deadline in 21."""
    services.process_publish(actor=personas["buyer"], process=draft_tender)
    draft_tender.refresh_from_db()
    return draft_tender


@pytest.fixture
def submit(personas):
    """``submit(process, "supplier", "text", price)`` submits for the persona's organisation."""
    from openbuy.accounts.models import Membership

    def _submit(process, who="supplier", text="Our answer", price="1000", **kw):
        user = personas[who]
        organisation = (
            Membership.objects.filter(user=user, organisation__kind="supplier").first().organisation
        )
        answers = {str(c.number): text for c in process.criteria.exclude(kind="price")}
        kw.setdefault("submit", True)
        return services.submission_save(
            actor=user,
            process=process,
            organisation=organisation,
            answers=answers,
            price=price,
            **kw,
        )

    return _submit


@pytest.fixture
def rival(personas):
    """A second supplier: Rhys, supplier staff of Northgate Systems plc (large)."""
    from openbuy.accounts.models import Membership, User

    user = User.objects.create_user(
        "rhys@example.org", "persona-password-123", name="Rhys Northgate"
    )
    Membership.objects.create(
        user=user, organisation=personas["bigco"], role=Membership.Role.SUPPLIER
    )
    personas["rival"] = user
    return user


@pytest.fixture(autouse=True)
def processes_alone(monkeypatch):
    """These tests are of processes on their own: the stage-gate check that evaluation plugs in
    (``processes.gates``) is taken out here; evaluation's tests cover it."""
    from openbuy.processes import gates

    monkeypatch.setattr(gates, "_check", None)


@pytest.fixture
def sealed_world(
    personas, tender, submit, rival, clock, settings, django_capture_on_commit_callbacks
):
    """What the sealed-bid leak sweeps start from (``sealed_leaks``)."""
    from openbuy.processes.tests.sealed_leaks import World

    return World(
        personas, tender, submit, rival, clock, settings, django_capture_on_commit_callbacks
    )
