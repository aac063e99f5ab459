"""Needs: problems raised by the people who live with them, supported by others, answered by the
buyer in public.

A need moves open → under consideration → adopted | declined | duplicate | solved; every move is
kept as a :class:`NeedAnswer`, shown on the need's page. Supports are one per person per need
(a database constraint); the counts on :class:`Need` are kept exact in the same transaction as
each support, so lists can sort by them without counting.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from openbuy.accounts.models import Organisation
from openbuy.discussion.models import Visibility


class Area(models.Model):
    """A subject area for needs: the top-level CPV divisions to start with, editable by admins."""

    code = models.CharField(max_length=20, unique=True, help_text="e.g. CPV 85000000-9")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class NeedsPolicy(models.Model):
    """How a buyer organisation handles the needs addressed to it."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="needs_policy"
    )
    support_threshold = models.PositiveIntegerField(
        default=25,
        help_text="A need with this many supports must get a public answer.",
    )
    answer_within_days = models.PositiveIntegerField(
        default=30, help_text="Days the organisation has to answer once the threshold is reached."
    )
    vote_budget = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="How many of this organisation's open needs one person may support at once; "
        "empty for no limit. Supports come back when a need is answered and closed.",
    )

    class Meta:
        verbose_name_plural = "needs policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(support_threshold__gte=1), name="needs_policy_threshold_positive"
            ),
            models.CheckConstraint(
                condition=Q(answer_within_days__gte=1), name="needs_policy_days_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"Needs policy of {self.organisation}"


class Supportable(models.Model):
    """What needs and ideas share: supports counted on the row, a hot score, moderation."""

    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.VISIBLE
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Kept exact by the support services, in the support's own transaction (see ADR 010).
    support_count = models.PositiveIntegerField(default=0)
    frontline_support_count = models.PositiveIntegerField(default=0)
    hot_score = models.FloatField(default=0.0)

    class Meta:
        abstract = True

    @property
    def resident_support_count(self) -> int:
        return self.support_count - self.frontline_support_count


class Need(Supportable):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CONSIDERING = "considering", "Under consideration"
        ADOPTED = "adopted", "Adopted"
        DECLINED = "declined", "Declined"
        DUPLICATE = "duplicate", "Duplicate"
        SOLVED = "solved", "Already solved"

    OPEN_STATUSES = (Status.OPEN, Status.CONSIDERING)
    CLOSED_STATUSES = (Status.ADOPTED, Status.DECLINED, Status.DUPLICATE, Status.SOLVED)

    title = models.CharField(max_length=150)
    description = models.TextField(help_text="The problem, in plain English: not a solution.")
    affects = models.CharField(
        "who it affects", max_length=300, help_text="For example: wheelchair users in the town"
    )
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="needs")
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="needs",
        limit_choices_to={"kind": Organisation.Kind.BUYER},
        help_text="The buyer the need is addressed to, if any.",
    )
    place = models.CharField(max_length=200, blank=True)
    evidence = models.TextField(
        blank=True, help_text="Links to evidence, one per line (reports, photos, data)."
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="needs"
    )
    author_is_frontline = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    # Set when supports first reach the organisation's threshold; the answer is due then + days.
    threshold_reached_at = models.DateTimeField(null=True, blank=True)
    answer_due_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates"
    )
    outcome_url = models.URLField(
        blank=True, help_text="Where the adoption or the existing solution can be seen."
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "-hot_score"], name="need_status_hot"),
            models.Index(fields=["status", "-support_count"], name="need_status_supports"),
            models.Index(fields=["status", "-created_at"], name="need_status_newest"),
            models.Index(fields=["answer_due_at"], name="need_answer_due"),
            # The default lists filter on nothing but visibility: these serve their sorts.
            models.Index(fields=["-hot_score", "-id"], name="need_hot"),
            models.Index(fields=["-support_count", "-id"], name="need_supported"),
            models.Index(fields=["-created_at", "-id"], name="need_newest"),
            # What the lists' counts and the random order read of the visible needs, so that
            # PostgreSQL answers them from the index alone (SQLite ignores INCLUDE).
            models.Index(
                fields=["id"],
                include=["author", "status", "area", "organisation"],
                condition=Q(visibility="visible"),
                name="need_listed",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="duplicate") | Q(duplicate_of__isnull=False),
                name="need_duplicate_names_original",
            ),
            models.CheckConstraint(
                condition=Q(frontline_support_count__lte=models.F("support_count")),
                name="need_frontline_within_supports",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def is_overdue(self, now) -> bool:
        due = self.answer_due_at
        return self.answered_at is None and due is not None and now > due


class Support(models.Model):
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="need_supports"
    )
    # Frontline staff of the buyer the need is addressed to, at the moment of supporting.
    is_frontline = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["need", "user"], name="one_support_per_user_per_need")
        ]

    def __str__(self) -> str:
        return f"{self.user} supports {self.need}"


class NeedAnswer(models.Model):
    """One public status change of a need, with the buyer's reason. Never edited."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="answers")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="need_answers"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="need_answers"
    )
    from_status = models.CharField(max_length=20, choices=Need.Status.choices)
    to_status = models.CharField(max_length=20, choices=Need.Status.choices)
    reason = models.TextField()
    link_url = models.URLField(blank=True)
    duplicate_of = models.ForeignKey(
        Need, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.need}: {self.get_from_status_display()} → {self.get_to_status_display()}"


class Idea(Supportable):
    """A proposed answer: to a need, or to a problem nobody has raised yet."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ADOPTED = "adopted", "Adopted"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class CostBand(models.TextChoices):
        UNKNOWN = "unknown", "Not known yet"
        UNDER_10K = "under_10k", "Under 10,000"
        UNDER_100K = "10k_100k", "10,000 to 100,000"
        UNDER_1M = "100k_1m", "100,000 to 1 million"
        OVER_1M = "over_1m", "Over 1 million"

    title = models.CharField(max_length=150)
    description = models.TextField()
    need = models.ForeignKey(
        Need, on_delete=models.PROTECT, null=True, blank=True, related_name="ideas"
    )
    cost_band = models.CharField(
        "expected cost", max_length=20, choices=CostBand.choices, default=CostBand.UNKNOWN
    )
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ideas"
    )
    on_behalf_of = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ideas",
        help_text="The supplier or social enterprise the proposer speaks for, if any.",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    adopted_by = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adopted_ideas",
    )
    adopted_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "-hot_score"], name="idea_status_hot"),
            models.Index(fields=["status", "-support_count"], name="idea_status_supports"),
            models.Index(fields=["status", "-created_at"], name="idea_status_newest"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="adopted") | Q(adopted_by__isnull=False),
                name="idea_adopted_names_adopter",
            ),
            models.CheckConstraint(
                condition=Q(frontline_support_count__lte=models.F("support_count")),
                name="idea_frontline_within_supports",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class IdeaSupport(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idea_supports"
    )
    is_frontline = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["idea", "user"], name="one_support_per_user_per_idea")
        ]

    def __str__(self) -> str:
        return f"{self.user} supports {self.idea}"


class RankingRound(models.Model):
    """A buyer asks "which matters more?" over a set of its needs, one pair at a time."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="ranking_rounds"
    )
    title = models.CharField(max_length=150)
    question = models.CharField(max_length=200, default="Which of these matters more?")
    needs = models.ManyToManyField(Need, related_name="ranking_rounds")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class Comparison(models.Model):
    """One answer to one pair. The pair is stored low id first; ``winner`` is null for
    "can't decide"."""

    round = models.ForeignKey(RankingRound, on_delete=models.CASCADE, related_name="comparisons")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comparisons"
    )
    first = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="+")
    winner = models.ForeignKey(Need, on_delete=models.CASCADE, null=True, related_name="+")
    is_frontline = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "user", "first", "second"], name="one_answer_per_pair"
            ),
            models.CheckConstraint(
                condition=Q(first__lt=models.F("second")), name="comparison_pair_ordered"
            ),
            models.CheckConstraint(
                condition=Q(winner__isnull=True)
                | Q(winner=models.F("first"))
                | Q(winner=models.F("second")),
                name="comparison_winner_in_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} compared {self.first_id} and {self.second_id}"


def _attachment_path(instance, filename: str) -> str:
    # The stored name is random; the name people see is kept in original_name.
    import secrets

    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"needs/{instance.need_id}/{secrets.token_hex(12)}.{suffix}"


class Attachment(models.Model):
    """A file of evidence for a need: a report, a photo, a spreadsheet."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.original_name
