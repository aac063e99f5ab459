"""Specifications: what a buyer will ask for, co-written in the open.

A :class:`Specification` belongs to a buyer organisation and grows from adopted needs and ideas.
Its text lives only in :class:`SpecVersion` rows, each an immutable snapshot of every section
(heading, Markdown body and, per paragraph, the number of the version that introduced it).
Every change — the buyer's own edit, an accepted :class:`Suggestion`, a revert, an amendment
after publication — makes a new version, so every word can be traced to who proposed it and why
it was accepted.

drafting → frozen (one version is cut for publication) → published with a procurement process.
A frozen specification can be reopened for drafting; a published one changes only by amendment,
which makes a new version with a public change note.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from openbuy.accounts.models import Organisation
from openbuy.discussion.models import Visibility
from openbuy.needs.models import Idea, Need


class Specification(models.Model):
    class Status(models.TextChoices):
        DRAFTING = "drafting", "Drafting"
        FROZEN = "frozen", "Frozen for publication"
        PUBLISHED = "published", "Published"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="specifications"
    )
    title = models.CharField(max_length=150)
    summary = models.TextField(blank=True, help_text="One or two sentences on what this is for.")
    value_amount = models.DecimalField(
        "estimated value",
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="What the buyer expects to spend, if known. The lint checks turnover and "
        "insurance demands against it.",
    )
    currency = models.CharField(max_length=3, default="GBP")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFTING)
    needs = models.ManyToManyField(Need, related_name="specifications", blank=True)
    ideas = models.ManyToManyField(Idea, related_name="specifications", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="specifications"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # The newest version and its number, kept in the same transaction as each new version.
    version_count = models.PositiveIntegerField(default=0)
    current_version = models.ForeignKey(
        "SpecVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The version cut for publication (set on freezing, moved by each amendment).
    frozen_version = models.ForeignKey(
        "SpecVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    frozen_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["status", "-updated_at"], name="spec_status_updated")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="drafting") | Q(frozen_version__isnull=False),
                name="spec_frozen_has_version",
            ),
            models.CheckConstraint(
                condition=Q(value_amount__isnull=True) | Q(value_amount__gte=0),
                name="spec_value_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_drafting(self) -> bool:
        return self.status == self.Status.DRAFTING

    @property
    def latest(self) -> SpecVersion:
        """The current version (every specification has one from the moment it is created)."""
        if self.current_version is None:
            raise LookupError(f"Specification {self.pk} has no version yet")
        return self.current_version


class ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Specification versions never change; make a new version instead.")


class SpecVersion(models.Model):
    """One immutable snapshot of a whole specification.

    ``sections`` is a list of ``{"key", "heading", "body", "origins"}``: ``origins`` holds, for each
    paragraph of ``body``, the number of the version that introduced it (the provenance view).
    """

    class Kind(models.TextChoices):
        CREATED = "created", "Started"
        EDIT = "edit", "Edited by the buyer"
        SUGGESTION = "suggestion", "Suggestion accepted"
        STRUCTURE = "structure", "Sections changed"
        REVERT = "revert", "Reverted"
        AMENDMENT = "amendment", "Amended after publication"

    specification = models.ForeignKey(
        Specification, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    sections = models.JSONField(default=list)
    # Who the words are credited to (for an accepted suggestion, the person who suggested them)…
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="spec_versions"
    )
    # …and who made the version (the buyer who accepted, edited or reverted).
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    suggestion = models.ForeignKey(
        "Suggestion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reverted_to = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True, help_text="The public change note.")
    changed_sections = models.JSONField(default=list, help_text="Keys of the sections changed.")
    created_at = models.DateTimeField(default=timezone.now)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        ordering = ["specification", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["specification", "number"], name="one_version_number_per_spec"
            ),
            models.CheckConstraint(
                condition=~Q(kind="suggestion") | Q(suggestion__isnull=False),
                name="spec_version_suggestion_named",
            ),
            models.CheckConstraint(
                condition=~Q(kind="revert") | Q(reverted_to__isnull=False),
                name="spec_version_revert_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.specification} — version {self.number}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Specification versions never change; make a new version instead.")
        super().save(*args, **kwargs)

    def section(self, key: str) -> dict | None:
        for section in self.sections:
            if section["key"] == key:
                return section
        return None


class Suggestion(models.Model):
    """Someone's proposed new text for one section, against the version they read."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"

    specification = models.ForeignKey(
        Specification, on_delete=models.CASCADE, related_name="suggestions"
    )
    section_key = models.CharField(max_length=60)
    section_heading = models.CharField(max_length=150)
    base_version = models.ForeignKey(SpecVersion, on_delete=models.PROTECT, related_name="+")
    # The section's text in the base version, kept so the difference is shown without a join.
    base_text = models.TextField(blank=True)
    proposed_text = models.TextField(blank=True)
    reason = models.TextField(help_text="Why the change makes the specification better.")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="spec_suggestions"
    )
    on_behalf_of = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="spec_suggestions",
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.OPEN)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.VISIBLE
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    result_version = models.ForeignKey(
        SpecVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    # Set by readers: whether its section changed since its base (see selectors.is_outdated).
    outdated: bool = False

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["specification", "state"], name="suggestion_spec_state"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="rejected") | ~Q(decision_reason=""),
                name="suggestion_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(state="accepted") | Q(result_version__isnull=False),
                name="suggestion_accepted_has_version",
            ),
        ]

    def __str__(self) -> str:
        return f"Suggestion {self.pk} on “{self.section_heading}”"

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN


class Annotation(models.Model):
    """A comment on a passage of one section, anchored by its quote and where it was."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        WITHDRAWN = "withdrawn", "Withdrawn"

    specification = models.ForeignKey(
        Specification, on_delete=models.CASCADE, related_name="annotations"
    )
    version = models.ForeignKey(SpecVersion, on_delete=models.PROTECT, related_name="+")
    section_key = models.CharField(max_length=60)
    paragraph = models.PositiveIntegerField(help_text="Index of the paragraph in the section.")
    quote = models.TextField(help_text="The passage, as shown on the page.")
    start = models.PositiveIntegerField(help_text="Where the quote began in the paragraph.")
    prefix = models.CharField(max_length=64, blank=True)
    suffix = models.CharField(max_length=64, blank=True)
    body = models.TextField()
    body_html = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="spec_annotations"
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.OPEN)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.VISIBLE
    )
    created_at = models.DateTimeField(default=timezone.now)

    # Set by selectors.document: where the quote is in the current text, or None if it is gone.
    anchor: object | None = None

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["specification", "state"], name="annotation_spec_state"),
        ]

    def __str__(self) -> str:
        quote = self.quote if len(self.quote) <= 60 else self.quote[:57] + "…"
        return f"Comment on “{quote}”"
