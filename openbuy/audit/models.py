"""The append-only, hash-chained audit log.

Each event carries the SHA-256 hash of the one before it and its own hash over its content, so
changing, removing or reordering any event breaks the chain from that point on;
``openbuy audit verify`` finds the first broken link. Rows are never updated or deleted: the model
refuses to, and database triggers (see the migrations) refuse ordinary UPDATEs too.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

GENESIS_HASH = "0" * 64


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an audit event."""


class AuditEventQuerySet(models.QuerySet):
    def public(self) -> AuditEventQuerySet:
        return self.filter(is_public=True)

    def bulk_create(self, *args, **kwargs):
        raise AppendOnlyError("Audit events are written one at a time, by audit.record()")

    def update(self, **kwargs):
        raise AppendOnlyError("Audit events cannot be changed")

    def delete(self):
        raise AppendOnlyError("Audit events cannot be deleted")


class AuditEvent(models.Model):
    occurred_at = models.DateTimeField(default=timezone.now)
    # Kept as a plain id (no database constraint, nothing cascades): the event outlives the account.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(max_length=300, blank=True)
    organisation_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    summary = models.CharField(max_length=500)
    changes = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    is_public = models.BooleanField(default=True)
    prev_hash = models.CharField(max_length=64, unique=True)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["is_public", "-id"], name="audit_public_newest")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action}: {self.summary}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("Audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events cannot be deleted")

    def content(self) -> dict:
        """Everything the hash covers, as JSON-safe values."""
        return {
            "occurred_at": self.occurred_at.astimezone(UTC).isoformat(),
            "actor_id": self.actor_id,
            "actor_label": self.actor_label,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_label": self.object_label,
            "organisation_id": self.organisation_id,
            "summary": self.summary,
            "changes": self.changes,
            "is_public": self.is_public,
            "prev_hash": self.prev_hash,
        }

    def compute_hash(self) -> str:
        canonical = json.dumps(
            self.content(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
