"""The lessons register: what went wrong, why, and what to do differently — so that no mistake
is made twice.

A :class:`Lesson` is written by hand, captured where a failure happens (a stop at a stage gate,
a cancelled or unsuccessful process, a terminated contract, a milestone missed by more than the
allowed margin), or imported from a council's spreadsheet. Each failure that had to be faced
leaves a :class:`Capture`: its lesson, or the public reason why there is none. Lessons link to
what they are about by a generic reference, so this app never imports the apps that use it.

Before a specification is frozen or a process opened, the most similar lessons are shown and
each must be acknowledged (:class:`Acknowledgement`). A buyer may remove the names of
individuals from a lesson; each removal is recorded (:class:`Redaction`). The similarity index
is built off the request path and kept in :class:`SimilarityIndex`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone

from openbuy.accounts.models import Organisation


class Stage(models.TextChoices):
    NEED = "need", "Need"
    SPECIFICATION = "specification", "Specification"
    COMPETITION = "competition", "Competition"
    EVALUATION = "evaluation", "Evaluation"
    DELIVERY = "delivery", "Delivery"


class Lesson(models.Model):
    class Source(models.TextChoices):
        WRITTEN = "written", "Written"
        CAPTURED = "captured", "Captured where the failure happened"
        IMPORTED = "imported", "Imported from a register"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft: being checked for names before publication"
        PUBLISHED = "published", "Published"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="lessons"
    )
    attributed_to = models.CharField(
        max_length=200,
        blank=True,
        help_text="For an imported lesson: the organisation the register names, when it has no "
        "account here.",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lessons",
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WRITTEN)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    title = models.CharField(max_length=200)
    tried = models.TextField("What we tried")
    happened = models.TextField("What happened")
    why = models.TextField("Why (the root cause)")
    do_differently = models.TextField("What to do differently")
    cost_amount = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    cost_currency = models.CharField(max_length=3, blank=True)
    area = models.ForeignKey(
        "needs.Area",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="lessons",
        help_text="The subject area: a CPV division.",
    )
    stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    tags = models.CharField(max_length=300, blank=True, help_text="Other words, comma-separated")
    # What the lesson is about: a process, a phase, a contract, a specification …
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    about = GenericForeignKey("content_type", "object_id")
    about_label = models.CharField(max_length=300, blank=True)
    about_url = models.CharField(max_length=300, blank=True)
    import_key = models.CharField(
        max_length=64,
        blank=True,
        help_text="For an imported lesson: a digest of its row, so importing again adds nothing.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="lesson_published"),
            models.Index(fields=["content_type", "object_id"], name="lesson_about"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(cost_amount__isnull=True) | ~Q(cost_currency=""),
                name="lesson_cost_has_currency",
            ),
            models.CheckConstraint(
                condition=Q(cost_amount__isnull=True) | Q(cost_amount__gte=0),
                name="lesson_cost_not_negative",
            ),
            models.UniqueConstraint(
                fields=["import_key"], condition=~Q(import_key=""), name="lesson_imported_once"
            ),
        ]

    def __str__(self) -> str:
        # Not the title: this is what the audit log names, and a title may hold a name that is
        # removed later (the log cannot change).
        return f"Lesson {self.pk}"

    @property
    def by(self) -> str:
        """Who the lesson is attributed to."""
        if self.organisation is not None:
            return self.organisation.name
        return self.attributed_to or "An unnamed organisation"

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.split(",") if t.strip()]


class Capture(models.Model):
    """A failure that had to be faced, with its lesson or the public reason there is none."""

    class Kind(models.TextChoices):
        GATE_STOP = "gate_stop", "Stopped at a stage gate"
        CANCELLED = "cancelled", "Process cancelled"
        UNSUCCESSFUL = "unsuccessful", "Process ended without an award"
        TERMINATED = "terminated", "Contract terminated"
        MILESTONE_MISSED = "milestone_missed", "Milestone missed"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    about = GenericForeignKey("content_type", "object_id")
    label = models.CharField(max_length=300)
    url = models.CharField(max_length=300)
    lesson = models.ForeignKey(
        Lesson, on_delete=models.PROTECT, null=True, blank=True, related_name="captures"
    )
    no_lesson_reason = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(lesson__isnull=False) & Q(no_lesson_reason=""))
                | (Q(lesson__isnull=True) & ~Q(no_lesson_reason="")),
                name="capture_lesson_or_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.label}"


class Acknowledgement(models.Model):
    """At the lessons gate: a lesson shown before freezing a specification or opening a
    process, and how the buyer answered it — addressed (how) or not relevant (why)."""

    class Verdict(models.TextChoices):
        ADDRESSED = "addressed", "Addressed"
        NOT_RELEVANT = "not-relevant", "Not relevant"

    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="acknowledgements")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    verdict = models.CharField(max_length=20, choices=Verdict.choices)
    text = models.TextField()
    score = models.FloatField(help_text="How similar the lesson was when it was shown")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-score", "id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="ack_target")]

    def __str__(self) -> str:
        return f"{self.get_verdict_display()}: {self.lesson}"


class Redaction(models.Model):
    """The names of individuals removed from a lesson: how many passages, why, by whom. The
    removed words themselves are not kept."""

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="redactions")
    passages = models.PositiveIntegerField()
    reason = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"Redaction of {self.lesson}"


class SimilarityIndex(models.Model):
    """The built similarity index over published lessons (one row per engine), rebuilt off the
    request path whenever a lesson changes, and by ``openbuy lessons reindex``."""

    engine = models.CharField(max_length=20, unique=True)
    data = models.BinaryField()
    lessons = models.PositiveIntegerField()
    built_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveBigIntegerField(default=0)
    phrases = models.JSONField(
        default=list, help_text="The most repeated root-cause phrases: [[phrase, lessons, orgs]]"
    )

    def __str__(self) -> str:
        return f"{self.engine} index of {self.lessons} lessons"
