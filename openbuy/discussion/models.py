"""Threaded comments on any registered public object, with their edit history."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone


class Visibility(models.TextChoices):
    """Whether something people wrote is shown. Shared by every moderatable model."""

    VISIBLE = "visible", "Visible"
    HELD = "held", "Held for review"
    HIDDEN = "hidden", "Hidden by a moderator"


class Comment(models.Model):
    class Stance(models.TextChoices):
        NONE = "", "No stance"
        FOR = "for", "For"
        AGAINST = "against", "Against"
        QUESTION = "question", "Question"

    Status = Visibility

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments"
    )
    # Frontline staff of the buyer the target is addressed to, when they wrote it.
    is_frontline = models.BooleanField(default=False)
    stance = models.CharField(max_length=10, choices=Stance.choices, blank=True, default="")
    body = models.TextField(help_text="Markdown, as written.")
    body_html = models.TextField(help_text="The body rendered and sanitised.")
    status = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.VISIBLE)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "created_at"], name="comment_target")
        ]

    def __str__(self) -> str:
        return f"Comment {self.pk} by {self.author}"


class CommentRevision(models.Model):
    """The text a comment had before an edit. Kept for ever, shown to everyone."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    stance = models.CharField(max_length=10, blank=True)
    written_at = models.DateTimeField(help_text="When this version was written.")
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["written_at", "id"]

    def __str__(self) -> str:
        return f"Earlier version of comment {self.comment_id}"


class Report(models.Model):
    """Someone's report that a need, idea or comment breaks the rules."""

    class Reason(models.TextChoices):
        SPAM = "spam", "Spam or advertising"
        ABUSE = "abuse", "Abusive, hateful or threatening"
        PERSONAL = "personal", "Shares someone's personal information"
        OFF_TOPIC = "off_topic", "Not about public buying"
        OTHER = "other", "Something else"

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_made"
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "reporter"], name="one_report_per_person"
            )
        ]
        indexes = [
            models.Index(fields=["resolved_at", "content_type", "object_id"], name="report_open")
        ]

    def __str__(self) -> str:
        return f"Report by {self.reporter} ({self.get_reason_display()})"


class Follow(models.Model):
    """Someone wants to hear about something: a need, an idea, an organisation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "content_type", "object_id"], name="one_follow_per_person"
            )
        ]
        indexes = [models.Index(fields=["content_type", "object_id"], name="follow_target")]

    def __str__(self) -> str:
        return f"{self.user} follows {self.content_type.model} {self.object_id}"


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    message = models.CharField(max_length=300)
    url = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # When it went out by email (immediately or in a digest); null until then.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_user_newest"),
            models.Index(fields=["emailed_at", "user"], name="notification_to_email"),
        ]

    def __str__(self) -> str:
        return self.message
