"""Procurement processes: the buying itself, done in the open.

One :class:`Process` core serves three kinds — a challenge (a prize for the best answers), a
tender (one open competition, optionally in lots) and a staged competition (SBRI/PCP: feasibility
→ prototype → pilot). The kinds differ by the rules in :mod:`openbuy.processes.kinds`, not by
their own models.

Every process runs in one or more :class:`Phase` rounds. Each phase has its own enquiry period,
submission deadline and sealed submissions; phases after the first take only the suppliers
invited forward from the one before. What the public sees as the process's status is worked out
from the stored decision (``state``) and the current phase's dates by
:mod:`openbuy.processes.lifecycle`, so no timer has to flip it at midnight.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from openbuy.accounts.models import Organisation
from openbuy.needs.models import Area
from openbuy.specifications.models import Specification, SpecVersion


class Process(models.Model):
    class Kind(models.TextChoices):
        CHALLENGE = "challenge", "Challenge"
        TENDER = "tender", "Tender"
        STAGED = "staged", "Staged competition"

    class State(models.TextChoices):
        """The last decision taken; the dates of the current phase do the rest."""

        DRAFT = "draft", "Draft"
        LIVE = "live", "Published"
        EVALUATING = "evaluating", "In evaluation"
        AWARDED = "awarded", "Awarded"
        UNSUCCESSFUL = "unsuccessful", "Unsuccessful"
        CANCELLED = "cancelled", "Cancelled"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="processes"
    )
    specification = models.ForeignKey(
        Specification, on_delete=models.PROTECT, related_name="processes"
    )
    # The published specification version (moved on by each amendment).
    spec_version = models.ForeignKey(
        SpecVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=150)
    summary = models.TextField(blank=True)
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, null=True, blank=True, related_name="processes"
    )
    value_amount = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, default="GBP")
    how_to_enter = models.TextField(blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    current_phase = models.ForeignKey(
        "Phase", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    amendment_days = models.PositiveSmallIntegerField(default=5)
    question_days = models.PositiveSmallIntegerField(default=3)
    decision_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="processes"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name_plural = "processes"
        indexes = [
            models.Index(fields=["state", "-published_at"], name="process_state_published"),
            models.Index(fields=["kind", "state"], name="process_kind_state"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(value_amount__isnull=True) | Q(value_amount__gte=0),
                name="process_value_not_negative",
            ),
            # A draft cancelled before publication keeps no publication date, and stays hidden.
            models.CheckConstraint(
                condition=Q(state__in=["draft", "cancelled"]) | Q(published_at__isnull=False),
                name="process_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_draft(self) -> bool:
        return self.state == self.State.DRAFT

    @property
    def phase(self) -> Phase:
        """The current phase (every process has one from the moment it is created)."""
        if self.current_phase is None:
            raise LookupError(f"Process {self.pk} has no current phase")
        return self.current_phase


class Phase(models.Model):
    """One round of a process: a tender has one, a challenge or staged competition several."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="phases")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=150)
    description = models.TextField(blank=True)
    budget_amount = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    take_forward = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="How many suppliers this phase will take forward."
    )
    success_criteria = models.TextField(blank=True)
    kill_criteria = models.TextField(blank=True)
    enquiry_end = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField(null=True, blank=True)
    evaluation_date = models.DateField(null=True, blank=True)
    decision_date = models.DateField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["process", "number"]
        constraints = [
            models.UniqueConstraint(fields=["process", "number"], name="phase_number_unique"),
            models.CheckConstraint(
                condition=Q(enquiry_end__isnull=True)
                | Q(deadline__isnull=True)
                | Q(enquiry_end__lte=models.F("deadline")),
                name="phase_enquiries_end_before_deadline",
            ),
        ]

    def __str__(self) -> str:
        return f"Phase {self.number}: {self.title}"

    @property
    def is_opened(self) -> bool:
        return self.opened_at is not None

    @property
    def due(self) -> datetime:
        """The deadline of a phase that has one (every phase of a published process does)."""
        if self.deadline is None:
            raise LookupError(f"Phase {self.pk} has no deadline")
        return self.deadline

    @property
    def enquiries_due(self) -> datetime:
        if self.enquiry_end is None:
            raise LookupError(f"Phase {self.pk} has no enquiry end")
        return self.enquiry_end


class Lot(models.Model):
    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="lots")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=150)
    description = models.TextField(blank=True)
    value_amount = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["process", "number"]
        constraints = [
            models.UniqueConstraint(fields=["process", "number"], name="lot_number_unique")
        ]

    def __str__(self) -> str:
        return f"Lot {self.number}: {self.title}"


class Criterion(models.Model):
    class Kind(models.TextChoices):
        PRICE = "price", "Price"
        QUALITY = "quality", "Quality"
        SOCIAL_VALUE = "social_value", "Social value"

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="criteria")
    number = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=150)
    description = models.TextField(blank=True)
    weight = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["process", "number"]
        verbose_name_plural = "criteria"
        constraints = [
            models.UniqueConstraint(fields=["process", "number"], name="criterion_number_unique"),
            models.CheckConstraint(
                condition=Q(weight__gte=1, weight__lte=100), name="criterion_weight_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.weight}%)"


class ProcessEvent(models.Model):
    """The public timeline: every decision and change to a process, in order."""

    class Kind(models.TextChoices):
        CREATED = "created", "Drafted"
        PUBLISHED = "published", "Published"
        AMENDED = "amended", "Specification amended"
        CRITERIA_AMENDED = "criteria_amended", "Criteria amended"
        DEADLINE_EXTENDED = "deadline_extended", "Deadline extended"
        ANSWERED = "answered", "Question answered"
        OPENED = "opened", "Submissions opened"
        INVITED = "invited", "Suppliers invited forward"
        REPLANNED = "replanned", "Phase replanned"
        GATE = "gate", "Stage gate decided"
        NEXT_PHASE = "next_phase", "Next phase started"
        UNSUCCESSFUL = "unsuccessful", "Closed without an award"
        CANCELLED = "cancelled", "Cancelled"
        AWARDED = "awarded", "Awarded"

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    summary = models.CharField(max_length=500)
    note = models.TextField(blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["process", "at", "id"]
        indexes = [models.Index(fields=["process", "at"], name="process_event_at")]

    def __str__(self) -> str:
        return self.summary


class Question(models.Model):
    """A clarification question. Who asked is never shown: not to the public, other suppliers or
    the buyer. The answer is published to everyone at once."""

    class State(models.TextChoices):
        OPEN = "open", "Awaiting an answer"
        ANSWERED = "answered", "Answered"
        WITHDRAWN = "withdrawn", "Withdrawn"

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="questions")
    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="questions")
    asker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    asked_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=20, choices=State.choices, default=State.OPEN)
    answer = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["process", "asked_at", "id"]
        indexes = [models.Index(fields=["process", "state"], name="question_process_state")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="answered") | Q(answered_at__isnull=False),
                name="question_answered_has_date",
            )
        ]

    def __str__(self) -> str:
        return f"Question {self.pk}"


def public_id() -> str:
    """A random reference for what must not be counted: sequential ids in a supplier's own
    links would tell it how many others submitted in between."""
    return secrets.token_hex(16)


class Submission(models.Model):
    """A supplier organisation's answer to one phase (and lot). Sealed until opened.

    ``sealed`` holds the content — answers per criterion, price, file list — encrypted with the
    process's key (see :mod:`openbuy.processes.sealing`); nothing readable about it is stored in
    the row. ``opened`` is filled only when the buyer opens the phase after its deadline.
    """

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        WITHDRAWN = "withdrawn", "Withdrawn"

    public_id = models.CharField(max_length=32, unique=True, default=public_id, editable=False)
    phase = models.ForeignKey(Phase, on_delete=models.PROTECT, related_name="submissions")
    lot = models.ForeignKey(
        Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="submissions"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="submissions"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    sealed = models.BinaryField()
    receipt = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    opened = models.JSONField(null=True, blank=True)
    verified = models.BooleanField(null=True)

    class Meta:
        ordering = ["phase", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["phase", "organisation"],
                condition=Q(lot__isnull=True),
                name="submission_one_per_phase",
            ),
            models.UniqueConstraint(
                fields=["phase", "lot", "organisation"],
                condition=Q(lot__isnull=False),
                name="submission_one_per_lot",
            ),
        ]

    def __str__(self) -> str:
        return f"Submission {self.pk}"


class SubmissionFile(models.Model):
    """An attachment, encrypted like the rest of the submission (name and content)."""

    public_id = models.CharField(max_length=32, unique=True, default=public_id, editable=False)
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="files")
    sealed = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"File {self.pk}"


class Receipt(models.Model):
    """Every receipt a submission was given: the SHA-256 of its canonical sealed content.

    After opening they are public, so a supplier can check that what was opened is what it sent.
    """

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="receipts")
    sha256 = models.CharField(max_length=64, db_index=True)
    issued_at = models.DateTimeField(default=timezone.now)
    withdrawn = models.BooleanField(default=False)

    class Meta:
        ordering = ["submission", "issued_at", "id"]

    def __str__(self) -> str:
        return self.sha256


class Invitation(models.Model):
    """An invitation to a later phase, for a supplier taken forward from the phase before."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for the supplier"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        REVOKED = "revoked", "Revoked"

    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="invitations")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="invitations"
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["phase", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["phase", "organisation"], name="invitation_one_per_phase"
            )
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.organisation} to {self.phase}"
