"""The register itself: writing, publishing, removing names, the index the gate reads, captures
and the CSV import."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from openbuy.audit.models import AuditEvent
from openbuy.lessons import capture, gate, index, selectors, services
from openbuy.lessons.models import Capture, Lesson, Redaction

pytestmark = pytest.mark.django_db

KIOSK = {
    "title": "Self-service kiosks nobody could use",
    "tried": "We bought touch-screen kiosks for the housing office to cut queues.",
    "happened": "Residents queued for staff anyway; the kiosks sat unused for two years.",
    "why": "No user research with residents before buying; Jo Bloggs signed it off alone.",
    "do_differently": "Test with residents first, with a prototype, before any purchase.",
    "tags": "kiosks, housing",
    "stage": "specification",
    "cost_amount": "48,000",
    "cost_currency": "gbp",
}
LATE = {
    "title": "The bridge repair finished a year late",
    "tried": "A single contractor for the bridge repair, fixed price.",
    "happened": "Delays in steel deliveries pushed completion back twelve months.",
    "why": "No float in the programme and no penalty for late delivery.",
    "do_differently": "Build slack into the timeline and agree delay remedies.",
}


@pytest.fixture(autouse=True)
def fresh_index():
    index.forget()
    yield
    index.forget()


def test_a_buyer_writes_a_lesson_and_it_is_public_and_findable(personas):
    lesson = services.lesson_create(
        actor=personas["buyer"], organisation=personas["council"], data=KIOSK
    )
    assert lesson.status == Lesson.Status.PUBLISHED and lesson.published_at
    assert (lesson.cost_amount, lesson.cost_currency) == (48000, "GBP")
    assert lesson.tag_list == ["kiosks", "housing"]
    services.lesson_create(actor=personas["buyer"], organisation=personas["council"], data=LATE)
    found = selectors.similar("Residents will use touch screens in the library to self-serve")
    assert found and found[0].lesson == lesson
    assert AuditEvent.objects.filter(action="lesson.published").count() == 2


@pytest.mark.parametrize("who", ["resident", "supplier", "frontline", "other_buyer", "admin"])
def test_only_the_organisations_officers_write_its_lessons(personas, who):
    with pytest.raises(PermissionDenied):
        services.lesson_create(actor=personas[who], organisation=personas["council"], data=KIOSK)
    assert not Lesson.objects.exists()


def test_bad_fields_are_named(personas):
    for change, field in [
        ({"title": ""}, "title"),
        ({"why": " "}, "why"),
        ({"cost_amount": "lots"}, "cost_amount"),
        ({"cost_amount": "-5"}, "cost_amount"),
        ({"cost_currency": "pounds"}, "cost_currency"),
        ({"stage": "afterwards"}, "stage"),
        ({"title": "x" * 201}, "title"),
    ]:
        with pytest.raises(ValidationError) as error:
            services.lesson_create(
                actor=personas["buyer"], organisation=personas["council"], data=KIOSK | change
            )
        assert field in error.value.message_dict, change
    assert not Lesson.objects.exists()


def test_a_draft_is_checked_for_names_then_published(personas, client):
    buyer = personas["buyer"]
    lesson = services.lesson_create(
        actor=buyer, organisation=personas["council"], data=KIOSK, publish=False
    )
    assert selectors.similar("kiosks residents user research") == []  # drafts are not matched
    assert client.get(f"/lessons/{lesson.pk}/").status_code == 404
    with pytest.raises(PermissionDenied):
        services.lesson_redact(
            actor=personas["other_buyer"], lesson=lesson, names=["Jo Bloggs"], reason="x"
        )
    with pytest.raises(ValidationError, match="None of these names"):
        services.lesson_redact(actor=buyer, lesson=lesson, names=["Zed Quux"], reason="Privacy")
    made = services.lesson_redact(
        actor=buyer, lesson=lesson, names=["jo bloggs", ""], reason="A named officer"
    )
    lesson.refresh_from_db()
    assert "Jo Bloggs" not in lesson.why and services.REMOVED in lesson.why
    assert made.passages == 1 and Redaction.objects.get().reason == "A named officer"
    event = AuditEvent.objects.get(action="lesson.redacted")
    assert "Jo Bloggs" not in event.summary and "jo bloggs" not in str(event.changes)
    services.lesson_publish(actor=buyer, lesson=lesson)
    page = client.get(f"/lessons/{lesson.pk}/").content.decode()
    assert "names of individuals were removed from 1 passage" in page
    assert selectors.similar("kiosks residents user research")[0].lesson == lesson
    with pytest.raises(ValidationError):
        services.lesson_update(actor=buyer, lesson=lesson, data=KIOSK)


def test_the_gate_shows_matches_and_keeps_the_acknowledgements(personas, spec):
    lesson = services.lesson_create(
        actor=personas["buyer"],
        organisation=personas["council"],
        data=KIOSK,
    )
    found = gate.matches("A self-service touch screen kiosk for residents in the library")
    assert [m.id for m in found] == [lesson.pk]
    assert found[0].url == f"/lessons/{lesson.pk}/" and found[0].score > 0
    kept = gate.check(found, [gate.Acknowledgement(lesson.pk, "addressed", "We test first.")])
    from django.db import transaction

    with transaction.atomic():
        gate.acknowledge(actor=personas["buyer"], target=spec, acknowledgements=kept)
    [answer] = selectors.acknowledgements_for(spec)
    assert (answer.lesson, answer.text, answer.score) == (lesson, "We test first.", found[0].score)


def test_the_index_follows_the_register(personas, django_capture_on_commit_callbacks):
    assert index.current() is None
    lesson = services.lesson_create(
        actor=personas["buyer"], organisation=personas["council"], data=KIOSK
    )
    first = index.current()  # built on first use
    assert first is not None and lesson.pk in first
    with django_capture_on_commit_callbacks(execute=True) as queued:
        other = services.lesson_create(
            actor=personas["buyer"], organisation=personas["council"], data=LATE
        )
    assert len(queued) == 1  # the rebuild waits for the commit
    index.forget()  # another process: loads the stored index
    assert other.pk in index.current() and lesson.pk in index.current()


def test_capture_needs_a_lesson_or_a_reason():
    with pytest.raises(ValidationError) as error:
        capture.require(None)
    assert list(error.value.message_dict) == ["lesson"]
    with pytest.raises(ValidationError) as error:
        capture.require(capture.lesson(title="Late", tried="x"))
    assert set(error.value.message_dict) == {
        "lesson.happened",
        "lesson.why",
        "lesson.do_differently",
    }
    assert capture.require(capture.no_lesson(" Force majeure ")).no_lesson_reason == "Force majeure"


def test_a_capture_keeps_the_lesson_linked_to_what_failed(personas, spec):
    from django.db import transaction

    with transaction.atomic():
        made = capture.record(
            actor=personas["buyer"],
            entry=capture.lesson(**{k: LATE[k] for k in capture.FIELDS}),
            kind=Capture.Kind.CANCELLED,
            organisation=personas["council"],
            about=spec,
            label="Evening access to libraries: cancelled",
            url=f"/specifications/{spec.pk}/",
            stage="competition",
        )
    assert made.lesson.about == spec and made.lesson.source == Lesson.Source.CAPTURED
    assert made.lesson.stage == "competition" and made.lesson.about_label.endswith("cancelled")
    with transaction.atomic():
        none = capture.record(
            actor=personas["buyer"],
            entry=capture.no_lesson("The council merged with its neighbour."),
            kind=Capture.Kind.CANCELLED,
            organisation=personas["council"],
            about=spec,
            label="x",
            url="/",
            stage="competition",
        )
    assert none.lesson is None and none.no_lesson_reason.startswith("The council merged")
    assert len(selectors.captures_of(spec)) == 2


CSV = (
    "title,tried,happened,why,do_differently,tags,organisation\n"
    f'{KIOSK["title"]},{KIOSK["tried"]},"{KIOSK["happened"]}","{KIOSK["why"]}",'
    f'"{KIOSK["do_differently"]}","kiosks, housing",Riverside Borough Council\n'
    ",no title,x,y,z,,Riverside Borough Council\n"
    "Late bridge,One contractor,Late,No float,Slack,,Westshire County Council\n"
    "Short row,only,three\n"
)


def test_the_csv_import_keeps_good_rows_and_reports_bad_ones_by_line(personas):
    report = services.import_csv(CSV.encode())
    assert (report.read, report.stored, report.unchanged) == (4, 2, 0)
    assert [line for line, _ in report.errors] == [3, 5]
    assert "title" in report.errors[0][1]
    kiosk = Lesson.objects.get(title=KIOSK["title"])
    assert kiosk.organisation == personas["council"] and kiosk.source == "imported"
    bridge = Lesson.objects.get(title="Late bridge")
    assert bridge.organisation is None and bridge.by == "Westshire County Council"
    again = services.import_csv(CSV)
    assert (again.stored, again.unchanged) == (0, 2)
    assert Lesson.objects.count() == 2
    missing = services.import_csv("title,why\nx,y\n")
    assert missing.errors[0][0] == 1 and "missing" in missing.errors[0][1]


# --- what a review found -------------------------------------------------------------------


def test_a_draft_captured_lesson_keeps_its_words_out_of_the_public_log(personas, spec, client):
    from django.db import transaction

    with transaction.atomic():
        made = capture.record(
            actor=personas["buyer"],
            entry=capture.lesson(
                **{**{k: LATE[k] for k in capture.FIELDS}, "title": "Smithers ignored users"},
                check_names_first=True,
            ),
            kind=Capture.Kind.CANCELLED,
            organisation=personas["council"],
            about=spec,
            label="“Evening access” cancelled: no budget",
            url="/",
            stage="competition",
        )
    assert made.lesson.status == Lesson.Status.DRAFT
    assert "Smithers" not in client.get("/activity/").content.decode()
    assert not AuditEvent.objects.filter(summary__contains="Smithers").exists()
    assert not AuditEvent.objects.filter(object_label__contains="Smithers").exists()


def test_removing_names_reaches_the_tags_and_never_the_log(personas):
    lesson = services.lesson_create(
        actor=personas["buyer"],
        organisation=personas["council"],
        data=KIOSK | {"title": "Priya Raman's kiosks", "tags": "Priya Raman, kiosks"},
    )
    services.lesson_redact(
        actor=personas["buyer"], lesson=lesson, names=["Priya Raman"], reason="A named officer"
    )
    lesson.refresh_from_db()
    assert "Priya" not in lesson.title + lesson.tags
    assert not AuditEvent.objects.filter(summary__contains="Priya").exists()
    assert not AuditEvent.objects.filter(object_label__contains="Priya").exists()


def test_an_imported_lesson_with_no_organisation_here_is_kept_by_site_admins(personas):
    services.import_csv(CSV)
    orphan = Lesson.objects.get(title="Late bridge")
    with pytest.raises(PermissionDenied):
        services.lesson_redact(actor=personas["buyer"], lesson=orphan, names=["bridge"], reason="x")
    services.lesson_redact(actor=personas["admin"], lesson=orphan, names=["bridge"], reason="x")


def test_control_characters_are_dropped_at_the_edge(personas, client):
    lesson = services.lesson_create(
        actor=personas["buyer"],
        organisation=personas["council"],
        data=KIOSK | {"title": "Kiosks\x0b\x00 unused", "why": "No research\x1f."},
    )
    assert (lesson.title, lesson.why) == ("Kiosks unused", "No research.")
    assert client.get("/lessons/feed/").status_code == 200
    report = services.import_csv(
        "title,tried,happened,why,do_differently,tags,organisation\n"
        "Bad\x0bchar,a,b,c,d,,Riverside Borough Council\n"
    )
    assert report.stored == 1 and Lesson.objects.filter(title="Badchar").exists()


def test_a_broken_csv_row_is_reported_and_the_rows_after_it_kept(personas):
    header = "title,tried,happened,why,do_differently,tags,organisation\n"
    good = "Row {n},a,b,c,d,,Riverside Borough Council\n"
    huge = '"' + "x" * 200_000 + '",a,b,c,d,,Riverside Borough Council\n'
    report = services.import_csv(header + good.format(n=1) + huge + good.format(n=2))
    assert report.stored == 2, report.errors
    assert [line for line, _ in report.errors] == [3]
    assert AuditEvent.objects.filter(action="lesson.imported").count() == 1
    # A multi-line record is reported at the line it starts on.
    report = services.import_csv(header + ',"two\nlines",b,c,d,,Riverside Borough Council\n')
    assert report.errors[0][0] == 2


def test_a_file_not_in_utf8_is_refused_whole(personas):
    data = (
        "title,tried,happened,why,do_differently,tags,organisation\n"
        "Café contract,a,b,c,d,,Riverside Borough Council\n"
    ).encode("cp1252")
    report = services.import_csv(data)
    assert report.stored == 0 and report.errors[0][0] == 2
    assert "UTF-8" in report.errors[0][1]
    assert not Lesson.objects.exists()


def test_the_failures_faced_show_on_the_pages_they_happened_on(personas, spec, client):
    from django.db import transaction

    with transaction.atomic():
        capture.record(
            actor=personas["buyer"],
            entry=capture.no_lesson("The council merged with its neighbour."),
            kind=Capture.Kind.CANCELLED,
            organisation=personas["council"],
            about=spec,
            label="“Evening access” cancelled",
            url="/",
            stage="competition",
        )
    block = selectors.captures_block(spec)
    assert block is not None and "The council merged with its neighbour." in block.lines[0]


def test_a_semantic_engine_without_its_packages_fails_the_system_check(settings):
    from openbuy.lessons import similarity
    from openbuy.lessons.apps import _engine_check

    settings.LESSONS_ENGINE = "semantic"
    if similarity._semantic_packages_installed():
        pytest.skip("openbuy[semantic] is installed here")
    [error] = _engine_check(None)
    assert error.id == "openbuy.lessons.E001"
    settings.LESSONS_ENGINE = "tfidf"
    assert _engine_check(None) == []


def test_the_failures_faced_are_in_the_api_without_drafts(
    personas, spec, client, django_assert_num_queries
):
    from django.db import transaction

    def faced(entry):
        with transaction.atomic():
            return capture.record(
                actor=personas["buyer"],
                entry=entry,
                kind=Capture.Kind.CANCELLED,
                organisation=personas["council"],
                about=spec,
                label="“Evening access” cancelled",
                url="/",
                stage="competition",
            )

    fields = {k: LATE[k] for k in capture.FIELDS}
    published = faced(capture.lesson(**fields))
    draft = faced(capture.lesson(**fields | {"title": "Smithers"}, check_names_first=True))
    faced(capture.no_lesson("Merged with the neighbour."))
    with django_assert_num_queries(2):  # the count and one page, however many
        items = client.get("/api/v1/lessons/captures").json()["items"]
    assert [(i["lesson"], i["lesson_pending"]) for i in items] == [
        (None, False),
        (None, True),
        (published.lesson_id, False),
    ]
    assert items[0]["no_lesson_reason"] == "Merged with the neighbour."
    assert "Smithers" not in str(items) and draft.lesson_id not in [i["lesson"] for i in items]
