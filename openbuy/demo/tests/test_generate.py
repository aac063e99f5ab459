"""``openbuy generate`` at the small scale: the promised counts, the same content from the same
seed, the invariants the application relies on, and the refusal to run twice."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F, Q

from openbuy import clock
from openbuy.audit.services import verify_chain
from openbuy.contracts.models import Contract
from openbuy.demo.generate import SCALES, AlreadyGeneratedError, anchor_of, generate
from openbuy.demo.generate.words import comment_html
from openbuy.discussion import markup
from openbuy.discussion.models import Comment
from openbuy.evaluation import selectors as evaluation
from openbuy.evaluation.models import Award, Score
from openbuy.lessons import index
from openbuy.lessons.models import Capture, Lesson, SimilarityIndex
from openbuy.needs import search
from openbuy.needs.models import Idea, Need, Support
from openbuy.needs.services import hot_score
from openbuy.processes import lifecycle, sealing
from openbuy.processes import selectors as processes
from openbuy.processes.models import Phase, Process, ProcessEvent, Submission
from openbuy.specifications.models import Specification, SpecVersion, Suggestion

pytestmark = pytest.mark.django_db(transaction=True)

SMALL = SCALES["small"]


@pytest.fixture
def generated():
    return generate(scale="small", anchor=anchor_of())


def test_small_scale_makes_the_promised_counts(generated):
    assert Need.objects.count() == SMALL.needs
    assert Support.objects.count() == SMALL.supports
    assert Comment.objects.count() == SMALL.comments
    assert Idea.objects.count() == SMALL.ideas
    assert Process.objects.count() == SMALL.processes
    assert Lesson.objects.count() == SMALL.lessons
    # The specifications being written, plus the one each process publishes.
    assert Specification.objects.filter(processes__isnull=True).count() == SMALL.specifications
    assert Specification.objects.count() == SMALL.specifications + SMALL.processes
    assert SpecVersion.objects.count() > Specification.objects.count()
    assert Suggestion.objects.exists()
    kinds = set(Process.objects.values_list("kind", flat=True))
    states = set(Process.objects.values_list("state", flat=True))
    assert kinds == set(Process.Kind.values)
    assert states == set(Process.State.values)
    assert Award.objects.exists() and Contract.objects.exists() and Score.objects.exists()
    assert generated.rows["needs.Support"] == SMALL.supports
    assert generated.total == sum(generated.rows.values()) > 2_000


def _digest() -> str:
    """A hash of the generated content (sealed bytes aside: their nonces are random)."""
    parts = []
    for model, exclude in [
        (Need, ()),
        (Support, ()),
        (Comment, ()),
        (Idea, ()),
        (SpecVersion, ()),
        (Suggestion, ()),
        (Process, ()),
        (Phase, ()),
        (ProcessEvent, ()),
        (Submission, ("sealed",)),
        (Score, ()),
        (Award, ()),
        (Contract, ()),
        (Lesson, ()),
        (Capture, ()),
    ]:
        fields = [f.attname for f in model._meta.concrete_fields if f.name not in exclude]
        parts.append(repr(list(model._default_manager.order_by("pk").values_list(*fields))))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _fresh_run(seed: int, anchor) -> str:
    # Each run starts from the same empty database (content types, areas and ids alike).
    call_command("flush", interactive=False, verbosity=0)
    generate(scale="small", seed=seed, anchor=anchor)
    return _digest()


def test_the_same_seed_gives_the_same_content():
    anchor = anchor_of()
    first = _fresh_run(7, anchor)
    assert _fresh_run(7, anchor) == first
    assert _fresh_run(8, anchor) != first


def test_counters_equal_the_rows(generated):
    for model in (Need, Idea):
        rows = model.objects.annotate(
            counted=Count("supports"),
            frontline=Count("supports", filter=Q(supports__is_frontline=True)),
        )
        for item in rows:
            assert item.support_count == item.counted, item
            assert item.frontline_support_count == item.frontline, item
            assert item.hot_score == pytest.approx(hot_score(item.counted, item.created_at))
    # Supports come after the need was raised, before now, and before it closed.
    assert not Support.objects.filter(created_at__lt=F("need__created_at")).exists()
    assert not Support.objects.filter(created_at__gt=clock.now()).exists()
    late = Support.objects.filter(
        need__status__in=Need.CLOSED_STATUSES,
        need__answers__to_status=F("need__status"),
        created_at__gt=F("need__answers__created_at"),
    )
    assert not late.exists()
    for need in Need.objects.filter(threshold_reached_at__isnull=False):
        reached, due = need.threshold_reached_at, need.answer_due_at
        assert reached is not None and due is not None and due > reached
        assert need.supports.filter(created_at__lte=reached).exists()
    for spec in Specification.objects.annotate(versions_made=Count("versions")):
        assert spec.version_count == spec.versions_made
        assert spec.latest.number == spec.version_count
        if spec.status != Specification.Status.DRAFTING:
            assert spec.frozen_version_id is not None


def test_the_application_agrees_with_the_stored_decisions(generated):
    now = clock.now()
    for process in Process.objects.select_related("current_phase", "created_by"):
        status = lifecycle.status_of(process, now)
        assert lifecycle.STATE_OF[status] == process.state, process
        if process.published_at is not None:
            assert process.spec_version is not None
            assert process.spec_version.specification_id == process.specification_id
    # One ending each, and the right one; stage gates agree with where each process got to.
    endings = {"awarded": "awarded", "unsuccessful": "unsuccessful", "cancelled": "cancelled"}
    for process in Process.objects.prefetch_related("events", "phases"):
        ends = [e.kind for e in process.events.all() if e.kind in endings]
        assert ends == ([process.state] if process.state in endings else []), process
        for phase in process.phases.all():
            decisions = set(phase.gate_decisions.values_list("decision", flat=True))
            if decisions == {"stop"}:
                assert process.state == "unsuccessful", process
                assert process.current_phase_id == phase.pk, process
            elif decisions:
                assert process.phase.number > phase.number, process
        for submission in Submission.objects.filter(phase__process=process, phase__number__gt=1):
            assert submission.phase.invitations.filter(
                organisation=submission.organisation_id, state="accepted"
            ).exists()
    # Each award went to a total the evaluation pages work out the same way.
    for award in Award.objects.select_related("process__created_by", "submission__phase"):
        results = evaluation.results(award.process.created_by, award.submission.phase)
        totals = {r.submission.pk: r.total.total for r in results}
        assert totals[award.submission_id] == award.total
        assert award.standstill_ends == award.decided_at + timedelta(days=settings.STANDSTILL_DAYS)
    for contract in Contract.objects.select_related("award"):
        assert contract.signed_at >= contract.award.standstill_ends
    # Opened content is what was sealed, and its receipt checks out.
    for submission in Submission.objects.filter(opened__isnull=False).select_related("phase"):
        assert submission.phase.opened_at is not None and submission.opened is not None
        assert sealing.receipt(submission.opened) == submission.receipt
        sealed = sealing.unseal_json(
            submission.sealed,
            process_id=submission.phase.process_id,
            organisation_id=submission.organisation_id,
        )
        assert sealed == submission.opened
    for comment in Comment.objects.all():
        assert comment.body_html == markup.render(comment.body, trusted_links=True)
        assert comment.body_html == comment_html(comment.body)
    assert verify_chain().ok


def test_sealed_submissions_stay_sealed_before_their_deadline(generated):
    now = clock.now()
    waiting = Submission.objects.filter(
        state=Submission.State.SUBMITTED,
        phase__process__state=Process.State.LIVE,
        phase__deadline__gt=now,
    ).select_related("phase__process__created_by")
    assert waiting.exists()
    for submission in waiting:
        assert submission.opened is None and submission.phase.opened_at is None
        buyer = submission.phase.process.created_by
        with pytest.raises(PermissionDenied, match="sealed"):
            processes.content(buyer, submission)
        assert b"answers" not in bytes(submission.sealed)


def test_generated_needs_and_lessons_are_found(generated):
    need = Need.objects.filter(visibility="visible").order_by("pk")[0]
    words = [w for w in need.title.split() if len(w) > 3][:2]
    hits = search.search(" ".join(words))
    assert need.pk in {hit.item.pk for hit in hits if hit.kind == "need"}
    published = Lesson.objects.filter(status=Lesson.Status.PUBLISHED)
    assert SimilarityIndex.objects.get().lessons == published.count()
    lesson = published.order_by("pk")[0]
    found = index.similar(f"{lesson.title}. {lesson.why}", limit=10)
    assert lesson.pk in {pk for pk, _ in found}


def test_pages_of_generated_data_render(generated, client):
    need = Need.objects.filter(visibility="visible").order_by("-support_count")[0]
    process = Process.objects.filter(state=Process.State.AWARDED).order_by("pk")[0]
    for url in ["/needs/", f"/needs/{need.pk}/", "/processes/", f"/processes/{process.pk}/"]:
        assert client.get(url).status_code == 200, url


def test_published_processes_make_valid_ocds(generated):
    from openbuy.demo.generate import publish_ocds
    from openbuy.opendata import packages, schema
    from openbuy.opendata.models import Record, Release

    _, released = publish_ocds()
    assert released == Release.objects.count() >= Process.objects.exclude(published_at=None).count()
    found = []
    for row in Release.objects.order_by("pk"):
        package = {**packages.metadata("https://example.org"), "releases": [row.data]}
        found += [f"{row.release_id}: {p}" for p in schema.problems(package, "release-package")]
    for record in Record.objects.order_by("pk"):
        package = {**packages.metadata("https://example.org"), "records": [packages.record(record)]}
        found += [f"{record.ocid}: {p}" for p in schema.problems(package, "record-package")]
    assert not found, "\n".join(found)


def test_publishing_shares_and_resumes(generated):
    """The bench publishes in two processes, one share each, and picks up after a stop: every
    published process once, none twice."""
    from openbuy.demo.generate import publish_ocds
    from openbuy.opendata.models import Record, Release

    published = set(Process.objects.exclude(published_at=None).values_list("pk", flat=True))
    _, first = publish_ocds(share=(0, 2), refresh_flags=False)
    halfway = set(Record.objects.values_list("process_id", flat=True))
    assert halfway == {pk for pk in published if pk % 2 == 0}
    _, second = publish_ocds(share=(1, 2), refresh_flags=False)
    assert set(Record.objects.values_list("process_id", flat=True)) == published
    assert first + second == Release.objects.count()
    assert publish_ocds()[1] == 0  # all done: a second run publishes nothing again
    assert Release.objects.count() == first + second


def test_it_refuses_a_database_that_has_needs(generated, capsys):
    with pytest.raises(AlreadyGeneratedError):
        generate(scale="small")
    with pytest.raises(CommandError, match="--force"):
        call_command("generate", "--scale", "small", "--no-progress")
    assert Need.objects.count() == SMALL.needs


def test_a_failure_while_generating_leaves_nothing_behind(monkeypatch):
    from openbuy.demo.generate import comments, pipeline

    def broken(ctx):
        raise ValueError("broken on purpose")

    monkeypatch.setattr(comments, "run", broken)
    with pytest.raises((pipeline.GenerationError, ValueError), match="broken on purpose"):
        generate(scale="small")
    assert not Need.objects.exists() and not Process.objects.exists()
    assert not Lesson.objects.exists()


def test_the_command_prints_rows_per_model_and_the_rate(capsys):
    call_command("generate", "--scale", "small", "--no-progress")
    out = capsys.readouterr().out
    assert "needs.Support" in out and "1,000" in out
    assert "Total" in out and "rows per second" in out


def test_the_planner_has_statistics_for_the_generated_tables(generated):
    """Without them PostgreSQL guessed two needs and planned the list as a nested loop."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'needs_need'")
            assert cursor.fetchone()[0] > 0
        else:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'needs_need'")
            assert cursor.fetchone()[0] == SMALL.needs
