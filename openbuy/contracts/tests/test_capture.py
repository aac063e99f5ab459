"""Capture where failure happens, in delivery: terminating a contract, and deciding a milestone
more than ``LESSONS_MILESTONE_MARGIN_DAYS`` after it was due, do not go ahead without what they
teach — a lesson, or the public reason there is none (:mod:`openbuy.lessons.capture`). The
services, the pages and the API alike."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from openbuy import clock as openbuy_clock
from openbuy.audit.models import AuditEvent
from openbuy.contracts import services
from openbuy.contracts.models import Contract, Milestone
from openbuy.contracts.tests.test_api import fields
from openbuy.lessons import capture
from openbuy.lessons.models import Capture, Lesson

pytestmark = pytest.mark.django_db

API = "/api/v1"
LESSON = {
    "title": "Check a small supplier's cover for key people",
    "tried": "A contract with a sole trader and no cover for absence.",
    "happened": "The owner fell ill and nothing was delivered for two months.",
    "why": "Nobody asked how the work would go on without the owner.",
    "do_differently": "Ask for a continuity plan in the tender, scored.",
}
NO_LESSON = "The owner of the supplier retired: nothing the buyer could have seen."
MISSING = {f"lesson.{name}" for name in capture.FIELDS} - {"lesson.title"}
REFUSED = ("supplier", "frontline", "evaluator", "other_buyer", "admin", "resident")


@pytest.fixture
def contract(personas, award, clock):
    clock.move_to(award.standstill_ends)
    return services.contract_sign(
        actor=personas["buyer"],
        award=award,
        starts_on=date(2027, 1, 4),
        ends_on=date(2027, 12, 31),
    )


def _today() -> date:
    return timezone.localdate(openbuy_clock.now())


def _at(day: date, hour: int = 12) -> datetime:
    """A moment of ``day`` in the service's time zone."""
    return timezone.make_aware(datetime.combine(day, time(hour)))


@pytest.fixture
def milestone(personas, contract):
    """Due today: deciding it is on time for the next 14 days (the default margin)."""
    return services.milestone_add(
        actor=personas["buyer"],
        contract=contract,
        title="Doors fitted",
        acceptance_criteria="Both doors open with a card.",
        due_on=_today(),
    )


def _state():
    return (
        list(Contract.objects.values_list("status", "termination_reason", "ended_at")),
        list(Milestone.objects.values_list("status", "note", "decided_at")),
        AuditEvent.objects.count(),
        Capture.objects.count(),
        Lesson.objects.count(),
    )


# --- termination --------------------------------------------------------------------------------


def test_termination_is_refused_without_a_lesson_or_a_reason_and_nothing_changes(
    personas, contract
):
    before = _state()
    for lesson, expected in [
        (None, {"lesson"}),
        (capture.no_lesson(""), {"lesson"}),
        (capture.lesson(title="Cover"), MISSING),
    ]:
        with pytest.raises(ValidationError) as refused:
            services.terminate(
                actor=personas["buyer"], contract=contract, reason="Never delivered.", lesson=lesson
            )
        assert set(refused.value.message_dict) == expected
        assert _state() == before


def test_termination_keeps_its_lesson_published_and_linked_to_the_contract(personas, contract):
    services.amend(actor=personas["buyer"], contract=contract, value_change="250", reason="Door.")
    services.terminate(
        actor=personas["buyer"],
        contract=contract,
        reason="Nothing delivered for two months.",
        lesson=capture.lesson(**LESSON),
    )
    contract.refresh_from_db()
    assert contract.status == Contract.Status.TERMINATED
    lesson = Lesson.objects.get()
    assert lesson.title == LESSON["title"] and lesson.status == Lesson.Status.PUBLISHED
    assert lesson.source == Lesson.Source.CAPTURED and lesson.stage == "delivery"
    assert lesson.organisation == personas["council"] and lesson.author == personas["buyer"]
    assert lesson.about == contract and lesson.about_url == f"/contracts/{contract.pk}/"
    assert lesson.about_label == (
        f"“{contract.title}” with Patel Mobility Co-operative terminated: "
        "Nothing delivered for two months."
    )
    # What was at stake: the contract's value now, amendments included.
    assert (lesson.cost_amount, lesson.cost_currency) == (Decimal("1250.00"), "GBP")
    made = Capture.objects.get()
    assert (made.kind, made.lesson, made.about) == (Capture.Kind.TERMINATED, lesson, contract)


def test_termination_may_say_publicly_why_there_is_no_lesson(client, personas, contract):
    services.terminate(
        actor=personas["buyer"],
        contract=contract,
        reason="The owner retired.",
        lesson=capture.no_lesson(NO_LESSON),
    )
    made = Capture.objects.get()
    assert made.kind == Capture.Kind.TERMINATED and made.lesson is None
    assert made.no_lesson_reason == NO_LESSON and not Lesson.objects.exists()
    assert f"No lesson: {NO_LESSON}" in client.get("/lessons/").content.decode()


def test_who_may_terminate_is_unchanged(personas, contract):
    before = _state()
    for who in REFUSED:
        for lesson in (capture.lesson(**LESSON), None):
            with pytest.raises(PermissionDenied):
                services.terminate(
                    actor=personas[who], contract=contract, reason="x", lesson=lesson
                )
    assert _state() == before


# --- milestones decided late --------------------------------------------------------------------


@pytest.mark.parametrize("accept", [True, False])
def test_a_milestone_decided_within_the_margin_needs_no_lesson(personas, milestone, clock, accept):
    clock.move_to(_at(milestone.due_on + timedelta(days=14), hour=23))  # the margin's last day
    assert not services.lesson_needed(milestone)
    services.milestone_decide(
        actor=personas["buyer"], milestone=milestone, accept=accept, note="Checked."
    )
    milestone.refresh_from_db()
    assert milestone.status == ("accepted" if accept else "rejected")
    assert not Capture.objects.exists()


@pytest.mark.parametrize("accept", [True, False])
def test_a_milestone_decided_a_day_past_the_margin_needs_a_lesson(
    personas, milestone, clock, accept
):
    clock.move_to(_at(milestone.due_on + timedelta(days=15), hour=0))  # just after midnight
    assert services.lesson_needed(milestone)
    before = _state()
    for lesson, expected in [
        (None, {"lesson"}),
        (capture.no_lesson(" "), {"lesson"}),
        (capture.lesson(title="Cover"), MISSING),
    ]:
        with pytest.raises(ValidationError) as refused:
            services.milestone_decide(
                actor=personas["buyer"],
                milestone=milestone,
                accept=accept,
                note="Checked.",
                lesson=lesson,
            )
        assert set(refused.value.message_dict) == expected
        assert _state() == before
    if not accept:  # the note's own problem is said with the lesson's
        with pytest.raises(ValidationError) as refused:
            services.milestone_decide(actor=personas["buyer"], milestone=milestone, accept=False)
        assert set(refused.value.message_dict) == {"note", "lesson"}
    services.milestone_decide(
        actor=personas["buyer"],
        milestone=milestone,
        accept=accept,
        note="Checked.",
        lesson=capture.lesson(**LESSON),
    )
    lesson = Lesson.objects.get()
    assert lesson.status == Lesson.Status.PUBLISHED and lesson.stage == "delivery"
    assert lesson.about == milestone
    assert lesson.about_url == f"/contracts/{milestone.contract_id}/#milestone-1"
    due = milestone.due_on
    verdict = "accepted" if accept else "not accepted"
    assert lesson.about_label == (
        f"Milestone 1 of “{milestone.contract.title}”, “Doors fitted”, due {due.day} "
        f"{due:%B %Y}, {verdict} 15 days late"
    )
    made = Capture.objects.get()
    assert (made.kind, made.lesson, made.about) == (
        Capture.Kind.MILESTONE_MISSED,
        lesson,
        milestone,
    )


def test_a_missed_milestone_needs_one_lesson_not_one_per_decision(personas, milestone, clock):
    clock.move_to(_at(milestone.due_on + timedelta(days=20)))
    services.milestone_decide(
        actor=personas["buyer"],
        milestone=milestone,
        accept=False,
        note="One door fails.",
        lesson=capture.no_lesson(NO_LESSON),
    )
    assert not services.lesson_needed(milestone)
    clock.shift(7 * 86400)
    services.milestone_decide(actor=personas["buyer"], milestone=milestone, accept=True)
    assert Capture.objects.get().no_lesson_reason == NO_LESSON


def test_the_margin_is_a_setting(personas, milestone, clock, settings):
    settings.LESSONS_MILESTONE_MARGIN_DAYS = 0
    assert not services.lesson_needed(milestone)  # due today
    clock.move_to(_at(milestone.due_on + timedelta(days=1)))
    assert services.lesson_needed(milestone)
    with pytest.raises(ValidationError):
        services.milestone_decide(actor=personas["buyer"], milestone=milestone, accept=True)


def test_who_may_decide_a_late_milestone_is_unchanged(personas, milestone, clock):
    clock.move_to(_at(milestone.due_on + timedelta(days=30)))
    before = _state()
    for who in REFUSED:
        with pytest.raises(PermissionDenied):
            services.milestone_decide(
                actor=personas[who],
                milestone=milestone,
                accept=True,
                lesson=capture.lesson(**LESSON),
            )
    assert _state() == before


# --- pages --------------------------------------------------------------------------------------


def test_the_termination_page_asks_for_the_lesson(client, personas, contract):
    client.force_login(personas["buyer"])
    path = f"/contracts/{contract.pk}/terminate/"
    page = client.get(path).content.decode()
    assert 'name="lesson_choice"' in page and 'name="no_lesson_reason"' in page
    response = client.post(
        path,
        {"reason": "Never delivered.", "lesson_choice": "write"}
        | {f"lesson_{name}": value for name, value in LESSON.items()},
    )
    assert response.status_code == 302
    assert Lesson.objects.get().about_url == f"/contracts/{contract.pk}/"


def test_a_late_milestone_is_decided_on_its_own_page_with_the_lesson(
    client, personas, contract, milestone, clock
):
    client.force_login(personas["buyer"])
    decide = f"/contracts/{contract.pk}/milestones/{milestone.pk}"
    # On time: buttons on the contract page, which post straight away.
    page = client.get(f"/contracts/{contract.pk}/").content.decode()
    assert f'<form method="post" action="{decide}/accept/"' in page
    assert "past due" not in page
    # Past the margin: links to the decision's page instead, saying why.
    clock.move_to(_at(milestone.due_on + timedelta(days=15)))
    client.force_login(personas["buyer"])  # again: the session has expired meanwhile
    page = client.get(f"/contracts/{contract.pk}/").content.decode()
    assert f'<form method="post" action="{decide}/accept/"' not in page
    assert f'href="{decide}/accept/" role="button"' in page
    assert f'href="{decide}/reject/" role="button"' in page
    assert "More than 14 days past due: deciding it now needs a lesson" in page
    assert 'id="milestone-1"' in page
    # The page: the note, then the lesson's fields, and why they are asked for.
    page = client.get(f"{decide}/accept/").content.decode()
    assert "15 days ago, more than the 14 days allowed" in page
    for name in ("note", "lesson_choice", "lesson_title", "no_lesson_reason"):
        assert f'name="{name}"' in page, name
    assert page.index('name="note"') < page.index('name="lesson_choice"')
    before = _state()
    # The contract page's button, pressed after the margin passed (an old tab): the same page,
    # with the error, linked to the choice.
    response = client.post(f"{decide}/accept/", {})
    body = response.content.decode()
    assert response.status_code == 200 and "<title>Error: " in body
    assert '<a href="#id_lesson_choice_0">Record a lesson, or say why there is no lesson' in body
    assert 'name="lesson_title"' in body
    body = client.post(
        f"{decide}/reject/", {"note": "", "lesson_choice": "write", "lesson_title": "Cover"}
    ).content.decode()
    assert '<a href="#id_lesson_happened">Give the lesson what happened</a>' in body
    assert 'value="Cover"' in body
    written = {"lesson_choice": "write"} | {f"lesson_{k}": v for k, v in LESSON.items()}
    body = client.post(f"{decide}/reject/", {"note": ""} | written).content.decode()
    assert '<a href="#id_note">Say which acceptance criteria are not met</a>' in body
    assert LESSON["why"] in body  # what was typed is kept
    assert _state() == before
    response = client.post(
        f"{decide}/accept/",
        {"note": "Late but working.", "lesson_choice": "none"} | {"no_lesson_reason": NO_LESSON},
    )
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.status == Milestone.Status.ACCEPTED
    assert Capture.objects.get().no_lesson_reason == NO_LESSON


def test_a_decision_already_made_late_takes_no_second_lesson_on_the_page(
    client, personas, contract, milestone, clock
):
    clock.move_to(_at(milestone.due_on + timedelta(days=15)))
    services.milestone_decide(
        actor=personas["buyer"],
        milestone=milestone,
        accept=False,
        note="One door fails.",
        lesson=capture.no_lesson(NO_LESSON),
    )
    client.force_login(personas["buyer"])
    page = client.get(f"/contracts/{contract.pk}/").content.decode()
    assert "past due" not in page
    response = client.post(f"/contracts/{contract.pk}/milestones/{milestone.pk}/accept/", {})
    assert response.status_code == 302 and Capture.objects.count() == 1


# --- API ----------------------------------------------------------------------------------------


def test_the_api_names_the_lessons_fields(call, token, personas, contract, milestone, clock):
    token("buyer")  # made (and audited) before counting
    terminate = f"{API}/contracts/{contract.pk}/terminate"
    decide = f"{API}/contracts/{contract.pk}/milestones/{milestone.pk}"
    clock.move_to(_at(milestone.due_on + timedelta(days=15)))
    before = _state()
    for path, body, expected in [
        (terminate, {"reason": "Never delivered."}, ["lesson"]),
        (terminate, {"reason": "x", "lesson": LESSON | {"why": " "}}, ["lesson.why"]),
        (terminate, {"reason": "x", "lesson": {"title": "Cover"}}, sorted(MISSING)),
        (terminate, {"reason": "", "no_lesson_reason": NO_LESSON}, ["reason"]),
        (terminate, {"reason": " "}, ["lesson", "reason"]),  # together
        (f"{decide}/accept", None, ["lesson"]),
        (f"{decide}/accept", {"note": "Working."}, ["lesson"]),
        (f"{decide}/accept", {"lesson": LESSON | {"title": ""}}, ["lesson.title"]),
        (f"{decide}/reject", {"note": ""}, ["lesson", "note"]),
        (f"{decide}/reject", {"note": "x", "no_lesson_reason": "N" * 2001}, ["no_lesson_reason"]),
    ]:
        response = call("post", path, body, "buyer")
        assert response.status_code == 422, (path, body, response.content)
        assert sorted(fields(response)) == expected, (path, body, response.json())
        assert _state() == before
    response = call("post", f"{decide}/reject", {"note": "One fails.", "lesson": LESSON}, "buyer")
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    assert Lesson.objects.get().about_url == f"/contracts/{contract.pk}/#milestone-1"
    response = call("post", f"{decide}/accept", None, "buyer")  # its lesson is recorded
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    body = {"reason": "Never delivered.", "no_lesson_reason": NO_LESSON}
    response = call("post", terminate, body, "buyer")
    assert response.status_code == 200 and response.json()["status"] == "terminated"
    assert Capture.objects.filter(kind=Capture.Kind.TERMINATED).get().no_lesson_reason == NO_LESSON
