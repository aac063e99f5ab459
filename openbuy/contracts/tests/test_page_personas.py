"""Contract pages, persona by persona: who gets each page, who is sent to sign in, who is refused
— and that a refused POST changes nothing. The tables below are the permission matrix.

A contract is public (contracting is paid for by the public): anyone reads its page. Signing,
milestones, outcomes, amendments, termination and completion are the buyer's, and only its
officers (buyer officers and organisation admins of the council) get those pages. Signing
answers 404 to anyone else (the same answer as for an award that does not exist);
deciding a milestone is usually a button on the contract page, and has its own page too (where
a milestone decided more than the margin past due asks for its lesson).
Bad input on each form comes back as the form again (200), with an error summary and what was
typed kept.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from openbuy import clock as openbuy_clock
from openbuy.audit.models import AuditEvent
from openbuy.contracts import services
from openbuy.contracts.models import Amendment, Contract, Milestone, Outcome
from openbuy.discussion.models import Notification
from openbuy.evaluation.models import Award
from openbuy.lessons import capture
from openbuy.lessons.models import Capture
from openbuy.processes import services as process_services
from openbuy.processes.models import Process
from openbuy.processes.tests.conftest import plan
from openbuy.specifications import services as spec_services

pytestmark = pytest.mark.django_db

ANONYMOUS = "anonymous"
LOGIN = "sign in"  # a 302 to the sign-in page, coming back here after
RUNNERS = ("buyer", "org_admin")
NO_LESSON = {"lesson_choice": "none", "no_lesson_reason": "Its owner retired: nothing to learn."}

# Each column is a page; each row a persona: its answer to a GET.
#   resident     Rosa, a resident, no organisation
#   supplier     Sam, of Patel Mobility Co-operative: the supplier the contract is with
#   rival        Rhys, of Northgate Systems plc: another supplier (it bid, and lost)
#   buyer        Bea, buyer officer of Riverside Borough Council, the buyer
#   org_admin    Nia, organisation admin of the council
#   frontline    Femi, frontline staff of the council (and on the evaluation panel)
#   evaluator    Eve, an invited expert on the evaluation panel
#   other_buyer  Owen, buyer officer of another buyer (Hillside Health Trust)
#   moderator    Mo, site moderator
#   admin        Ada, site admin
PAGES = (
    "contract",
    "sign",
    "milestone_add",
    "milestone_accept",
    "milestone_reject",
    "outcome_add",
    "outcome_record",
    "amend",
    "terminate",
    "complete",
)
# fmt: off
GET = {
    #               contract sign   m_add  accept reject o_add  record amend  term.  complete
    ANONYMOUS:     (200,     LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    "resident":    (200,     404,   403,   403,   403,   403,   403,   403,   403,   403),
    "supplier":    (200,     404,   403,   403,   403,   403,   403,   403,   403,   403),
    "rival":       (200,     404,   403,   403,   403,   403,   403,   403,   403,   403),
    "buyer":       (200,     200,   200,   200,   200,   200,   200,   200,   200,   200),
    "org_admin":   (200,     200,   200,   200,   200,   200,   200,   200,   200,   200),
    "frontline":   (200,     404,   403,   403,   403,   403,   403,   403,   403,   403),
    "evaluator":   (200,     404,   403,   403,   403,   403,   403,   403,   403,   403),
    "other_buyer": (200,     404,   403,   403,   403,   403,   403,   403,   403,   403),
    "moderator":   (200,     404,   403,   403,   403,   403,   403,   403,   403,   403),
    "admin":       (200,     404,   403,   403,   403,   403,   403,   403,   403,   403),
}
# A valid POST: 302 is done (back to the contract page). The contract page takes no POST.
POST = {
    #               sign   m_add  accept reject o_add  record amend  term.  complete
    ANONYMOUS:     (LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    "resident":    (404,   403,   403,   403,   403,   403,   403,   403,   403),
    "supplier":    (404,   403,   403,   403,   403,   403,   403,   403,   403),
    "rival":       (404,   403,   403,   403,   403,   403,   403,   403,   403),
    "buyer":       (302,   302,   302,   302,   302,   302,   302,   302,   302),
    "org_admin":   (302,   302,   302,   302,   302,   302,   302,   302,   302),
    "frontline":   (404,   403,   403,   403,   403,   403,   403,   403,   403),
    "evaluator":   (404,   403,   403,   403,   403,   403,   403,   403,   403),
    "other_buyer": (404,   403,   403,   403,   403,   403,   403,   403,   403),
    "moderator":   (404,   403,   403,   403,   403,   403,   403,   403,   403),
    "admin":       (404,   403,   403,   403,   403,   403,   403,   403,   403),
}
# fmt: on
PERSONAS = tuple(GET)


def expected_get(page: str) -> dict[str, int | str]:
    """The GET column for one page: persona -> expected answer."""
    return {who: row[PAGES.index(page)] for who, row in GET.items()}


def expected_post(page: str) -> dict[str, int | str]:
    return {who: row[PAGES.index(page) - 1] for who, row in POST.items()}


def test_the_tables_cover_every_page_and_persona():
    assert all(len(row) == len(PAGES) for row in GET.values())
    assert all(len(row) == len(PAGES) - 1 for row in POST.values())
    assert set(GET) == set(POST)
    # Every named route of the app is in the table (decide is one route: accept or reject).
    from openbuy.contracts.urls import urlpatterns

    routes = {p.name for p in urlpatterns}
    tabled = set(PAGES) - {"contract", "milestone_accept", "milestone_reject"}
    assert routes == tabled | {"detail", "milestone_decide"}


# --- the state every page is tried on -----------------------------------------------------------


@pytest.fixture
def signable(award, clock):
    """The award to Patel Mobility Co-operative, its standstill over, no contract signed yet."""
    clock.move_to(award.standstill_ends + timedelta(minutes=1))
    return award


@pytest.fixture
def contract(personas, signable):
    return services.contract_sign(
        actor=personas["buyer"],
        award=signable,
        starts_on=date(2027, 1, 4),
        ends_on=date(2027, 12, 31),
    )


@pytest.fixture
def milestone(personas, contract):
    return services.milestone_add(
        actor=personas["buyer"],
        contract=contract,
        title="Doors fitted",
        acceptance_criteria="Both doors open with a card.",
        due_on=date(2027, 3, 1),
    )


@pytest.fixture
def outcome(personas, contract):
    return services.outcome_add(
        actor=personas["buyer"],
        contract=contract,
        name="Evening visits",
        target="400",
        unit="a week",
    )


def snapshot():
    """Everything a contract page could change: every row, and the audit and notifications."""
    return (
        list(
            Contract.objects.order_by("pk").values_list(
                "pk", "title", "status", "termination_reason", "ended_at", "starts_on", "ends_on"
            )
        ),
        list(
            Milestone.objects.order_by("pk").values_list(
                "pk", "title", "status", "note", "decided_by", "decided_at"
            )
        ),
        list(
            Outcome.objects.order_by("pk").values_list(
                "pk", "name", "unit", "target", "actual", "measured_at"
            )
        ),
        list(Amendment.objects.order_by("pk").values_list("pk", "value_change", "reason")),
        AuditEvent.objects.count(),
        Notification.objects.count(),
        Capture.objects.count(),
    )


@dataclass(frozen=True)
class Form:
    """One page: its address, a valid POST, and what a runner's POST must have done."""

    name: str
    path: Callable[[dict], str]
    data: dict = field(default_factory=dict)
    done: Callable[[dict], bool] = lambda ctx: False
    prepare: Callable[[dict, dict], None] = lambda ctx, personas: None


def _c(ctx, rest=""):
    return f"/contracts/{ctx['contract'].pk}/{rest}"


def _milestone(ctx):
    return Milestone.objects.get(pk=ctx["milestone"].pk)


def _accept_every_milestone(ctx, personas):
    for m in Milestone.objects.filter(contract=ctx["contract"]):
        services.milestone_decide(actor=personas["buyer"], milestone=m, accept=True)


def _contract_now(ctx):
    return Contract.objects.get(pk=ctx["contract"].pk)


FORMS = {
    form.name: form
    for form in [
        Form(
            "sign",
            lambda ctx: f"/contracts/sign/{ctx['award'].pk}/",
            {"title": "Library doors", "starts_on": "2027-01-04", "ends_on": "2027-12-31"},
            lambda ctx: Contract.objects.filter(award=ctx["award"], title="Library doors").exists(),
        ),
        Form(
            "milestone_add",
            lambda ctx: _c(ctx, "milestones/new/"),
            {
                "title": "Signs up",
                "acceptance_criteria": "Signs at both doors.",
                "due_on": "2027-04-01",
            },
            lambda ctx: Milestone.objects.filter(
                contract=ctx["contract"], title="Signs up", number=2
            ).exists(),
        ),
        Form(
            "milestone_accept",
            lambda ctx: _c(ctx, f"milestones/{ctx['milestone'].pk}/accept/"),
            {},
            lambda ctx: _milestone(ctx).status == Milestone.Status.ACCEPTED,
        ),
        Form(
            "milestone_reject",
            lambda ctx: _c(ctx, f"milestones/{ctx['milestone'].pk}/reject/"),
            {"note": "One door fails."},
            lambda ctx: (
                (_milestone(ctx).status, _milestone(ctx).note)
                == (Milestone.Status.REJECTED, "One door fails.")
            ),
        ),
        Form(
            "outcome_add",
            lambda ctx: _c(ctx, "outcomes/new/"),
            {"name": "Complaints", "unit": "a month", "target": "-20"},
            lambda ctx: Outcome.objects.filter(
                contract=ctx["contract"], name="Complaints", unit="a month", target=Decimal("-20")
            ).exists(),
        ),
        Form(
            "outcome_record",
            lambda ctx: _c(ctx, f"outcomes/{ctx['outcome'].pk}/"),
            {"actual": "380.5"},
            lambda ctx: Outcome.objects.get(pk=ctx["outcome"].pk).actual == Decimal("380.50"),
        ),
        Form(
            "amend",
            lambda ctx: _c(ctx, "amend/"),
            {"value_change": "-50", "reason": "A smaller sign."},
            lambda ctx: Amendment.objects.filter(
                contract=ctx["contract"], value_change=Decimal("-50"), reason="A smaller sign."
            ).exists(),
        ),
        Form(
            "terminate",
            lambda ctx: _c(ctx, "terminate/"),
            {"reason": "The supplier ceased trading."} | NO_LESSON,
            lambda ctx: (
                (_contract_now(ctx).status, _contract_now(ctx).termination_reason)
                == (Contract.Status.TERMINATED, "The supplier ceased trading.")
            ),
        ),
        Form(
            "complete",
            lambda ctx: _c(ctx, "complete/"),
            {},
            lambda ctx: _contract_now(ctx).status == Contract.Status.COMPLETED,
            prepare=_accept_every_milestone,  # else completing is refused for its own reason
        ),
    ]
}


@pytest.fixture
def world(request, personas):
    """``world(page)``: what the page needs. Signing needs an award without a contract; every
    other page a signed contract with a pending milestone and an outcome not yet measured."""

    def _world(page):
        ctx = {"award": request.getfixturevalue("signable")}
        if page != "sign":
            ctx["contract"] = request.getfixturevalue("contract")
            ctx["milestone"] = request.getfixturevalue("milestone")
            ctx["outcome"] = request.getfixturevalue("outcome")
        return ctx

    return _world


def as_persona(client, personas, who):
    client.logout()
    if who != ANONYMOUS:
        client.force_login(personas[who])


def assert_answer(response, expected, path, who):
    if expected == LOGIN:
        assert response.status_code == 302, (path, who, response.status_code)
        assert response.url.startswith(reverse("account_login") + "?next="), (path, who)
        assert path in response.url.replace("%2F", "/"), (path, who, response.url)
    else:
        assert response.status_code == expected, (path, who, response.status_code, expected)


# --- GET ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_who_gets_each_page(client, personas, world, page):
    ctx = world(page)
    path = _c(ctx) if page == "contract" else FORMS[page].path(ctx)
    before = snapshot()
    for who, expected in expected_get(page).items():
        as_persona(client, personas, who)
        assert_answer(client.get(path), expected, path, who)
    assert snapshot() == before  # a GET never changes anything


def test_the_contract_page_is_public_and_shows_the_buyers_actions_only_to_its_officers(
    client, personas, contract, milestone, outcome
):
    services.amend(actor=personas["buyer"], contract=contract, value_change="250", reason="Door.")
    actions = [
        "Add a milestone",
        "Add an outcome measure",
        "Amend the contract",
        "Mark it complete",
        "Terminate it",
        f"/milestones/{milestone.pk}/accept/",
        f"/outcomes/{outcome.pk}/",
    ]
    for who in PERSONAS:
        as_persona(client, personas, who)
        response = client.get(f"/contracts/{contract.pk}/")
        assert response.status_code == 200, who
        body = response.content.decode()
        # What was bought, from whom, for how much, and how it is going: for everyone.
        for text in [
            "Evening access to libraries",
            "Patel Mobility Co-operative (micro (fewer than 10 staff), social enterprise)",
            "GBP 1250.00 (GBP 1000.00 signed; amendments 250.00, 25.0%)",
            "4 January 2027 to 31 December 2027",
            "Doors fitted",
            "Both doors open with a card.",
            "Evening visits",
            "400.00 a week",
            "Door.",
        ]:
            assert text in body, (who, text)
        shown = [a for a in actions if a in body]
        assert shown == (actions if who in RUNNERS else []), (who, shown)
    # The process page links to it, for anyone.
    client.logout()
    assert (
        f"/contracts/{contract.pk}/"
        in client.get(f"/processes/{contract.process_id}/").content.decode()
    )


def test_unknown_contracts_and_rows_are_not_found(client, personas, contract, milestone, outcome):
    client.force_login(personas["buyer"])
    for path in [
        "/contracts/999999/",
        f"/contracts/{10**18 - 1}/",
        "/contracts/999999/amend/",
        "/contracts/999999/milestones/new/",
        "/contracts/sign/999999/",
        f"/contracts/{contract.pk}/outcomes/999999/",
    ]:
        assert client.get(path).status_code == 404, path
    before = snapshot()
    for path in [
        f"/contracts/{contract.pk}/milestones/999999/accept/",
        f"/contracts/{contract.pk}/milestones/{milestone.pk}/approve/",  # no such verdict
        f"/contracts/{contract.pk}/outcomes/999999/",
    ]:
        assert client.post(path, {"note": "x", "actual": "1"}).status_code == 404, path
    assert snapshot() == before
    client.logout()
    assert client.get("/contracts/999999/").status_code == 404


# --- POST ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("runner", RUNNERS)
@pytest.mark.parametrize("page", [p for p in PAGES if p != "contract"])
def test_a_refused_post_changes_nothing_and_the_buyers_officer_is_done(
    client, personas, world, page, runner
):
    form = FORMS[page]
    ctx = world(page)
    form.prepare(ctx, personas)
    path = form.path(ctx)
    table = expected_post(page)
    before = snapshot()
    for who, expected in table.items():
        if who in RUNNERS:
            continue
        as_persona(client, personas, who)
        assert_answer(client.post(path, form.data), expected, path, who)
        assert snapshot() == before, (page, who)
    assert not form.done(ctx)
    # The same POST by one of the buyer's officers does what it says, and goes back to the contract.
    as_persona(client, personas, runner)
    response = client.post(path, form.data)
    assert_answer(response, table[runner], path, runner)
    made = Contract.objects.get(award=ctx["award"])
    assert response.url == f"/contracts/{made.pk}/"
    assert form.done(ctx), (page, runner)
    assert snapshot() != before


def test_another_buyers_officer_runs_only_its_own_contracts(
    client, personas, submit, contract, milestone, outcome
):
    """Owen runs the trust's contract; Bea runs the council's. Neither reaches the other's rows,
    not even through the address of a contract they do run."""
    theirs = _trust_contract(personas, submit)
    their_milestone = services.milestone_add(
        actor=personas["other_buyer"],
        contract=theirs,
        title="Ward doors fitted",
        acceptance_criteria="They open.",
        due_on=date(2027, 5, 1),
    )
    their_outcome = services.outcome_add(
        actor=personas["other_buyer"], contract=theirs, name="Ward visits", target="10"
    )
    client.force_login(personas["other_buyer"])
    assert client.get(f"/contracts/{theirs.pk}/amend/").status_code == 200
    assert client.get(f"/contracts/{contract.pk}/amend/").status_code == 403
    before = snapshot()
    for who, mine, other_milestone, other_outcome in [
        ("buyer", contract, their_milestone, their_outcome),
        ("other_buyer", theirs, milestone, outcome),
    ]:
        client.force_login(personas[who])
        for path, data in [
            (f"/contracts/{mine.pk}/milestones/{other_milestone.pk}/accept/", {}),
            (f"/contracts/{mine.pk}/milestones/{other_milestone.pk}/reject/", {"note": "No."}),
            (f"/contracts/{mine.pk}/outcomes/{other_outcome.pk}/", {"actual": "1"}),
        ]:
            assert client.get(path).status_code == 404, (who, path)
            assert client.post(path, data).status_code == 404, (who, path)
    assert snapshot() == before


def _trust_contract(personas, submit):
    """A contract of Hillside Health Trust with the co-operative, signed by Owen. The award is
    made through the database (the award itself is evaluation's, tested there)."""
    owen = personas["other_buyer"]
    spec = spec_services.specification_create(
        actor=owen, organisation=personas["trust"], title="Ward door access"
    )
    spec_services.specification_freeze(actor=owen, spec=spec)
    spec.refresh_from_db()
    process = process_services.process_create(actor=owen, specification=spec, kind="tender")
    plan(process, owen)
    process = process_services.process_publish(actor=owen, process=process)
    submission = submit(process, "supplier", price="500")
    award = Award.objects.create(
        process=process,
        submission=submission,
        value_amount=Decimal("500"),
        currency="GBP",
        rationale="Only bid.",
        total=Decimal("70"),
        decided_by=owen,
        standstill_ends=openbuy_clock.now() - timedelta(days=1),
    )
    Process.objects.filter(pk=process.pk).update(state=Process.State.AWARDED)  # as award() does
    return services.contract_sign(
        actor=owen, award=award, starts_on=date(2027, 2, 1), ends_on=date(2027, 6, 30)
    )


# --- bad input ----------------------------------------------------------------------------------


BAD = [
    # page, POST, error shown, what was typed and must be kept
    (
        "sign",
        {"title": "Library doors", "starts_on": "2027-02-30", "ends_on": ""},
        ["Enter a valid date", "This field is required"],
        ['value="Library doors"', 'value="2027-02-30"'],
    ),
    (
        "sign",
        {"title": "Library doors", "starts_on": "2027-06-01", "ends_on": "2027-01-31"},
        ["The contract must end after it starts"],
        ['value="Library doors"', 'value="2027-06-01"', 'value="2027-01-31"'],
    ),
    (
        "milestone_add",
        {"title": "Signs up", "acceptance_criteria": "", "due_on": "soon"},
        ["This field is required", "Enter a valid date"],
        ['value="Signs up"', 'value="soon"'],
    ),
    (
        "milestone_add",
        {"title": "Signs up", "acceptance_criteria": "   ", "due_on": "2027-04-01"},
        ["This field is required"],
        ['value="Signs up"', 'value="2027-04-01"'],
    ),
    ("milestone_reject", {"note": ""}, ["Say which acceptance criteria are not met"], []),
    (
        "milestone_reject",
        {"note": "N" * 5_001},
        ["Ensure this value has at most 5000 characters"],
        ["N" * 5_001],
    ),
    (
        "outcome_add",
        {"name": "Complaints", "unit": "a month", "target": "lots"},
        ["Enter an amount as a number, like 25000"],
        ['value="Complaints"', 'value="a month"', 'value="lots"'],
    ),
    (
        "outcome_add",
        {"name": "", "unit": "a month", "target": "20"},
        ["This field is required"],
        ['value="a month"', 'value="20"'],
    ),
    (
        "outcome_record",
        {"actual": "many"},
        ["Enter an amount as a number, like 25000"],
        ['value="many"'],
    ),
    (
        "outcome_record",
        {"actual": "1e20"},
        ["Enter an amount between 0 and 99,999,999,999,999"],
        ['value="1e20"'],
    ),
    (
        "amend",
        {"value_change": "ten", "reason": "A second door."},
        ["Enter an amount as a number, like 25000"],
        ['value="ten"', "A second door."],
    ),
    (
        "amend",
        {"value_change": "250", "reason": ""},
        ["This field is required"],
        ['value="250"'],
    ),
    ("terminate", {"reason": "   "}, ["This field is required"], []),
    (
        "terminate",
        {"reason": "Ceased trading."},
        ['<a href="#id_lesson_choice_0">Record a lesson, or say why there is no lesson to learn'],
        ["Ceased trading."],
    ),
    (
        "terminate",
        {"reason": "Ceased trading.", "lesson_choice": "write", "lesson_title": "Check finances"},
        ['<a href="#id_lesson_why">Give the lesson why it happened (the root cause)</a>'],
        ['value="Check finances"'],
    ),
    (
        "terminate",
        {"reason": "R" * 5_001},
        ["Ensure this value has at most 5000 characters"],
        ["R" * 5_001],
    ),
    # Nothing to type: the milestone is still pending, and the page says why it cannot complete.
    ("complete", {}, ["Every milestone must be accepted before the contract completes."], []),
]


@pytest.mark.parametrize(
    ("page", "data", "errors", "kept"), BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)]
)
def test_bad_input_shows_the_form_again_with_the_problem_and_what_was_typed(
    client, personas, world, page, data, errors, kept
):
    form = FORMS[page]
    ctx = world(page)
    path = form.path(ctx)
    client.force_login(personas["buyer"])
    before = snapshot()
    response = client.post(path, data)
    assert response.status_code == 200, (page, data, response.status_code)
    body = response.content.decode()
    assert "<title>Error: " in body, page
    assert 'class="govuk-error-summary"' in body and "There is a problem" in body, page
    for error in errors:
        assert error in body, (page, error)
    for text in kept:
        assert text in body, (page, text[:40])
    assert snapshot() == before, page


def test_before_the_standstill_ends_signing_is_refused_on_the_page(client, personas, award):
    client.force_login(personas["buyer"])
    path = f"/contracts/sign/{award.pk}/"
    response = client.post(
        path, {"title": "Library doors", "starts_on": "2027-01-04", "ends_on": "2027-12-31"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body and "The standstill period runs until" in body
    assert 'value="Library doors"' in body
    assert not Contract.objects.exists()


def test_once_it_has_ended_the_forms_say_so_and_change_nothing(
    client, personas, contract, milestone, outcome
):
    services.terminate(
        actor=personas["buyer"],
        contract=contract,
        reason="Ceased trading.",
        lesson=capture.no_lesson(NO_LESSON["no_lesson_reason"]),
    )
    client.force_login(personas["buyer"])
    page = client.get(f"/contracts/{contract.pk}/").content.decode()
    assert "Terminated: Ceased trading." in page
    assert "Amend the contract" not in page and "/accept/" not in page
    before = snapshot()
    for page_name, data in [
        ("milestone_add", FORMS["milestone_add"].data),
        ("milestone_accept", {}),
        ("outcome_add", FORMS["outcome_add"].data),
        ("amend", FORMS["amend"].data),
        ("terminate", {"reason": "Again."} | NO_LESSON),
        ("complete", {}),
    ]:
        path = FORMS[page_name].path({"contract": contract, "milestone": milestone})
        response = client.post(path, data)
        assert response.status_code == 200, page_name
        assert "This contract is terminated." in response.content.decode(), page_name
    assert snapshot() == before
    # A measurement may still come in after the end (outcomes are often measured late).
    response = client.post(f"/contracts/{contract.pk}/outcomes/{outcome.pk}/", {"actual": "390"})
    assert response.status_code == 302
    outcome.refresh_from_db()
    assert outcome.actual == Decimal("390.00")


def test_a_refused_accept_is_not_labelled_as_a_rejection(client, personas, contract, milestone):
    services.milestone_decide(actor=personas["buyer"], milestone=milestone, accept=True)
    client.force_login(personas["org_admin"])  # a second officer, with the page still open
    response = client.post(f"/contracts/{contract.pk}/milestones/{milestone.pk}/accept/", {})
    body = response.content.decode()
    assert response.status_code == 200 and "already been accepted" in body
    assert "Not accepting" not in body and "Record it as not accepted" not in body


def test_accepting_after_a_rejection_keeps_why_it_was_first_not_accepted(
    personas, contract, milestone
):
    buyer = personas["buyer"]
    services.milestone_decide(actor=buyer, milestone=milestone, accept=False, note="No ramp yet.")
    services.milestone_decide(actor=buyer, milestone=milestone, accept=True, note="Ramp fitted.")
    milestone.refresh_from_db()
    assert milestone.note == "Earlier not accepted: No ramp yet. — Accepted: Ramp fitted."


def test_the_signing_page_of_an_award_already_signed_shows_the_contract(client, personas, contract):
    client.force_login(personas["org_admin"])  # not the officer who signed it
    path = f"/contracts/sign/{contract.award_id}/"
    response = client.get(path)
    assert response.status_code == 302 and response["Location"] == f"/contracts/{contract.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "The contract for this award is already signed." in page
    before = snapshot()
    client.post(path, {"title": "Again", "starts_on": "2027-01-04", "ends_on": "2027-12-31"})
    assert snapshot() == before and Contract.objects.count() == 1
