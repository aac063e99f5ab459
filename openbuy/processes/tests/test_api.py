"""The processes API: the same rules as the pages, sealed submissions kept sealed, JSON errors
with field paths."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openbuy import clock as openbuy_clock
from openbuy.processes import selectors, services
from openbuy.processes.lifecycle import Status
from openbuy.processes.models import Invitation, Process, Question, Submission
from openbuy.processes.schemas import ProcessQuery
from openbuy.processes.tests.conftest import plan
from openbuy.specifications import services as spec_services

pytestmark = pytest.mark.django_db
API = "/api/v1"
DAY = 24 * 3600
JSON = "application/json"
OTHERS = ["resident", "supplier", "other_buyer", "admin"]
NO_LESSON = {"no_lesson_reason": "The budget was withdrawn: nothing about the process to learn."}


# ``call`` and ``token``: the root conftest.


def fields(response) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


def answers_for(process, text="Our answer"):
    return {str(c.number): text for c in process.criteria.exclude(kind="price")}


def published(personas, title):
    """Another published tender of the council, on its own frozen specification."""
    spec = spec_services.specification_create(
        actor=personas["buyer"], organisation=personas["council"], title=title
    )
    spec_services.specification_freeze(actor=personas["buyer"], spec=spec)
    spec.refresh_from_db()
    process = services.process_create(actor=personas["buyer"], specification=spec, kind="tender")
    plan(process, personas["buyer"])
    return services.process_publish(actor=personas["buyer"], process=process)


# --- public reads -----------------------------------------------------------------------------


def test_reading_is_open_to_anyone(client, personas, tender):
    question = services.question_ask(
        actor=personas["supplier"], process=tender, text="Is weekend access in scope?"
    )
    services.question_answer(actor=personas["buyer"], question=question, answer="Yes.")
    listing = client.get(f"{API}/processes").json()
    assert listing["count"] == 1
    item = listing["items"][0]
    assert item["title"] == tender.title and item["kind"] == "tender"
    assert item["status"] == Status.QUESTIONS == "open_for_questions"
    assert item["organisation"] == {
        "slug": "riverside-borough-council",
        "name": tender.organisation.name,
    }
    assert item["value_amount"] == "120000.00" and item["currency"] == "GBP"
    assert item["deadline"].startswith("2026-12-16T12:00:00")
    assert item["enquiry_end"].startswith("2026-12-02T12:00:00")
    assert item["url"].endswith(f"/processes/{tender.pk}/")

    detail = client.get(f"{API}/processes/{tender.pk}").json()
    assert detail["status"] == "open_for_questions" and detail["current_phase"] == 1
    assert detail["specification"]["id"] == tender.specification_id
    assert detail["specification"]["version"] == tender.spec_version.number
    assert [p["number"] for p in detail["phases"]] == [1]
    assert detail["phases"][0]["deadline"].startswith("2026-12-16T12:00:00")
    assert [(c["kind"], c["weight"]) for c in detail["criteria"]] == [
        ("quality", 60),
        ("price", 30),
        ("social_value", 10),
    ]
    assert detail["lots"] == [] and detail["amendment_days"] == tender.amendment_days

    questions = client.get(f"{API}/processes/{tender.pk}/questions").json()
    assert questions["count"] == 1
    assert questions["items"][0] == {
        "id": question.pk,
        "number": 1,
        "text": "Is weekend access in scope?",
        "answer": "Yes.",
        "asked_at": questions["items"][0]["asked_at"],
        "answered_at": questions["items"][0]["answered_at"],
    }

    timeline = client.get(f"{API}/processes/{tender.pk}/timeline").json()["items"]
    assert [e["kind"] for e in timeline] == ["created", "published", "answered"]
    assert timeline[0]["actor"] == personas["buyer"].name
    assert timeline[1]["after"]["deadline"].startswith("2026-12-16T12:00:00")
    assert client.get(f"{API}/processes/{tender.pk}/submissions").json()["items"] == []


def test_the_list_filters(client, personas, tender, clock):
    url = f"{API}/processes"
    assert client.get(url, {"kind": "tender"}).json()["count"] == 1
    assert client.get(url, {"kind": "challenge"}).json()["count"] == 0
    assert client.get(url, {"status": "open_for_questions"}).json()["count"] == 1
    assert client.get(url, {"status": "closed"}).json()["count"] == 0
    assert client.get(url, {"buyer": "riverside-borough-council"}).json()["count"] == 1
    assert client.get(url, {"buyer": "hillside-health-trust"}).json()["count"] == 0
    assert client.get(url, {"value": "100k-1m"}).json()["count"] == 1
    assert client.get(url, {"value": "under-25k"}).json()["count"] == 0
    assert client.get(url, {"q": "evening libraries"}).json()["count"] == 1
    assert client.get(url, {"q": "bridges"}).json()["count"] == 0
    assert client.get(url, {"closing_soon": "true"}).json()["count"] == 0
    clock.shift(8 * DAY)
    assert client.get(url, {"closing_soon": "true"}).json()["count"] == 1
    assert client.get(url, {"status": "open_for_submissions"}).json()["count"] == 1
    for name, value in [("kind", "tenders"), ("status", "open"), ("value", "cheap")]:
        response = client.get(url, {name: value})
        assert response.status_code == 422 and fields(response) == [f"query.{name}"]
    response = client.get(url, {"closing_soon": "perhaps"})
    assert response.status_code == 422 and fields(response) == ["query.closing_soon"]


def test_the_query_choices_are_the_selectors(client):
    # The filters' validation lists the same values as the selectors and the lifecycle.
    assert ProcessQuery(kind="staged", status="in_evaluation", value="over-1m").kind == "staged"
    for band in selectors.VALUE_BANDS:
        ProcessQuery(value=band[0])
    for status in Status.values:
        ProcessQuery(status=status)


def test_drafts_are_hidden_from_all_but_their_buyer(call, personas, draft_tender):
    pk = draft_tender.pk
    for who in [None, "resident", "supplier", "other_buyer", "admin"]:
        assert call("get", f"{API}/processes", who=who).json()["count"] == 0, who
        for path in ["", "/questions", "/timeline", "/submissions"]:
            assert call("get", f"{API}/processes/{pk}{path}", who=who).status_code == 404, who
    for who in ["buyer", "org_admin"]:
        listing = call("get", f"{API}/processes", who=who).json()
        assert [p["status"] for p in listing["items"]] == ["draft"], who
        assert call("get", f"{API}/processes/{pk}", who=who).json()["status"] == "draft"


def test_missing_things_are_404(client, tender):
    assert client.get(f"{API}/processes/999999").status_code == 404
    assert client.get(f"{API}/processes/99999999999999999999999").status_code == 404
    assert client.get(f"{API}/processes/receipts/{'0' * 64}").status_code == 404
    assert client.get(f"{API}/processes/receipts/not-a-receipt").status_code == 404
    assert client.get(f"{API}/processes/{tender.pk}/timeline?offset=-1").status_code == 422


# --- buyers -----------------------------------------------------------------------------------


def test_a_buyer_drafts_plans_and_publishes_through_the_api(call, personas, frozen_spec, clock):
    body = {"specification": frozen_spec.pk, "kind": "tender", "value_amount": 90000}
    for who in OTHERS:
        assert call("post", f"{API}/processes", body, who).status_code == 403, who
    assert call("post", f"{API}/processes", body).status_code == 401
    response = call("post", f"{API}/processes", body, "buyer")
    assert response.status_code == 201, response.content
    made = response.json()
    assert made["status"] == "draft" and made["title"] == frozen_spec.title
    assert made["value_amount"] == "90000.00" and made["specification"]["version"] is None
    pk = made["id"]

    criteria = {
        "criteria": [
            {"kind": "quality", "name": "Approach", "weight": 70, "description": "How."},
            {"kind": "price", "name": "Price", "weight": 30},
        ]
    }
    now = openbuy_clock.now()
    phase = {
        "title": "Competition",
        "enquiry_end": (now + timedelta(days=5)).isoformat(),
        "deadline": (now + timedelta(days=20)).isoformat(),
        "budget_amount": "90000",
        "evaluation_date": "2027-01-05",
    }
    calls = [
        ("put", f"{API}/processes/{pk}/criteria", criteria),
        ("put", f"{API}/processes/{pk}/phases/1", phase),
        ("post", f"{API}/processes/{pk}/publish", None),
    ]
    for method, url, body in calls:
        for who in ["resident", "supplier"]:
            # Nobody else sees the draft at all.
            assert call(method, url, body, who).status_code == 404, (url, who)
        response = call(method, url, body, "buyer")
        assert response.status_code == 200, response.content
    detail = response.json()
    assert detail["status"] == "open_for_questions" and detail["published_at"]
    assert [(c["name"], c["weight"]) for c in detail["criteria"]] == [
        ("Approach", 70),
        ("Price", 30),
    ]
    assert detail["phases"][0]["budget_amount"] == "90000.00"
    assert detail["phases"][0]["evaluation_date"] == "2027-01-05"
    assert detail["specification"]["version"] == frozen_spec.version_count
    # Once published, the criteria change only as an amendment with a note.
    swapped = {"criteria": [{**c, "weight": 100 - c["weight"]} for c in criteria["criteria"]]}
    response = call("put", f"{API}/processes/{pk}/criteria", swapped, "buyer")
    assert response.status_code == 422 and fields(response) == ["note"]
    response = call("put", f"{API}/processes/{pk}/phases/1", phase, "buyer")
    assert response.status_code == 422 and "extension" in response.json()["errors"][0]["message"]


def test_buyer_endpoints_refuse_everyone_but_the_buyer(call, personas, tender):
    pk = tender.pk
    question = services.question_ask(actor=personas["supplier"], process=tender, text="When?")
    later = (tender.current_phase.deadline + timedelta(days=7)).isoformat()
    endpoints = [
        ("put", f"{API}/processes/{pk}/criteria", {"criteria": [], "note": "n"}),
        ("put", f"{API}/processes/{pk}/phases/1", {"title": "Competition"}),
        ("post", f"{API}/processes/{pk}/publish", {}),
        ("get", f"{API}/processes/{pk}/questions/waiting", None),
        ("post", f"{API}/processes/{pk}/questions/{question.pk}/answer", {"answer": "Soon."}),
        ("post", f"{API}/processes/{pk}/extend", {"deadline": later, "reason": "Holidays."}),
        ("post", f"{API}/processes/{pk}/open", None),
        (
            "post",
            f"{API}/processes/{pk}/invite",
            {"organisations": ["patel-mobility-co-operative"]},
        ),
        ("post", f"{API}/processes/{pk}/next-phase", None),
        ("post", f"{API}/processes/{pk}/unsuccessful", {"reason": "No money.", **NO_LESSON}),
        ("post", f"{API}/processes/{pk}/cancel", {"reason": "No money.", **NO_LESSON}),
    ]
    for method, url, body in endpoints:
        assert call(method, url, body).status_code == 401, url
        for who in OTHERS:
            response = call(method, url, body, who)
            assert response.status_code == 403, (url, who, response.content)
            assert response.json()["detail"]
    # The buyer gets past the permission check on each (the state decides the rest) …
    for method, url, body in endpoints:
        assert call(method, url, body, "buyer").status_code in (200, 422), url
    # … and so the process was answered, extended and, last, cancelled.
    question.refresh_from_db()
    assert question.state == Question.State.ANSWERED
    detail = call("get", f"{API}/processes/{pk}").json()
    assert detail["status"] == "cancelled" and detail["decision_reason"] == "No money."
    assert detail["deadline"] == later.replace("+00:00", "Z")
    kinds = [e["kind"] for e in call("get", f"{API}/processes/{pk}/timeline").json()["items"]]
    assert kinds == ["created", "published", "answered", "deadline_extended", "cancelled"]


def test_bad_values_name_the_field(call, personas, tender):
    pk = tender.pk
    cases = [
        ("post", f"{API}/processes", {"kind": "tender"}, "specification"),
        ("post", f"{API}/processes", {"specification": 2**70, "kind": "tender"}, "specification"),
        ("post", f"{API}/processes", {"specification": 999999, "kind": "tender"}, "specification"),
        ("post", f"{API}/processes", {"specification": 1, "kind": "auction"}, "kind"),
        (
            "post",
            f"{API}/processes",
            {"specification": tender.specification_id, "kind": "tender", "value_amount": "lots"},
            "value_amount",
        ),
        (
            "post",
            f"{API}/processes",
            {"specification": tender.specification_id, "kind": "tender", "area": "nowhere"},
            "area",
        ),
        ("put", f"{API}/processes/{pk}/phases/1", {"title": "P", "deadline": "soon"}, "deadline"),
        (
            "put",
            f"{API}/processes/{pk}/phases/1",
            {"title": "P", "deadline": "2027-01-01T12:00"},
            "deadline",
        ),
        (
            "put",
            f"{API}/processes/{pk}/phases/1",
            {"title": "P", "evaluation_date": "2027-02-30"},
            "evaluation_date",
        ),
        (
            "put",
            f"{API}/processes/{pk}/phases/1",
            {"title": "P", "budget_amount": "x"},
            "budget_amount",
        ),
        (
            "put",
            f"{API}/processes/{pk}/phases/1",
            {
                "title": "P",
                "enquiry_end": "2027-01-10T12:00:00Z",
                "deadline": "2027-01-01T12:00:00Z",
            },
            "enquiry_end",
        ),
        ("put", f"{API}/processes/{pk}/phases/7", {"title": "P"}, "number"),
        (
            "put",
            f"{API}/processes/{pk}/phases/1",
            {"title": "P", "take_forward": 2**40},
            "take_forward",
        ),
        (
            "put",
            f"{API}/processes/{pk}/criteria",
            {"criteria": [{"kind": "quality", "name": "Q", "weight": 90}]},
            "criteria",
        ),
        (
            "put",
            f"{API}/processes/{pk}/criteria",
            {"criteria": [{"kind": "quality", "name": "Q", "weight": "heavy"}]},
            "criteria.0.weight",
        ),
        ("post", f"{API}/processes/{tender.pk}/cancel", {"reason": ""}, "reason"),
        (
            "post",
            f"{API}/processes/{tender.pk}/extend",
            {"deadline": "2026-12-01", "reason": "r"},
            "deadline",
        ),
        (
            "post",
            f"{API}/processes/{tender.pk}/invite",
            {"organisations": ["nobody"]},
            "organisations.0",
        ),
    ]
    for method, url, body, field in cases:
        response = call(method, url, body, "buyer")
        assert response.status_code == 422, (body, response.content)
        assert field in fields(response), (body, response.json())
    assert Process.objects.count() == 1
    # A number too large for any id in the path is simply not found.
    response = call("put", f"{API}/processes/{2**70}/phases/1", {"title": "P"}, "buyer")
    assert response.status_code == 404


# --- questions --------------------------------------------------------------------------------


def test_questions_never_show_who_asked(call, personas, tender):
    url = f"{API}/processes/{tender.pk}/questions"
    assert call("post", url, {"text": "Why?"}).status_code == 401
    assert call("post", url, {"text": "Why?"}, "resident").status_code == 403
    response = call("post", url, {"text": "Is parking included?"}, "supplier")
    assert response.status_code == 201, response.content
    asked = response.json()
    assert asked["state"] == "open" and asked["text"] == "Is parking included?"
    response = call("post", url, {"text": ""}, "supplier")
    assert response.status_code == 422 and fields(response) == ["question"]

    waiting = call("get", f"{url}/waiting", who="buyer")
    assert waiting.status_code == 200
    assert waiting.json()["items"] == [
        {"id": asked["id"], "text": "Is parking included?", "asked_at": asked["asked_at"]}
    ]
    supplier = personas["supplier"]
    for text in [supplier.name, supplier.email, "asker", "patel"]:
        assert text.lower() not in waiting.content.decode().lower()
    assert call("get", f"{url}/waiting").status_code == 401
    for who in OTHERS:
        assert call("get", f"{url}/waiting", who=who).status_code == 403, who
    # Not published until answered.
    assert call("get", url).json()["items"] == []
    response = call("post", f"{url}/{asked['id']}/answer", {"answer": "No."}, "buyer")
    assert response.status_code == 200 and response.json()["number"] == 1
    public = call("get", url).json()["items"]
    assert [(q["text"], q["answer"]) for q in public] == [("Is parking included?", "No.")]
    assert set(public[0]) == {"id", "number", "text", "answer", "asked_at", "answered_at"}
    assert call("get", f"{url}/waiting", who="buyer").json()["items"] == []
    response = call("post", f"{url}/{asked['id']}/answer", {"answer": "Again."}, "buyer")
    assert response.status_code == 422
    assert call("post", f"{url}/999999/answer", {"answer": "?"}, "buyer").status_code == 404


def test_questions_close_with_the_enquiry_period(call, tender, clock):
    clock.shift(7 * DAY + 1)
    response = call("post", f"{API}/processes/{tender.pk}/questions", {"text": "Late?"}, "supplier")
    assert response.status_code == 422 and fields(response) == ["question"]


def test_an_unanswered_question_keeps_the_process_open(call, personas, tender, clock):
    services.question_ask(actor=personas["supplier"], process=tender, text="Any parking?")
    clock.shift(21 * DAY)
    # The list settles the rule before it works out statuses: the deadline moved on, publicly.
    item = call("get", f"{API}/processes").json()["items"][0]
    assert item["status"] == "open_for_submissions"
    assert item["deadline"].startswith("2026-12-19T12:00:00")
    event = call("get", f"{API}/processes/{tender.pk}/timeline").json()["items"][-1]
    assert event["kind"] == "deadline_extended" and event["actor"] is None
    assert "unanswered" in event["note"]


# --- suppliers --------------------------------------------------------------------------------


def test_a_supplier_submits_revises_and_withdraws(call, personas, tender):
    url = f"{API}/processes/{tender.pk}/submission"
    body = {"answers": answers_for(tender), "price": "1000", "submit": True}
    assert call("put", url, body).status_code == 401
    for who in ["resident", "buyer", "other_buyer", "admin"]:
        assert call("put", url, body, who).status_code == 403, who
    assert (
        call(
            "put", url, {**body, "organisation": "patel-mobility-co-operative"}, "resident"
        ).status_code
        == 403
    )

    draft = call("put", url, {**body, "submit": False}, "supplier")
    assert draft.status_code == 200, draft.content
    assert draft.json()["state"] == "draft" and draft.json()["receipt"] == ""

    response = call("put", url, body, "supplier")
    assert response.status_code == 200, response.content
    first = response.json()
    assert first["state"] == "submitted" and len(first["receipt"]) == 64
    assert first["process"] == tender.pk and first["phase"] == 1 and first["lot"] is None
    assert first["organisation"]["slug"] == "patel-mobility-co-operative"
    assert first["content"]["answers"] == answers_for(tender)
    assert first["content"]["price"] == "1000.00"
    from openbuy.processes import sealing

    assert sealing.receipt(first["content"]) == first["receipt"]

    # A submitted one changes only by resubmitting.
    response = call("put", url, {**body, "submit": False}, "supplier")
    assert response.status_code == 422 and "revision" in response.json()["errors"][0]["message"]
    revised = call("put", url, {**body, "answers": answers_for(tender, "Better")}, "supplier")
    assert revised.status_code == 200
    assert revised.json()["receipt"] not in ("", first["receipt"])
    assert revised.json()["id"] == first["id"]

    mine = call("get", f"{API}/processes/submissions/mine", who="supplier").json()
    assert [s["receipt"] for s in mine["items"]] == [revised.json()["receipt"]]
    assert mine["items"][0]["content"]["answers"] == answers_for(tender, "Better")
    for who in ["resident", "buyer"]:
        assert call("get", f"{API}/processes/submissions/mine", who=who).json()["items"] == []

    withdraw = f"{url}/withdraw"
    assert call("post", withdraw, {}, "resident").status_code == 403
    response = call("post", withdraw, {"organisation": "patel-mobility-co-operative"}, "buyer")
    assert response.status_code == 422  # the buyer has no submission of this supplier's to see
    response = call("post", withdraw, None, "supplier")  # no body: the only supplier, no lot
    assert response.status_code == 200 and response.json()["state"] == "withdrawn"
    response = call("post", withdraw, {}, "supplier")
    assert response.status_code == 422
    assert Submission.objects.get().state == Submission.State.WITHDRAWN


def test_bad_submissions_name_the_field(call, tender):
    url = f"{API}/processes/{tender.pk}/submission"
    answers = answers_for(tender)
    cases = [
        ({"answers": answers, "price": "a lot", "submit": True}, "price"),
        ({"answers": answers, "price": "-5", "submit": True}, "price"),
        ({"answers": answers, "price": [1], "submit": True}, "price"),
        ({"answers": answers, "submit": True}, "price"),
        ({"answers": {}, "price": "1000", "submit": True}, "answers.1"),
        ({"answers": {"1": 5}, "price": "1000"}, "answers.1"),
        ({"answers": answers, "price": "1000", "lot": 3}, "lot"),
        ({"answers": answers, "price": "1000", "lot": 2**40}, "lot"),
        ({"answers": answers, "price": "1000", "organisation": "nobody"}, "organisation"),
        ({"answers": answers, "price": "1000", "submit": "maybe"}, "submit"),
    ]
    for body, field in cases:
        response = call("put", url, body, "supplier")
        assert response.status_code == 422, (body, response.content)
        assert field in fields(response), (body, response.json())
    assert not Submission.objects.exists()
    # A price may also come as a number.
    response = call("put", url, {"answers": answers, "price": 1234.5, "submit": True}, "supplier")
    assert response.json()["content"]["price"] == "1234.50"


def test_a_late_submission_is_refused(call, tender, clock):
    clock.shift(21 * DAY - 1)
    body = {"answers": answers_for(tender), "price": "1000", "submit": True}
    url = f"{API}/processes/{tender.pk}/submission"
    assert call("put", url, body, "supplier").status_code == 200
    clock.shift(1)
    response = call("put", url, body, "supplier")
    assert response.status_code == 422
    message = response.json()["errors"][0]["message"]
    assert message.startswith("The deadline passed at 12:00 on 16 December 2026")
    assert "can no longer be made or changed" in message
    response = call("post", f"{url}/withdraw", {}, "supplier")
    assert (
        response.status_code == 422 and "deadline passed" in response.json()["errors"][0]["message"]
    )


def test_submissions_stay_sealed_until_opened(call, personas, tender, submit, rival, clock):
    mine = submit(tender, "supplier")
    theirs = submit(tender, "rival", text="Theirs", price="900")
    url = f"{API}/processes/{tender.pk}/submissions"
    for who in [None, "buyer", "org_admin", "admin", "supplier", "rival"]:
        response = call("get", url, who=who)
        assert response.json() == {"items": [], "count": 0}, who
        assert call("get", f"{API}/processes/receipts/{mine.receipt}", who=who).status_code == 404
    clock.shift(21 * DAY)
    # Closed, not yet opened: still nothing.
    assert call("get", url, who="buyer").json() == {"items": [], "count": 0}
    assert call("get", f"{API}/processes/{tender.pk}").json()["status"] == "closed"
    response = call("post", f"{API}/processes/{tender.pk}/open", who="buyer")
    assert response.status_code == 200 and response.json()["status"] == "in_evaluation"
    assert response.json()["phases"][0]["opened_at"]

    opened = call("get", url).json()
    assert opened["count"] == 2
    rows = {r["organisation"]: r for r in opened["items"]}
    assert rows[personas["coop"].name]["receipt"] == mine.receipt
    assert rows[personas["bigco"].name]["receipt"] == theirs.receipt
    assert all(r["verified"] is True and r["phase"] == 1 for r in opened["items"])
    assert set(opened["items"][0]) == {
        "phase",
        "organisation",
        "lot",
        "receipt",
        "submitted_at",
        "verified",
    }

    check = call("get", f"{API}/processes/receipts/{mine.receipt.upper()}")
    assert check.status_code == 200
    assert check.json() | {"issued_at": None} == {
        "sha256": mine.receipt,
        "issued_at": None,
        "withdrawn": False,
        "final": True,
        "matches": True,
        "process": tender.pk,
        "process_title": tender.title,
        "phase": 1,
        "organisation": personas["coop"].name,
        "lot": None,
    }


def test_a_superseded_receipt_is_not_final(call, tender, submit, clock, personas):
    first = submit(tender, "supplier").receipt
    second = submit(tender, "supplier", text="Revised").receipt
    clock.shift(21 * DAY)
    services.phase_open(actor=personas["buyer"], process=tender)
    old = call("get", f"{API}/processes/receipts/{first}").json()
    new = call("get", f"{API}/processes/receipts/{second}").json()
    assert (old["final"], old["matches"]) == (False, None)
    assert (new["final"], new["matches"]) == (True, True)


def test_invitations_through_the_api(call, personas, frozen_spec, clock, submit, rival):
    process = services.process_create(
        actor=personas["buyer"],
        specification=frozen_spec,
        kind="staged",
    )
    plan(process, personas["buyer"])
    services.process_publish(actor=personas["buyer"], process=process)
    process.refresh_from_db()
    submit(process, "supplier")
    submit(process, "rival")
    clock.shift(21 * DAY)
    services.phase_open(actor=personas["buyer"], process=process)
    invite = f"{API}/processes/{process.pk}/invite"
    # Only the buyer's officers invite; anyone else is refused before any name is looked up.
    for who in ("supplier", "other_buyer", "evaluator"):
        for names in (["patel-mobility-co-operative"], ["no-such-organisation"]):
            refused = call("post", invite, {"organisations": names}, who)
            assert refused.status_code == 403, (who, names, refused.content)
    assert not Invitation.objects.exists()
    unknown = call("post", invite, {"organisations": ["no-such-organisation"]}, "buyer")
    assert unknown.status_code == 422
    assert "organisations.0" in unknown.content.decode()
    response = call("post", invite, {"organisations": ["patel-mobility-co-operative"]}, "buyer")
    assert response.status_code == 200, response.content
    made = response.json()
    assert [(i["organisation"]["slug"], i["phase"], i["state"]) for i in made] == [
        ("patel-mobility-co-operative", 2, "pending")
    ]
    assert call("get", f"{API}/processes/invitations/mine", who="rival").json()["items"] == []
    mine = call("get", f"{API}/processes/invitations/mine", who="supplier").json()["items"]
    assert [i["id"] for i in mine] == [made[0]["id"]]
    accept = f"{API}/processes/invitations/{made[0]['id']}/accept"
    assert call("post", accept, who="rival").status_code == 403
    assert (
        call("post", f"{API}/processes/invitations/999999/accept", who="supplier").status_code
        == 404
    )
    response = call("post", accept, who="supplier")
    assert response.status_code == 200 and response.json()["state"] == "accepted"
    decline = f"{API}/processes/invitations/{made[0]['id']}/decline"
    assert call("post", decline, who="supplier").status_code == 422

    response = call("post", f"{API}/processes/{process.pk}/next-phase", who="buyer")
    assert response.status_code == 200, response.content
    assert response.json()["current_phase"] == 2
    assert response.json()["status"] == "open_for_questions"
    # Phase 2 takes only the supplier invited forward.
    body = {"answers": answers_for(process), "price": "5000", "submit": True}
    url = f"{API}/processes/{process.pk}/submission"
    assert call("put", url, body, "rival").status_code == 403
    response = call("put", url, body, "supplier")
    assert response.status_code == 200 and response.json()["phase"] == 2


# --- performance ------------------------------------------------------------------------------


def test_the_list_takes_constant_queries(client, personas, tender, django_assert_num_queries):
    url = f"{API}/processes"
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).json()["count"] == 1
    for i in range(4):
        published(personas, f"Tender {i}")
    with django_assert_num_queries(len(one)):
        assert client.get(url).json()["count"] == 5


def test_no_schema_shadows_another_apps():
    # The OpenAPI document names schemas by class name alone: a processes schema named like
    # another app's would silently replace it there.
    from ninja import Schema

    import openbuy.api  # noqa: F401 - every router's schemas imported

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    by_name: dict[str, set] = {}
    for cls in subclasses(Schema):
        if cls.__module__.startswith("openbuy."):
            shape = json.dumps(cls.model_json_schema(), sort_keys=True)
            by_name.setdefault(cls.__name__, set()).add(shape)
    assert [name for name, shapes in by_name.items() if len(shapes) > 1] == []
