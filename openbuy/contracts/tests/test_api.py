"""The contracts API: public reading, the buyer's officers sign (never before the standstill
ends), decide milestones, measure outcomes, amend, terminate and complete. JSON errors with
field paths."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openbuy import clock as openbuy_clock
from openbuy.contracts import services
from openbuy.contracts.models import Amendment, Contract, Milestone, Outcome
from openbuy.evaluation.models import Award
from openbuy.evaluation.tests.conftest import add_supplier
from openbuy.processes import services as process_services
from openbuy.processes.models import Process
from openbuy.processes.tests.conftest import plan
from openbuy.specifications import services as spec_services

pytestmark = pytest.mark.django_db
API = "/api/v1"
JSON = "application/json"
REFUSED = ["supplier", "frontline", "evaluator", "other_buyer", "admin", "resident"]
RUNNERS = ["buyer", "org_admin"]
SIGN = {"title": "Library doors", "starts_on": "2027-01-04", "ends_on": "2027-12-31"}
NO_LESSON = {"no_lesson_reason": "The supplier's owner retired: nothing the buyer could see."}


# ``call`` and ``token``: the root conftest.


def fields(response) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


def _sign(personas, award, who="buyer"):
    return services.contract_sign(
        actor=personas[who], award=award, starts_on=date(2027, 1, 4), ends_on=date(2027, 12, 31)
    )


@pytest.fixture
def contract(personas, award, clock):
    clock.move_to(award.standstill_ends)
    return _sign(personas, award)


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


def url(contract, path=""):
    return f"{API}/contracts/{contract.pk}{path}"


# --- public reads -------------------------------------------------------------------------------


def test_anyone_reads_a_contract(call, personas, contract, milestone, outcome):
    services.amend(actor=personas["buyer"], contract=contract, value_change="250", reason="Door.")
    for who in [None, "resident", "supplier", "rival"]:
        listing = call("get", f"{API}/contracts", who=who)
        assert listing.status_code == 200, listing.content
        assert listing.json()["count"] == 1
        row = listing.json()["items"][0]
        assert row["id"] == contract.pk and row["supplier"]["slug"] == personas["coop"].slug
        assert (row["value_amount"], row["value_change"], row["current_value"]) == (
            "1000.00",
            "250.00",
            "1250.00",
        )
        detail = call("get", url(contract), who=who)
        assert detail.status_code == 200, detail.content
        got = detail.json()
        assert got["supplier"] == {
            "slug": personas["coop"].slug,
            "name": "Patel Mobility Co-operative",
            "size": personas["coop"].size,
            "social_enterprise": personas["coop"].is_social_enterprise,
        }
        assert (got["starts_on"], got["ends_on"]) == ("2027-01-04", "2027-12-31")
        assert got["status"] == "active" and got["termination_reason"] == ""
        assert got["award"] == contract.award_id and got["process"] == contract.process_id
        assert [m["title"] for m in got["milestones"]] == ["Doors fitted"]
        assert got["milestones"][0]["status"] == "pending"
        assert got["outcomes"][0]["target"] == "400.00" and got["outcomes"][0]["actual"] is None
        assert [a["reason"] for a in got["amendments"]] == ["Door."]
        assert got["url"].endswith(f"/contracts/{contract.pk}/")


def test_the_list_filters(call, personas, contract):
    def ids(query):
        response = call("get", f"{API}/contracts?{query}")
        assert response.status_code == 200, (query, response.content)
        return [r["id"] for r in response.json()["items"]]

    assert ids(f"process={contract.process_id}") == [contract.pk]
    assert ids(f"process={contract.process_id + 1000}") == []
    assert ids(f"supplier={personas['coop'].slug}") == [contract.pk]
    assert ids(f"supplier={personas['bigco'].slug}") == []
    assert ids("supplier=nobody") == []
    assert ids("status=active") == [contract.pk]
    assert ids("status=terminated") == []
    for query, field in [
        ("status=cancelled", "status"),
        ("process=first", "process"),
        (f"process={2**70}", "process"),
        ("process=0", "process"),
        ("offset=-1", "offset"),
    ]:
        response = call("get", f"{API}/contracts?{query}")
        assert response.status_code == 422, (query, response.content)
        assert any(f.endswith(field) for f in fields(response)), (query, response.json())


def test_missing_contracts_are_404(call, contract):
    for path in [f"{API}/contracts/999999", f"{API}/contracts/{2**70}"]:
        assert call("get", path).status_code == 404, path
        assert call("get", path).json()["detail"]


# --- permissions --------------------------------------------------------------------------------


def test_writes_are_the_buyers_officers(call, personas, contract, milestone, outcome):
    m = f"/milestones/{milestone.pk}"
    writes = [
        ("post", f"{API}/awards/{contract.award_id}/contract", SIGN),
        (
            "post",
            url(contract, "/milestones"),
            {"title": "Signs", "acceptance_criteria": "Signs up.", "due_on": "2027-04-01"},
        ),
        ("post", url(contract, f"{m}/reject"), {"note": "One door fails."}),
        ("post", url(contract, f"{m}/accept"), None),
        ("post", url(contract, "/outcomes"), {"name": "Visits", "target": "10"}),
        ("put", url(contract, f"/outcomes/{outcome.pk}"), {"actual": "380"}),
        ("post", url(contract, "/amendments"), {"value_change": "-50", "reason": "Sign."}),
        ("post", url(contract, "/complete"), None),
        ("post", url(contract, "/terminate"), {"reason": "Never delivered.", **NO_LESSON}),
    ]
    for method, path, body in writes:
        response = call(method, path, body)
        assert response.status_code == 401, (path, response.content)
        for who in REFUSED:
            response = call(method, path, body, who)
            assert response.status_code == 403, (path, who, response.content)
            assert response.json()["detail"]
    assert not Amendment.objects.exists() and Outcome.objects.count() == 1
    milestone.refresh_from_db()
    assert milestone.status == Milestone.Status.PENDING
    # The buyer's officers get past the permission check on each (the state decides the rest).
    for i, (method, path, body) in enumerate(writes):
        who = RUNNERS[i % 2]
        response = call(method, path, body, who)
        assert response.status_code in (200, 201, 422), (path, who, response.content)
    contract.refresh_from_db()
    # Not completed (the milestone added is pending), so terminated.
    assert contract.status == Contract.Status.TERMINATED
    assert contract.termination_reason == "Never delivered."
    milestone.refresh_from_db()
    assert milestone.status == Milestone.Status.ACCEPTED
    assert Outcome.objects.get(pk=outcome.pk).actual == Decimal("380.00")
    assert Amendment.objects.get().value_change == Decimal("-50.00")


def test_unknown_awards_are_404(call, personas, award):
    assert call("post", f"{API}/awards/999999/contract", SIGN, "buyer").status_code == 404
    assert call("post", f"{API}/awards/{2**70}/contract", SIGN, "buyer").status_code == 404
    assert call("post", f"{API}/awards/{award.pk}/contract", SIGN, "resident").status_code == 403


# --- signing ------------------------------------------------------------------------------------


def test_no_contract_before_the_standstill(call, personas, award, clock):
    path = f"{API}/awards/{award.pk}/contract"
    response = call("post", path, SIGN, "buyer")
    assert response.status_code == 422, response.content
    assert "standstill period runs until" in response.json()["errors"][0]["message"]
    assert not Contract.objects.exists()
    clock.move_to(award.standstill_ends)
    response = call("post", path, SIGN, "buyer")
    assert response.status_code == 201, response.content
    got = response.json()
    assert (
        got["title"] == "Library doors" and got["supplier"]["name"] == "Patel Mobility Co-operative"
    )
    assert (got["value_amount"], got["current_value"], got["currency"]) == (
        "1000.00",
        "1000.00",
        "GBP",
    )
    assert got["signed_by"] == str(personas["buyer"])
    assert got["milestones"] == [] and got["amendments"] == []
    # Once only.
    response = call("post", path, SIGN, "org_admin")
    assert response.status_code == 422 and "already signed" in response.content.decode()
    # Without a title, the process's.
    Contract.objects.all().delete()
    response = call("post", path, {k: v for k, v in SIGN.items() if k != "title"}, "buyer")
    assert response.status_code == 201 and response.json()["title"] == award.process.title


def test_bad_input_names_the_field(call, personas, award, contract, milestone, outcome, clock):
    sign = f"{API}/awards/{award.pk}/contract"
    m = url(contract, "/milestones")
    good_m = {"title": "Signs", "acceptance_criteria": "Signs up.", "due_on": "2027-04-01"}
    cases = [
        ("post", sign, SIGN | {"starts_on": "2027-02-30"}, "starts_on"),
        ("post", sign, SIGN | {"ends_on": "soon"}, "ends_on"),
        ("post", sign, SIGN | {"ends_on": None}, "ends_on"),
        ("post", sign, {"title": "T"}, "starts_on"),
        ("post", sign, SIGN | {"title": "x" * 200}, "title"),
        ("post", m, good_m | {"due_on": "2027-13-01"}, "due_on"),
        ("post", m, good_m | {"title": ""}, "title"),
        ("post", m, good_m | {"acceptance_criteria": " "}, "acceptance_criteria"),
        ("post", m, {"title": "T", "due_on": "2027-04-01"}, "acceptance_criteria"),
        ("post", url(contract, f"/milestones/{milestone.pk}/reject"), {"note": ""}, "note"),
        ("post", url(contract, f"/milestones/{milestone.pk}/reject"), {}, "note"),
        ("post", url(contract, "/outcomes"), {"name": "V", "target": "lots"}, "target"),
        ("post", url(contract, "/outcomes"), {"name": "V", "target": "NaN"}, "target"),
        ("post", url(contract, "/outcomes"), {"name": "V", "target": "1e999999999"}, "target"),
        ("post", url(contract, "/outcomes"), {"name": "V", "target": [1]}, "target"),
        ("post", url(contract, "/outcomes"), {"name": "V", "target": True}, "target"),
        ("post", url(contract, "/outcomes"), {"name": "", "target": "1"}, "name"),
        ("put", url(contract, f"/outcomes/{outcome.pk}"), {"actual": "many"}, "actual"),
        ("put", url(contract, f"/outcomes/{outcome.pk}"), {"actual": 2**70}, "actual"),
        ("put", url(contract, f"/outcomes/{outcome.pk}"), {"actual": "9" * 50}, "actual"),
        ("put", url(contract, f"/outcomes/{outcome.pk}"), {}, "actual"),
        (
            "post",
            url(contract, "/amendments"),
            {"value_change": "ten", "reason": "r"},
            "value_change",
        ),
        (
            "post",
            url(contract, "/amendments"),
            {"value_change": "1e20", "reason": "r"},
            "value_change",
        ),
        ("post", url(contract, "/amendments"), {"value_change": "1", "reason": ""}, "reason"),
        ("post", url(contract, "/terminate"), {"reason": "  "}, "reason"),
        ("post", url(contract, "/terminate"), {"reason": "x" * 6000}, "reason"),
    ]
    for method, path, body, field in cases:
        response = call(method, path, body, "buyer")
        assert response.status_code == 422, (path, body, response.content)
        assert field in fields(response), (path, body, response.json())
    assert not Amendment.objects.exists() and Outcome.objects.get().actual is None
    assert Milestone.objects.count() == 1
    contract.refresh_from_db()
    assert contract.status == Contract.Status.ACTIVE
    # The contract must end after it starts: the service says so, naming the field.
    Contract.objects.all().delete()
    response = call("post", sign, SIGN | {"ends_on": "2026-12-31"}, "buyer")
    assert response.status_code == 422 and fields(response) == ["ends_on"]
    # Ids too large, or unknown, or another contract's, are simply not found.
    response = call("post", sign, SIGN, "buyer")
    assert response.status_code == 201
    again = Contract.objects.get()
    for method, path, body in [
        ("post", f"{API}/contracts/{2**70}/milestones", good_m),
        ("post", f"{API}/awards/{2**70}/contract", SIGN),
        ("post", url(again, f"/milestones/{2**70}/accept"), None),
        ("post", url(again, "/milestones/999999/accept"), None),
        ("post", url(again, f"/milestones/{milestone.pk}/accept"), None),  # the deleted one's
        ("put", url(again, f"/outcomes/{2**70}"), {"actual": "1"}),
        ("put", url(again, f"/outcomes/{outcome.pk}"), {"actual": "1"}),
        ("post", f"{API}/contracts/999999/complete", None),
    ]:
        response = call(method, path, body, "buyer")
        assert response.status_code == 404, (path, response.content)


# --- delivery -----------------------------------------------------------------------------------


def test_milestones_outcomes_and_the_end(call, personas, contract):
    response = call(
        "post",
        url(contract, "/milestones"),
        {"title": "Doors fitted", "acceptance_criteria": "Both open.", "due_on": "2027-03-01"},
        "buyer",
    )
    assert response.status_code == 201, response.content
    made = response.json()
    assert (made["number"], made["status"], made["due_on"]) == (1, "pending", "2027-03-01")
    decide = url(contract, f"/milestones/{made['id']}")
    response = call("post", f"{decide}/reject", {"note": "One door fails."}, "buyer")
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    response = call("post", url(contract, "/complete"), None, "buyer")
    assert response.status_code == 422 and "Every milestone" in response.content.decode()
    response = call("post", f"{decide}/accept", None, "org_admin")
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    assert call("post", f"{decide}/accept", {"note": "Again."}, "buyer").status_code == 422

    response = call(
        "post",
        url(contract, "/outcomes"),
        {"name": "Visits", "unit": "a week", "target": 400},
        "buyer",
    )
    assert response.status_code == 201 and response.json()["target"] == "400.00"
    outcome = response.json()["id"]
    response = call("put", url(contract, f"/outcomes/{outcome}"), {"actual": 380.5}, "buyer")
    assert response.status_code == 200, response.content
    assert response.json()["actual"] == "380.50" and response.json()["measured_at"]

    response = call("post", url(contract, "/complete"), None, "buyer")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "completed" and response.json()["ended_at"]
    response = call("post", url(contract, "/terminate"), {"reason": "Late.", **NO_LESSON}, "buyer")
    assert response.status_code == 422 and "completed" in response.content.decode()


def test_amendments_add_up_and_termination_says_why(call, personas, contract):
    for change, reason in [("250", "Extra door."), (-50, "Smaller sign."), ("0", "New dates.")]:
        body = {"value_change": change, "reason": reason}
        response = call("post", url(contract, "/amendments"), body, "buyer")
        assert response.status_code == 201, response.content
    assert response.json()["value_change"] == "0.00"
    got = call("get", url(contract)).json()
    assert (got["value_amount"], got["value_change"], got["current_value"]) == (
        "1000.00",
        "200.00",
        "1200.00",
    )
    assert got["change_percent"] == "20.0"
    assert [a["value_change"] for a in got["amendments"]] == ["250.00", "-50.00", "0.00"]
    row = call("get", f"{API}/contracts").json()["items"][0]
    assert (row["value_change"], row["current_value"]) == ("200.00", "1200.00")

    body = {"reason": "Never delivered.", **NO_LESSON}
    response = call("post", url(contract, "/terminate"), body, "buyer")
    assert response.status_code == 200, response.content
    got = response.json()
    assert got["status"] == "terminated" and got["termination_reason"] == "Never delivered."
    assert call("get", url(contract)).json() == got
    body = {"value_change": "1", "reason": "Late."}
    response = call("post", url(contract, "/amendments"), body, "buyer")
    assert response.status_code == 422 and "terminated" in response.content.decode()
    assert call("get", f"{API}/contracts?status=terminated").json()["count"] == 1


# --- performance --------------------------------------------------------------------------------


def _another_contract(personas, submit, key: str, name: str):
    """A further tender of the council, with one submission by a new supplier, awarded (through
    the database: the award itself is evaluation's) and signed."""
    add_supplier(personas, key, name, f"{name} Staff")
    spec = spec_services.specification_create(
        actor=personas["buyer"], organisation=personas["council"], title=f"For {name}"
    )
    spec_services.specification_freeze(actor=personas["buyer"], spec=spec)
    spec.refresh_from_db()
    process = process_services.process_create(
        actor=personas["buyer"], specification=spec, kind="tender"
    )
    plan(process, personas["buyer"])
    process = process_services.process_publish(actor=personas["buyer"], process=process)
    submission = submit(process, key, price="500")
    made = Award.objects.create(
        process=process,
        submission=submission,
        value_amount=Decimal("500"),
        currency="GBP",
        rationale="Only bid.",
        total=Decimal("70"),
        decided_by=personas["buyer"],
        standstill_ends=openbuy_clock.now() - timedelta(days=1),
    )
    Process.objects.filter(pk=process.pk).update(state=Process.State.AWARDED)  # as award() does
    contract = _sign(personas, made)
    services.amend(actor=personas["buyer"], contract=contract, value_change="5", reason="More.")
    return contract


def test_the_list_takes_constant_queries(call, personas, contract, submit):
    call("get", f"{API}/contracts", who="resident")  # the token, first used
    with CaptureQueriesContext(connection) as one:
        assert call("get", f"{API}/contracts", who="resident").json()["count"] == 1
    _another_contract(personas, submit, "third", "Third Way Ltd")
    _another_contract(personas, submit, "fourth", "Fourth Sector CIC")
    with CaptureQueriesContext(connection) as three:
        listing = call("get", f"{API}/contracts", who="resident").json()
    assert listing["count"] == 3
    assert {r["current_value"] for r in listing["items"]} == {"1000.00", "505.00"}
    assert len(three) == len(one)
