"""The evaluation API: the same rules as the pages — the buyer runs the panel, evaluators
declare, read blinded and score, and no score leaves the panel before the award (or the
phase's stage gate) is published. JSON errors with field paths."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openbuy.evaluation import selectors, services
from openbuy.evaluation.models import Award, Declaration, GateDecision, Moderation, Score
from openbuy.evaluation.tests.conftest import SAM_ANSWER, add_supplier
from openbuy.evaluation.tests.test_gates import staged  # noqa: F401 - fixture
from openbuy.lessons.models import Capture, Lesson
from openbuy.processes import services as process_services
from openbuy.processes.models import Process
from openbuy.processes.tests.conftest import plan
from openbuy.specifications import services as spec_services

pytestmark = pytest.mark.django_db
API = "/api/v1"
JSON = "application/json"
PANEL = ["frontline", "evaluator"]
# Everyone outside the panel, the bidders included.
OUTSIDERS = ["resident", "supplier", "rival", "other_buyer", "admin", "moderator"]
MARK = "JUSTIFIED"  # in every justification, to look for in responses


# ``call`` and ``token``: the root conftest.


LESSON = {
    "title": "Ask for step-free access in the first phase",
    "tried": "A design competition without an access requirement.",
    "happened": "One design needed stairs and was stopped after phase 1.",
    "why": "The brief did not say the building must be step-free.",
    "do_differently": "Put step-free access in the phase's kill criteria and the brief.",
}


def fields(response) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


def score_all(personas, submission, criteria, value, who=PANEL):
    for person in who:
        for criterion in criteria:
            services.score_set(
                actor=personas[person],
                submission=submission,
                criterion=criterion,
                score=value,
                justification=f"{MARK} {person} gives {value}",
            )


@pytest.fixture
def scored(personas, declared, sam_sub, rhys_sub, quality, social):
    """Sam's co-op scores 8 on quality and social value (80 in all), Northgate 6 (72)."""
    score_all(personas, sam_sub, [quality, social], "8")
    score_all(personas, rhys_sub, [quality, social], "6")
    return sam_sub, rhys_sub


def url(process, path=""):
    return f"{API}/processes/{process.pk}{path}"


# --- permissions --------------------------------------------------------------------------------


def test_buyer_paths_are_the_buyers(call, personas, opened, scored, quality):
    sam_sub, _rhys_sub = scored
    e = url(opened, "/evaluation")
    writes = [
        ("post", f"{e}/evaluators", {"email": "nia@example.org", "kind": "staff"}),
        ("post", f"{e}/criteria/{quality.number}/unblind", {"reason": "Local knowledge."}),
        (
            "post",
            f"{e}/moderations",
            {"submission": sam_sub.public_id, "criterion": 1, "score": 7, "reason": "Agreed."},
        ),
        (
            "post",
            f"{e}/gate",
            {"decisions": [{"submission": sam_sub.public_id, "decision": "stop", "reason": "x"}]},
        ),
        ("post", f"{e}/award", {"submission": sam_sub.public_id, "rationale": "Best."}),
    ]
    reads = [f"{e}/panel", f"{e}/results"]
    for method, path, body in writes:
        assert call(method, path, body).status_code == 401, path
        for who in OUTSIDERS + PANEL:
            response = call(method, path, body, who)
            assert response.status_code == 403, (path, who, response.content)
            assert response.json()["detail"]
    for path in reads:
        for who in [None, *OUTSIDERS]:
            response = call("get", path, who=who)
            assert response.status_code == 403, (path, who)
            assert MARK not in response.content.decode()
        for who in [*PANEL, "buyer", "org_admin"]:
            assert call("get", path, who=who).status_code == 200, (path, who)
    # The buyer gets past the permission check on each (the state decides the rest).
    for method, path, body in writes:
        response = call(method, path, body, "buyer")
        assert response.status_code in (200, 201, 422), (path, response.content)
    assert Award.objects.filter(process=opened).count() == 1


def test_evaluator_paths_are_the_evaluators(call, personas, opened, evaluators, sam_sub):
    e = url(opened, "/evaluation")
    ref = sam_sub.public_id
    endpoints = [
        ("get", f"{e}/assignments", None),
        ("get", f"{e}/declarations", None),
        (
            "post",
            f"{e}/declarations",
            {"organisation": sam_sub.organisation.slug, "has_conflict": False},
        ),
        ("get", f"{e}/submissions/{ref}/answers", None),
        (
            "put",
            f"{e}/scores",
            {"submission": ref, "criterion": 1, "score": 7, "justification": "Clear."},
        ),
    ]
    for method, path, body in endpoints:
        assert call(method, path, body).status_code == 401, path
        for who in [*OUTSIDERS, "buyer", "org_admin"]:
            response = call(method, path, body, who)
            assert response.status_code == 403, (path, who, response.content)
        # An unknown submission is no different to someone off the panel.
        assert call(method, path.replace(ref, "0" * 32), body, "resident").status_code == 403
    for method, path, body in endpoints:
        response = call(method, path, body, "evaluator")
        assert response.status_code in (200, 201), (path, response.content)
    assert Score.objects.get().evaluator.user == personas["evaluator"]


def test_drafts_and_missing_processes_are_404(call, personas, draft_tender):
    for path in ["/award", "/gates/1", "/debriefs/abc", "/evaluation/results", "/evaluation/panel"]:
        for who in [None, "resident", "supplier"]:
            assert call("get", url(draft_tender, path), who=who).status_code == 404, path
    assert call("get", f"{API}/processes/999999/evaluation/results").status_code == 404
    assert call("get", f"{API}/processes/{2**70}/award").status_code == 404


# --- evaluators ---------------------------------------------------------------------------------


def test_an_evaluator_declares_then_reads_blinded_and_scores(
    call, personas, opened, evaluators, sam_sub, rhys_sub, quality
):
    e = url(opened, "/evaluation")
    coop, bigco = sam_sub.organisation.slug, rhys_sub.organisation.slug
    # First the suppliers, by name, to declare on; no response until every one is declared.
    listing = call("get", f"{e}/declarations", who="evaluator").json()
    assert [r["organisation"]["name"] for r in listing["items"]] == [
        "Northgate Systems plc",
        "Patel Mobility Co-operative",
    ]
    assert all(r["declared"] == "not_yet" for r in listing["items"])
    assert "installs the doors" in SAM_ANSWER and "installs the doors" not in str(listing)
    assert call("get", f"{e}/assignments", who="evaluator").json()["count"] == 0
    answers = f"{e}/submissions/{sam_sub.public_id}/answers"
    response = call("get", answers, who="evaluator")
    assert response.status_code == 403 and "Declare" in response.json()["detail"]

    body = {"organisation": coop, "has_conflict": True}
    response = call("post", f"{e}/declarations", body, "evaluator")
    assert response.status_code == 422 and fields(response) == ["details"]
    response = call("post", f"{e}/declarations", {**body, "organisation": "nope"}, "evaluator")
    assert response.status_code == 422 and fields(response) == ["organisation"]
    response = call("post", f"{e}/declarations", {**body, "has_conflict": False}, "evaluator")
    assert response.status_code == 201, response.content
    assert response.json()["declared"] == "no_conflict"
    # Declarations are never changed.
    response = call("post", f"{e}/declarations", body | {"details": "Friend."}, "evaluator")
    assert response.status_code == 422
    # One supplier is still to declare on: still no responses, so their order tells nothing.
    assert call("get", f"{e}/assignments", who="evaluator").json()["count"] == 0

    # A declared conflict takes the evaluator off the supplier's responses, on the record.
    conflict = {"organisation": bigco, "has_conflict": True, "details": "Ex-employer."}
    response = call("post", f"{e}/declarations", conflict, "evaluator")
    assert response.status_code == 201 and response.json()["declared"] == "conflict"
    assert response.json()["details"] == "Ex-employer."
    listing = call("get", f"{e}/assignments", who="evaluator").json()
    assert listing["items"] == [
        {
            "submission": sam_sub.public_id,
            "label": selectors.labels(sam_sub.phase)[sam_sub.pk],
            "lot": None,
            "scored": 0,
            "criteria": 2,
        }
    ]

    read = call("get", answers, who="evaluator")
    assert read.status_code == 200, read.content
    got = read.json()
    assert got["submission"] == sam_sub.public_id and got["phase"] == 1
    assert got["label"] == listing["items"][0]["label"]
    first = got["answers"][0]
    assert [a["kind"] for a in got["answers"]] == ["quality", "social_value"]
    text = read.content.decode()
    for identifying in ["Patel Mobility", "Sam Patel", "patel-mobility"]:
        assert identifying not in text
    assert first["blinded"] and "<mark" in first["html"] and first["echo_share"] > 0
    assert first["echo_summary"] and first["score"] is None

    score = {
        "submission": sam_sub.public_id,
        "criterion": quality.number,
        "score": "7.5",
        "justification": "A clear plan.",
    }
    response = call("put", f"{e}/scores", score, "evaluator")
    assert response.status_code == 200, response.content
    assert response.json()["score"] == "7.50" and response.json()["criterion"] == quality.number
    response = call("put", f"{e}/scores", score | {"score": 8}, "evaluator")
    assert response.status_code == 200 and response.json()["score"] == "8.00"
    assert Score.objects.get().score == 8
    mine = call("get", answers, who="evaluator").json()["answers"][0]
    assert (mine["score"], mine["justification"]) == ("8.00", "A clear plan.")
    assert call("get", f"{e}/assignments", who="evaluator").json()["items"][0]["scored"] == 1
    # Another evaluator, undeclared, neither reads nor scores it.
    assert call("get", answers, who="frontline").status_code == 403
    assert call("put", f"{e}/scores", score, "frontline").status_code == 403
    # The conflicted supplier's response stays shut.
    theirs = f"{e}/submissions/{rhys_sub.public_id}/answers"
    assert call("get", theirs, who="evaluator").status_code == 403
    response = call("put", f"{e}/scores", score | {"submission": rhys_sub.public_id}, "evaluator")
    assert response.status_code == 403
    assert Declaration.objects.filter(has_conflict=True).count() == 1


def test_the_buyer_builds_the_panel_and_unblinds(call, personas, opened, quality, price):
    e = url(opened, "/evaluation")
    body = {"email": "FEMI@example.org", "kind": "staff"}
    response = call("post", f"{e}/evaluators", body, "buyer")
    assert response.status_code == 201, response.content
    assert response.json()["name"] == personas["frontline"].name
    assert response.json()["kind"] == "staff"
    response = call("post", f"{e}/evaluators", body, "buyer")
    assert response.status_code == 422 and fields(response) == ["email"]  # already on it
    response = call(
        "post", f"{e}/evaluators", {"email": "eve@example.org", "kind": "staff"}, "buyer"
    )
    assert response.status_code == 422 and fields(response) == ["email"]  # not staff
    response = call(
        "post", f"{e}/evaluators", {"email": "sam@example.org", "kind": "expert"}, "buyer"
    )
    assert response.status_code == 422 and fields(response) == ["email"]  # a supplier
    panel = call("get", f"{e}/panel", who="buyer").json()
    assert [m["name"] for m in panel["items"]] == [personas["frontline"].name]
    assert "email" not in panel["items"][0]

    unblind = f"{e}/criteria/{quality.number}/unblind"
    response = call("post", unblind, {"reason": ""}, "buyer")
    assert response.status_code == 422 and fields(response) == ["reason"]
    response = call("post", unblind, {"reason": "Local knowledge matters."}, "buyer")
    assert response.status_code == 200, response.content
    assert response.json()["blinded"] is False and response.json()["criterion"] == quality.number
    assert call("post", unblind, {"reason": "Again."}, "buyer").status_code == 422
    response = call("post", f"{e}/criteria/{price.number}/unblind", {"reason": "x"}, "buyer")
    assert response.status_code == 422 and fields(response) == ["criterion"]
    assert call("post", f"{e}/criteria/99/unblind", {"reason": "x"}, "buyer").status_code == 404


# --- the panel's privacy ------------------------------------------------------------------------


def test_scores_stay_with_the_panel_until_the_award(call, personas, opened, scored):
    sam_sub, rhys_sub = scored
    public = [
        url(opened, "/evaluation/results"),
        url(opened, "/evaluation/panel"),
        url(opened, "/award"),
        url(opened, f"/debriefs/{sam_sub.public_id}"),
        url(opened, f"/debriefs/{rhys_sub.public_id}"),
        url(opened, ""),
        url(opened, "/timeline"),
        url(opened, "/submissions"),
        f"{API}/activity",
    ]
    for who in [None, *OUTSIDERS]:
        for path in public:
            response = call("get", path, who=who)
            assert response.status_code in (200, 403, 404), (path, who)
            body = response.content.decode()
            assert MARK not in body and '"agreed"' not in body, (path, who)
            assert '"total"' not in body and '"place"' not in body, (path, who)
    # The panel and the buyer see it all.
    for who in [*PANEL, "buyer"]:
        rows = call("get", url(opened, "/evaluation/results"), who=who).json()["items"]
        assert {r["organisation"]["name"]: r["total"] for r in rows} == {
            "Patel Mobility Co-operative": "80.00",
            "Northgate Systems plc": "72.00",
        }

    response = call(
        "post",
        url(opened, "/evaluation/award"),
        {"submission": sam_sub.public_id, "rationale": "Best quality."},
        "buyer",
    )
    assert response.status_code == 201, response.content
    made = response.json()
    assert made["winner"]["name"] == "Patel Mobility Co-operative"
    assert made["value_amount"] == "1000.00" and made["total"] == "80.00"

    # Now everything is public, to anyone.
    for who in [None, "resident", "rival"]:
        notice = call("get", url(opened, "/award"), who=who).json()
        award = notice["awards"][0]
        assert award["winner"]["name"] == "Patel Mobility Co-operative"
        assert award["size"] == personas["coop"].size
        assert award["social_enterprise"] == personas["coop"].is_social_enterprise
        assert (award["value_amount"], award["currency"]) == ("1000.00", "GBP")
        assert award["rationale"] == "Best quality." and award["below_top_reason"] == ""
        assert award["standstill_ends"] and award["lot"] is None
        assert {b["submission"] for b in notice["bidders"]} == {
            sam_sub.public_id,
            rhys_sub.public_id,
        }
        rows = call("get", url(opened, "/evaluation/results"), who=who).json()["items"]
        assert [(r["organisation"]["name"], r["place"]) for r in rows] == [
            ("Northgate Systems plc", 2),
            ("Patel Mobility Co-operative", 1),
        ]
        quality = rows[0]["criteria"][0]
        assert quality["agreed"] == "6.00" and quality["spread"] == "0.00"
        assert {s["justification"] for s in quality["scores"]} == {
            f"{MARK} frontline gives 6",
            f"{MARK} evaluator gives 6",
        }
        assert rows[0]["price"] == "800.00" and rows[0]["price_score"] == "10.00"
        debrief = call("get", url(opened, f"/debriefs/{rhys_sub.public_id}"), who=who).json()
        assert debrief["mine"]["total"] == "72.00" and debrief["winner"]["total"] == "80.00"
        assert not debrief["won"] and debrief["awards"][0]["rationale"] == "Best quality."
        assert call("get", url(opened, "/evaluation/panel"), who=who).status_code == 200
    assert call("get", url(opened, "/debriefs/" + "0" * 32)).status_code == 404


# --- moderation and the award -------------------------------------------------------------------


def test_a_disagreement_is_moderated_through_the_api(
    call, personas, opened, declared, sam_sub, rhys_sub, quality, social
):
    score_all(personas, sam_sub, [social], "8")
    score_all(personas, sam_sub, [quality], "9", who=["frontline"])
    score_all(personas, sam_sub, [quality], "5", who=["evaluator"])
    results = url(opened, "/evaluation/results")
    row = next(
        r
        for r in call("get", results, who="buyer").json()["items"]
        if r["submission"] == sam_sub.public_id
    )
    q = row["criteria"][0]
    assert (q["spread"], q["disagrees"], q["agreed"], q["moderation"]) == ("4.00", True, None, None)
    assert row["total"] is None and row["missing"] == [quality.number]

    body = {
        "submission": sam_sub.public_id,
        "criterion": quality.number,
        "score": "7",
        "reason": "We agreed the plan is good but thin on staffing.",
    }
    # Only where they disagree.
    response = call(
        "post", url(opened, "/evaluation/moderations"), body | {"criterion": social.number}, "buyer"
    )
    assert response.status_code == 422
    response = call("post", url(opened, "/evaluation/moderations"), body, "buyer")
    assert response.status_code == 200, response.content
    assert response.json()["score"] == "7.00"
    row = next(
        r
        for r in call("get", results, who="buyer").json()["items"]
        if r["submission"] == sam_sub.public_id
    )
    q = row["criteria"][0]
    assert q["agreed"] == "7.00" and q["moderation"]["reason"].startswith("We agreed")
    # An evaluator scores independently: only their own score, no moderation, until public.
    row = next(
        r
        for r in call("get", results, who="evaluator").json()["items"]
        if r["submission"] == sam_sub.public_id
    )
    assert row["criteria"][0]["moderation"] is None
    assert len(row["criteria"][0]["scores"]) == 1
    assert Moderation.objects.count() == 1


def test_awarding_below_the_top_needs_a_published_reason(call, personas, opened, scored):
    _, rhys_sub = scored
    award = url(opened, "/evaluation/award")
    body = {"submission": rhys_sub.public_id, "rationale": "Cheaper."}
    response = call("post", award, body, "buyer")
    assert response.status_code == 422 and fields(response) == ["below_top_reason"]
    response = call("post", award, body | {"rationale": ""}, "buyer")
    assert response.status_code == 422 and fields(response) == ["rationale"]
    assert not Award.objects.exists()
    response = call("post", award, body | {"below_top_reason": "Starts in January."}, "buyer")
    assert response.status_code == 201, response.content
    assert response.json()["below_top_reason"] == "Starts in January."
    notice = call("get", url(opened, "/award")).json()
    assert notice["awards"][0]["below_top_reason"] == "Starts in January."
    response = call("post", award, body | {"below_top_reason": "Again."}, "buyer")
    assert response.status_code == 422


def test_bad_input_names_the_field(call, personas, opened, scored, quality, price):
    sam_sub, _ = scored
    e = url(opened, "/evaluation")
    ref = sam_sub.public_id
    score = {"submission": ref, "criterion": quality.number, "score": 7, "justification": "Why."}
    cases = [
        ("evaluator", "put", "/scores", score | {"score": "seven"}, "score"),
        ("evaluator", "put", "/scores", score | {"score": ""}, "score"),
        ("evaluator", "put", "/scores", score | {"score": "NaN"}, "score"),
        ("evaluator", "put", "/scores", score | {"score": 2**70}, "score"),
        ("evaluator", "put", "/scores", score | {"score": 1e308}, "score"),
        ("evaluator", "put", "/scores", score | {"score": "9" * 50}, "score"),
        ("evaluator", "put", "/scores", score | {"score": 11}, "score"),
        ("evaluator", "put", "/scores", score | {"score": -1}, "score"),
        ("evaluator", "put", "/scores", score | {"score": True}, "score"),
        ("evaluator", "put", "/scores", score | {"score": [7]}, "score"),
        ("evaluator", "put", "/scores", score | {"justification": ""}, "justification"),
        ("evaluator", "put", "/scores", score | {"justification": "x" * 6000}, "justification"),
        ("evaluator", "put", "/scores", score | {"submission": "0" * 32}, "submission"),
        ("evaluator", "put", "/scores", score | {"submission": "x" * 200}, "submission"),
        ("evaluator", "put", "/scores", score | {"criterion": 99}, "criterion"),
        ("evaluator", "put", "/scores", score | {"criterion": 2**70}, "criterion"),
        ("evaluator", "put", "/scores", score | {"criterion": "first"}, "criterion"),
        ("evaluator", "put", "/scores", score | {"criterion": price.number}, "criterion"),
        (
            "evaluator",
            "post",
            "/declarations",
            {"organisation": "no-such-supplier", "has_conflict": False},
            "organisation",
        ),
        (
            "evaluator",
            "post",
            "/declarations",
            {"organisation": "x" * 200, "has_conflict": False},
            "organisation",
        ),
        (
            "evaluator",
            "post",
            "/declarations",
            {"organisation": "northgate-systems-plc", "has_conflict": "perhaps"},
            "has_conflict",
        ),
        ("buyer", "post", "/moderations", {**score, "reason": "r", "score": "lots"}, "score"),
        (
            "buyer",
            "post",
            "/moderations",
            {**score, "reason": "r", "submission": "nope"},
            "submission",
        ),
        ("buyer", "post", "/evaluators", {"email": "nobody@example.org", "kind": "staff"}, "email"),
        ("buyer", "post", "/evaluators", {"email": "femi@example.org", "kind": "boss"}, "kind"),
        ("buyer", "post", "/award", {"submission": "0" * 32, "rationale": "r"}, "submission"),
        ("buyer", "post", "/award", {"submission": ref}, "rationale"),
        ("buyer", "post", "/gate", {"decisions": []}, "decisions"),
    ]
    for who, method, path, body, field in cases:
        response = call(method, f"{e}{path}", body, who)
        assert response.status_code == 422, (path, body, response.content)
        assert field in fields(response), (path, body, response.json())
    assert Score.objects.filter(justification="Why.").count() == 0
    for phase in ["9", str(2**70), "first", "0"]:
        response = call("get", f"{e}/results?phase={phase}", who="buyer")
        assert response.status_code == 422 and fields(response) == ["query.phase"], phase
    response = call("get", f"{e}/results?offset=-1", who="buyer")
    assert response.status_code == 422


# --- stage gates --------------------------------------------------------------------------------


def test_a_stage_gate_through_the_api(call, personas, staged):  # noqa: F811 - fixture
    subs = {s.organisation_id: s.public_id for s in staged.phase.submissions.all()}
    coop, bigco = subs[personas["coop"].pk], subs[personas["bigco"].pk]
    gate = url(staged, "/evaluation/gate")
    results = url(staged, "/evaluation/results?phase=1")
    assert call("get", url(staged, "/gates/1")).status_code == 404
    for who in [None, "supplier", "rival", "resident"]:
        response = call("get", results, who=who)
        assert response.status_code == 403 and "GATEMARK" not in response.content.decode()

    good = {"submission": coop, "decision": "continue", "reason": "Residents tested it."}
    stop = {"submission": bigco, "decision": "stop", "reason": "Kill criterion: stairs."}
    cases = [
        ({"decisions": [good]}, "decisions"),  # Northgate undecided
        ({"decisions": [good, stop | {"reason": ""}]}, "decisions.1.reason"),
        ({"decisions": [good, stop | {"decision": "pause"}]}, "decisions.1.decision"),
        ({"decisions": [good, stop | {"submission": "0" * 32}]}, "decisions.1.submission"),
        ({"decisions": [good, good]}, "decisions.1.submission"),
        # A stop needs what it teaches: a lesson, or why there is none.
        ({"decisions": [good, stop]}, "lesson"),
        ({"decisions": [good, stop], "no_lesson_reason": "  "}, "lesson"),
        ({"decisions": [good, stop], "lesson": LESSON | {"why": " "}}, "lesson.why"),
        ({"decisions": [good, stop], "lesson": {"title": "Stairs"}}, "lesson.tried"),
        ({"decisions": [good, stop | {"reason": ""}]}, "lesson"),  # with the others
    ]
    for body, field in cases:
        response = call("post", gate, body, "buyer")
        assert response.status_code == 422, (body, response.content)
        assert field in fields(response), (body, response.json())
    assert not GateDecision.objects.exists() and not Capture.objects.exists()

    response = call("post", gate, {"decisions": [good, stop], "lesson": LESSON}, "buyer")
    assert response.status_code == 201, response.content
    lesson = Lesson.objects.get(title=LESSON["title"])
    assert lesson.status == Lesson.Status.PUBLISHED and lesson.stage == "competition"
    assert lesson.about_url == f"/processes/{staged.pk}/gates/1/"
    assert lesson.about_label.startswith("Northgate Systems plc stopped after phase 1 of")
    assert (lesson.cost_amount, lesson.cost_currency) == (Decimal("12000.00"), "GBP")
    assert Capture.objects.get().kind == Capture.Kind.GATE_STOP
    made = response.json()
    assert made["phase"] == 1 and made["kill_criteria"].startswith("No design")
    outcome = call("get", url(staged, "/gates/1")).json()
    assert outcome == made
    by = {d["organisation"]["name"]: d for d in outcome["decisions"]}
    assert by["Northgate Systems plc"]["decision"] == "stop"
    assert by["Northgate Systems plc"]["price"] == "12000.00"
    assert by["Patel Mobility Co-operative"]["reason"] == "Residents tested it."
    # The phase's scores are public now; the award notice is not.
    for who in [None, "rival"]:
        response = call("get", results, who=who)
        assert response.status_code == 200 and "GATEMARK by frontline" in response.content.decode()
    assert call("get", url(staged, "/award")).status_code == 404
    assert call("post", gate, {"decisions": [good, stop]}, "buyer").status_code == 422


# --- performance --------------------------------------------------------------------------------


def test_results_take_constant_queries(call, personas, tender, submit, rival, clock):
    spec = spec_services.specification_create(
        actor=personas["buyer"], organisation=personas["council"], title="Evening pools"
    )
    spec_services.specification_freeze(actor=personas["buyer"], spec=spec)
    spec.refresh_from_db()
    other = process_services.process_create(
        actor=personas["buyer"], specification=spec, kind="tender"
    )
    plan(other, personas["buyer"])
    other = process_services.process_publish(actor=personas["buyer"], process=other)
    add_supplier(personas, "third", "Third Way Ltd", "Tia Third")
    submit(tender, "supplier")
    submit(tender, "rival", price="900")
    for who in ["supplier", "rival", "third"]:
        submit(other, who)
    tender.refresh_from_db()
    clock.move_to(tender.phase.deadline + timedelta(seconds=1))
    for made in (tender, other):
        process_services.phase_open(actor=personas["buyer"], process=made)
        process = Process.objects.get(pk=made.pk)
        services.evaluator_add(
            actor=personas["buyer"], process=process, user=personas["evaluator"], kind="expert"
        )
        for submission in process.phase.submissions.all():
            services.declare(actor=personas["evaluator"], submission=submission, has_conflict=False)
            score_all(
                personas, submission, process.criteria.exclude(kind="price"), "6", ["evaluator"]
            )
    call("get", url(tender, "/evaluation/results"), who="buyer")  # the token, first used
    with CaptureQueriesContext(connection) as two:
        assert call("get", url(tender, "/evaluation/results"), who="buyer").json()["count"] == 2
    with CaptureQueriesContext(connection) as three:
        assert call("get", url(other, "/evaluation/results"), who="buyer").json()["count"] == 3
    assert len(three) == len(two)


def test_scores_are_in_whole_or_half_points(call, personas, opened, declared, sam_sub, quality):
    body = {"submission": sam_sub.public_id, "criterion": quality.number, "justification": "Why."}
    response = call("put", url(opened, "/evaluation/scores"), body | {"score": "7.3"}, "evaluator")
    assert response.status_code == 422 and fields(response) == ["score"]
