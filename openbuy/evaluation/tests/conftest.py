"""Fixtures for evaluation: a tender with two opened submissions, and a panel of two."""

from datetime import timedelta

import pytest

from openbuy.processes import services as process_services
from openbuy.processes.tests.conftest import (  # noqa: F401 - fixtures
    draft_tender,
    frozen_spec,
    rival,
    submit,
    tender,
)
from openbuy.specifications.tests.conftest import adopted_need, spec  # noqa: F401 - fixtures

DAY = timedelta(days=1)

# A sentence of the specification's "outcomes" section (see the ``spec`` fixture), copied.
COPIED = "Residents can use the library until 9pm."
SAM_ANSWER = (
    f"Patel Mobility Co-operative has run this for years. {COPIED} "
    "Sam Patel leads the team that installs the doors."
)
RHYS_ANSWER = "Northgate Systems plc brings scale: 40 sites and a national help desk."


def open_phase(personas, process, clock):
    """Move past the phase's deadline and open its submissions, as the buyer."""
    process.refresh_from_db()
    clock.move_to(process.phase.deadline + timedelta(seconds=1))
    process_services.phase_open(actor=personas["buyer"], process=process)
    process.refresh_from_db()
    return process


def add_supplier(personas, key: str, name: str, person: str):
    """A further supplier organisation with one supplier member, as ``personas[key]``."""
    from openbuy.accounts.models import Membership, Organisation, User

    organisation = Organisation.objects.create(
        name=name, slug=key, kind=Organisation.Kind.SUPPLIER, size=Organisation.Size.SMALL
    )
    user = User.objects.create_user(f"{key}@example.org", "persona-password-123", name=person)
    Membership.objects.create(user=user, organisation=organisation, role=Membership.Role.SUPPLIER)
    personas[key] = user
    return user


@pytest.fixture
def opened(personas, tender, submit, rival, clock):  # noqa: F811 - fixtures
    """The tender with two opened submissions: Patel Mobility Co-operative (£1,000, an answer
    naming itself and its member and copying a sentence of the specification) and Northgate
    Systems plc (£800, naming itself). Each quality and social-value answer is the same text."""
    submit(tender, "supplier", text=SAM_ANSWER, price="1000")
    submit(tender, "rival", text=RHYS_ANSWER, price="800")
    return open_phase(personas, tender, clock)


@pytest.fixture
def sam_sub(opened, personas):
    return opened.phase.submissions.get(organisation=personas["coop"])


@pytest.fixture
def rhys_sub(opened, personas):
    return opened.phase.submissions.get(organisation=personas["bigco"])


@pytest.fixture
def quality(opened):
    return opened.criteria.get(kind="quality")


@pytest.fixture
def social(opened):
    return opened.criteria.get(kind="social_value")


@pytest.fixture
def price(opened):
    return opened.criteria.get(kind="price")


@pytest.fixture
def evaluators(personas, opened):
    """Femi (council frontline staff) as staff, and Eve (no organisation) as an invited expert."""
    from openbuy.evaluation import services

    return [
        services.evaluator_add(
            actor=personas["buyer"], process=opened, user=personas["frontline"], kind="staff"
        ),
        services.evaluator_add(
            actor=personas["buyer"], process=opened, user=personas["evaluator"], kind="expert"
        ),
    ]


@pytest.fixture
def declared(personas, evaluators, sam_sub, rhys_sub):
    """Both evaluators declared no conflict with either submission."""
    from openbuy.evaluation import services

    for who in ("frontline", "evaluator"):
        for submission in (sam_sub, rhys_sub):
            services.declare(actor=personas[who], submission=submission, has_conflict=False)
    return evaluators
