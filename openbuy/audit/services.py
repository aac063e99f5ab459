"""Writing to and checking the audit log. Every change in openbuy calls :func:`record`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import Model

from openbuy import clock
from openbuy.audit.models import GENESIS_HASH, AuditEvent

# Any number, the same in every process: the PostgreSQL advisory lock that orders the chain.
_CHAIN_LOCK_KEY = 7_326_101


def _json_safe(value: Any) -> Any:
    """Round-trip through JSON so that what is hashed is exactly what the database gives back."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _label(user) -> str:
    """How the log names the actor: their public name, never their email address."""
    if user is None:
        return "openbuy"
    return (getattr(user, "name", "") or f"Account {user.pk}")[:200]


def _lock_chain() -> None:
    # SQLite takes its one write lock at BEGIN (transaction_mode IMMEDIATE), which already puts
    # writers in a queue. PostgreSQL needs an explicit lock, held until the transaction ends.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])


def record(
    *,
    actor,
    action: str,
    summary: str,
    obj: Model | None = None,
    organisation_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
    public: bool = True,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction.

    ``actor`` is a user or ``None`` (the system). ``before``/``after`` summarise what changed;
    keep them free of secrets. ``public`` events appear on the activity page.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("audit.record() must run inside the transaction that makes the change")
    _lock_chain()
    head = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    changes = {}
    if before is not None:
        changes["before"] = before
    if after is not None:
        changes["after"] = after
    actor_user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    event = AuditEvent(
        occurred_at=clock.now(),
        actor=actor_user,
        actor_label=_label(actor_user),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_label=str(obj)[:300] if obj is not None else "",
        organisation_id=organisation_id,
        summary=summary[:500],
        changes=_json_safe(changes),
        is_public=public,
        prev_hash=head or GENESIS_HASH,
    )
    event.hash = event.compute_hash()
    event.save()
    return event


@dataclass(frozen=True)
class ChainReport:
    checked: int
    head: str
    broken_at: AuditEvent | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain(*, chunk_size: int = 2000) -> ChainReport:
    """Recompute every hash, oldest first, and return the first broken link (if any)."""
    expected_prev = GENESIS_HASH
    checked = 0
    events = AuditEvent.objects.order_by("id").iterator(chunk_size=chunk_size)
    for event in events:
        if event.prev_hash != expected_prev:
            return ChainReport(
                checked,
                expected_prev,
                event,
                "its previous hash does not match the event before it "
                "(an event was removed, inserted or reordered)",
            )
        if event.compute_hash() != event.hash:
            return ChainReport(
                checked, expected_prev, event, "its content no longer matches its hash"
            )
        expected_prev = event.hash
        checked += 1
    return ChainReport(checked, expected_prev)
