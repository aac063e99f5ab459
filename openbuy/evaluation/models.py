"""Evaluation: a panel scores the opened submissions of a phase against the published criteria.

An :class:`Evaluator` sits on a process's panel. Before seeing any submission they declare, for
it, whether they have a conflict of interest (:class:`Declaration`); a declared conflict takes
them off that submission, and every declaration is part of the record. Each evaluator gives each
non-price criterion a :class:`Score` on the published scale with a written justification; price
is scored by formula from the opened prices. Where evaluators disagree by more than the allowed
range, a :class:`Moderation` records the agreed score and why. Quality and social-value criteria
are scored blind unless the buyer turns blinding off for a criterion, with a reason
(:class:`Unblinding`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from openbuy.processes.models import Criterion, Process, Submission


class Evaluator(models.Model):
    class Kind(models.TextChoices):
        STAFF = "staff", "Staff of the buying organisation"
        EXPERT = "expert", "Invited expert"

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="evaluators")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="evaluations"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["process", "added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["process", "user"], name="evaluator_once_per_panel")
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.process}"


class Declaration(models.Model):
    """An evaluator's conflict-of-interest declaration for one submission (kept for good)."""

    evaluator = models.ForeignKey(Evaluator, on_delete=models.CASCADE, related_name="declarations")
    submission = models.ForeignKey(
        Submission, on_delete=models.PROTECT, related_name="declarations"
    )
    has_conflict = models.BooleanField()
    details = models.TextField(blank=True)
    declared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["evaluator", "declared_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluator", "submission"], name="declaration_once_per_submission"
            ),
            models.CheckConstraint(
                condition=Q(has_conflict=False) | ~Q(details=""),
                name="declaration_conflict_explained",
            ),
        ]

    def __str__(self) -> str:
        return f"Declaration {self.pk}"


class Score(models.Model):
    evaluator = models.ForeignKey(Evaluator, on_delete=models.CASCADE, related_name="scores")
    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="scores")
    score = models.DecimalField(max_digits=5, decimal_places=2)
    justification = models.TextField()
    scored_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["submission", "criterion", "evaluator"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluator", "submission", "criterion"], name="score_once_per_criterion"
            ),
            models.CheckConstraint(condition=Q(score__gte=0), name="score_not_negative"),
        ]

    def __str__(self) -> str:
        return f"Score {self.pk}"


class Moderation(models.Model):
    """The score the panel agreed for one criterion of one submission, and why."""

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="moderations")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="moderations")
    score = models.DecimalField(max_digits=5, decimal_places=2)
    reason = models.TextField()
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    moderated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "criterion"], name="moderation_once_per_criterion"
            )
        ]

    def __str__(self) -> str:
        return f"Moderation {self.pk}"


class Unblinding(models.Model):
    """Blinding turned off for one criterion, with the reason on the record."""

    criterion = models.OneToOneField(Criterion, on_delete=models.CASCADE, related_name="unblinding")
    reason = models.TextField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Blinding off for {self.criterion}"


class Award(models.Model):
    """The award decision: the winning submission, why, and when the standstill ends.

    One per process (per lot when the tender has lots), enforced by the database, so two buyers
    pressing "Award" at once make exactly one award.
    """

    process = models.ForeignKey(Process, on_delete=models.PROTECT, related_name="awards")
    submission = models.OneToOneField(Submission, on_delete=models.PROTECT, related_name="award")
    lot = models.ForeignKey(
        "processes.Lot", on_delete=models.PROTECT, null=True, blank=True, related_name="awards"
    )
    value_amount = models.DecimalField(max_digits=16, decimal_places=2)
    currency = models.CharField(max_length=3)
    rationale = models.TextField()
    below_top_reason = models.TextField(
        blank=True, help_text="Why the award does not go to the highest score (published)."
    )
    total = models.DecimalField(max_digits=6, decimal_places=2)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)
    standstill_ends = models.DateTimeField()

    class Meta:
        ordering = ["process", "lot", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["process"], condition=Q(lot__isnull=True), name="award_one_per_process"
            ),
            models.UniqueConstraint(
                fields=["process", "lot"], condition=Q(lot__isnull=False), name="award_one_per_lot"
            ),
        ]

    def __str__(self) -> str:
        return f"Award of {self.process}"


class GateDecision(models.Model):
    """At a staged competition's stage gate: continue or stop, per supplier, with the reason
    judged against the phase's published success and kill criteria. Stopping is a normal,
    public outcome."""

    class Decision(models.TextChoices):
        CONTINUE = "continue", "Continue to the next phase"
        STOP = "stop", "Stop"

    phase = models.ForeignKey(
        "processes.Phase", on_delete=models.PROTECT, related_name="gate_decisions"
    )
    submission = models.OneToOneField(
        Submission, on_delete=models.PROTECT, related_name="gate_decision"
    )
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reason = models.TextField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["phase", "decision", "id"]

    def __str__(self) -> str:
        return f"{self.get_decision_display()}: {self.submission.organisation}"


class Rating(models.Model):
    """A bidder rates the buyer after the award: how clear the specification was, how useful
    the answers to questions, the debrief, and the time to a decision (1 to 5 each)."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="ratings")
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="ratings_given"
    )
    clarity = models.PositiveSmallIntegerField()
    answers = models.PositiveSmallIntegerField()
    debrief = models.PositiveSmallIntegerField()
    timeliness = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    rated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-rated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["process", "organisation"], name="rating_once_per_bidder"
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{field}__gte": 1, f"{field}__lte": 5}),
                    name=f"rating_{field}_1_to_5",
                )
                for field in ("clarity", "answers", "debrief", "timeliness")
            ],
        ]

    def __str__(self) -> str:
        return f"Rating of {self.process} by {self.organisation}"


class Prize(models.Model):
    """A challenge's prize: the winners (several, by place) and what each receives. The
    judges' rubric scores stay with them, public from the moment the prizes are."""

    process = models.ForeignKey(Process, on_delete=models.PROTECT, related_name="prizes")
    submission = models.OneToOneField(Submission, on_delete=models.PROTECT, related_name="prize")
    place = models.PositiveSmallIntegerField()
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    currency = models.CharField(max_length=3)
    reason = models.TextField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["process", "place", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="prize_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"Prize {self.place} of {self.process}"
