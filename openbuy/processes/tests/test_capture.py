"""Capture where failure happens: cancelling a process, or closing it without an award, does not
go ahead without what it teaches — a lesson, or the public reason there is none
(:mod:`openbuy.lessons.capture`). The service, its page and its API endpoint alike."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from openbuy.audit.models import AuditEvent
from openbuy.lessons import capture
from openbuy.lessons.models import Capture, Lesson
from openbuy.needs.models import Area
from openbuy.processes import selectors, services
from openbuy.processes.models import Process, ProcessEvent
from openbuy.processes.tests.test_api import fields

pytestmark = pytest.mark.django_db

API = "/api/v1"
LESSON = {
    "title": "Check the budget is agreed before publishing",
    "tried": "We published before the budget was confirmed.",
    "happened": "The budget was withdrawn and the tender cancelled.",
    "why": "Publication did not wait for the finance sign-off.",
    "do_differently": "Make the finance sign-off a step before publishing.",
}
ENDS = {
    "cancel": (services.process_cancel, Capture.Kind.CANCELLED, "cancelled"),
    "unsuccessful": (services.process_unsuccessful, Capture.Kind.UNSUCCESSFUL, "unsuccessful"),
}
MISSING = {f"lesson.{name}" for name in capture.FIELDS} - {"lesson.title"}


def _evaluating(personas, tender, clock):
    """The tender past its deadline, its submissions opened: in evaluation."""
    clock.move_to(tender.current_phase.deadline + timedelta(seconds=1))
    services.phase_open(actor=personas["buyer"], process=tender)
    tender.refresh_from_db()
    return tender


def _state(process):
    process = Process.objects.get(pk=process.pk)
    return (
        process.state,
        process.decision_reason,
        ProcessEvent.objects.filter(process=process).count(),
        AuditEvent.objects.count(),
        Capture.objects.count(),
        Lesson.objects.count(),
    )


@pytest.mark.parametrize("end", ENDS)
def test_ending_is_refused_without_a_lesson_or_a_reason_and_nothing_changes(
    personas, tender, clock, end
):
    service, _, _ = ENDS[end]
    if end == "unsuccessful":
        tender = _evaluating(personas, tender, clock)
    before = _state(tender)
    for lesson, expected in [
        (None, {"lesson"}),
        (capture.no_lesson("  "), {"lesson"}),
        (capture.lesson(title="Budget"), MISSING),
        (capture.lesson(**LESSON | {"title": "T" * 201}), {"lesson.title"}),
    ]:
        with pytest.raises(ValidationError) as refused:
            service(actor=personas["buyer"], process=tender, reason="No money.", lesson=lesson)
        assert set(refused.value.message_dict) == expected, lesson
        assert _state(tender) == before
    with pytest.raises(ValidationError) as refused:
        service(actor=personas["buyer"], process=tender, reason="No money.")
    assert refused.value.message_dict["lesson"] == [
        "Record what this failure teaches — a lesson — or say why there is no lesson to learn"
    ]


def test_cancelling_keeps_the_lesson_published_and_linked_to_the_process(personas, tender):
    area = Area.objects.first()
    Process.objects.filter(pk=tender.pk).update(area=area)
    services.process_cancel(
        actor=personas["buyer"],
        process=tender,
        reason="The budget was withdrawn.",
        lesson=capture.lesson(**LESSON),
    )
    assert selectors.status(Process.objects.get(pk=tender.pk)) == "cancelled"
    lesson = Lesson.objects.get()
    assert lesson.title == LESSON["title"] and lesson.why == LESSON["why"]
    assert lesson.status == Lesson.Status.PUBLISHED and lesson.published_at is not None
    assert lesson.source == Lesson.Source.CAPTURED and lesson.author == personas["buyer"]
    assert lesson.organisation == personas["council"]
    assert lesson.stage == "competition" and lesson.area == area
    assert lesson.about == tender and lesson.about_url == f"/processes/{tender.pk}/"
    assert lesson.about_label == f"“{tender.title}” cancelled: The budget was withdrawn."
    assert lesson.cost_amount is None
    made = Capture.objects.get()
    assert (made.kind, made.lesson, made.about) == (Capture.Kind.CANCELLED, lesson, tender)
    assert made.recorded_by == personas["buyer"]


def test_a_lesson_may_wait_as_a_draft_while_names_are_checked(personas, tender):
    services.process_cancel(
        actor=personas["buyer"],
        process=tender,
        reason="The budget was withdrawn.",
        lesson=capture.lesson(**LESSON, check_names_first=True),
    )
    assert Lesson.objects.get().status == Lesson.Status.DRAFT
    assert Capture.objects.get().lesson is not None


def test_closing_without_an_award_in_evaluation_may_say_publicly_why_there_is_no_lesson(
    client, personas, tender, clock
):
    tender = _evaluating(personas, tender, clock)
    services.process_unsuccessful(
        actor=personas["buyer"],
        process=tender,
        reason="Nobody submitted.",
        lesson=capture.no_lesson("A market with one supplier, as the needs review said."),
    )
    assert selectors.status(Process.objects.get(pk=tender.pk)) == "unsuccessful"
    assert not Lesson.objects.exists()
    made = Capture.objects.get()
    assert made.kind == Capture.Kind.UNSUCCESSFUL and made.lesson is None
    assert made.no_lesson_reason == "A market with one supplier, as the needs review said."
    assert made.label == f"“{tender.title}” closed without an award: Nobody submitted."
    assert AuditEvent.objects.get(action="lesson.captured").is_public
    page = client.get("/lessons/").content.decode()
    assert "No lesson: A market with one supplier, as the needs review said." in page


def test_in_evaluation_the_lesson_is_of_the_evaluation_stage(personas, tender, clock):
    tender = _evaluating(personas, tender, clock)
    services.process_cancel(
        actor=personas["buyer"], process=tender, reason="No money.", lesson=capture.lesson(**LESSON)
    )
    assert Lesson.objects.get().stage == "evaluation"


@pytest.mark.parametrize("end", ENDS)
def test_who_may_end_a_process_is_unchanged(personas, tender, end):
    service, _, _ = ENDS[end]
    before = _state(tender)
    for who in ("resident", "supplier", "other_buyer", "evaluator", "admin"):
        with pytest.raises(PermissionDenied):
            service(
                actor=personas[who],
                process=tender,
                reason="No money.",
                lesson=capture.lesson(**LESSON),
            )
        with pytest.raises(PermissionDenied):  # asked first: before the lesson
            service(actor=personas[who], process=tender, reason="No money.")
    assert _state(tender) == before


# --- the page ----------------------------------------------------------------------------------


def test_the_decision_page_asks_for_the_lesson_and_its_summary_links_to_each_field(
    client, personas, tender
):
    client.force_login(personas["buyer"])
    path = f"/processes/{tender.pk}/decide/cancel/"
    page = client.get(path).content.decode()
    for name in ("lesson_choice", "lesson_title", "lesson_why", "no_lesson_reason"):
        assert f'name="{name}"' in page, name
    before = _state(tender)
    # Nothing chosen: the summary links to the first radio, which has that id.
    body = client.post(path, {"reason": "No money."}).content.decode()
    assert "<title>Error: " in body and 'id="id_lesson_choice_0"' in body
    assert '<a href="#id_lesson_choice_0">Record a lesson, or say why there is no lesson' in body
    # A lesson half written: each missing part, linked to its field, what was typed kept.
    body = client.post(
        path, {"reason": "No money.", "lesson_choice": "write", "lesson_title": "Budget first"}
    ).content.decode()
    assert '<a href="#id_lesson_why">Give the lesson why it happened (the root cause)</a>' in body
    assert '<a href="#id_lesson_tried">Give the lesson what was tried</a>' in body
    assert 'value="Budget first"' in body and "No money." in body
    # No lesson, without saying why.
    body = client.post(path, {"reason": "No money.", "lesson_choice": "none"}).content.decode()
    assert '<a href="#id_no_lesson_reason">Say why there is no lesson to learn</a>' in body
    assert _state(tender) == before
    response = client.post(
        path,
        {"reason": "No money."}
        | {"lesson_choice": "write"}
        | {f"lesson_{name}": value for name, value in LESSON.items()},
    )
    assert response.status_code == 302
    assert Lesson.objects.get().about_url == f"/processes/{tender.pk}/"


def test_a_service_error_on_the_lesson_lands_on_its_field(personas):
    """The page's form and the service check the same rule; should the service name a part of
    the lesson, the form puts it next to that field (``field_for``), not above the form."""
    from openbuy.processes.forms import EndForm
    from openbuy.ui.forms import apply_errors

    form = EndForm({"reason": "r", "lesson_choice": "none", "no_lesson_reason": "n"})
    assert form.is_valid()
    apply_errors(form, ValidationError({"lesson": "Choose", "lesson.why": "Why?", "x": "Top"}))
    assert form.errors["lesson_choice"] == ["Choose"] and form.errors["lesson_why"] == ["Why?"]
    assert form.non_field_errors() == ["Top"]


# --- the API -----------------------------------------------------------------------------------


@pytest.mark.parametrize("end", ENDS)
def test_the_api_names_the_lessons_fields(call, token, personas, tender, clock, end):
    _, kind, status = ENDS[end]
    if end == "unsuccessful":
        tender = _evaluating(personas, tender, clock)
    path = f"{API}/processes/{tender.pk}/{end}"
    token("buyer")  # made (and audited) before counting
    before = _state(tender)
    for body, expected in [
        ({"reason": "No money."}, ["lesson"]),
        ({"reason": "No money.", "no_lesson_reason": " "}, ["lesson"]),
        ({"reason": "No money.", "lesson": LESSON | {"why": "  "}}, ["lesson.why"]),
        ({"reason": "No money.", "lesson": {"title": "Budget"}}, sorted(MISSING)),
        ({"reason": "No money.", "lesson": LESSON | {"title": "T" * 201}}, ["lesson.title"]),
        ({"reason": "No money.", "no_lesson_reason": "N" * 2001}, ["no_lesson_reason"]),
        ({"reason": ""}, ["lesson", "reason"]),  # together
        ({"reason": "", "no_lesson_reason": "None."}, ["reason"]),
    ]:
        response = call("post", path, body, "buyer")
        assert response.status_code == 422, (body, response.content)
        assert sorted(fields(response)) == expected, (body, response.json())
        assert _state(tender) == before
    response = call("post", path, {"reason": "No money.", "lesson": LESSON}, "buyer")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == status
    made = Capture.objects.get()
    assert made.kind == kind and made.lesson.title == LESSON["title"]
    assert made.lesson.about_url == f"/processes/{tender.pk}/"
