"""Reports, holds, moderators' decisions, blocks, spam checks and posting limits.

Content is held (shown only to its author and to moderators) when enough people report it or
when the spam check finds it suspicious; a moderator then restores or hides it. Every decision
is audited and public in the activity log, without the reporters' names.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model

from openbuy import clock
from openbuy.accounts.models import User
from openbuy.audit import services as audit
from openbuy.discussion import registry
from openbuy.discussion.models import Report, Visibility

# Phrases that, next to a link, mark the classic "helpful" spam comment.
_SPAM_PHRASES = re.compile(
    r"\b(tips on buying|buy (?:now|cheap)|best price|discount code|promo code|casino|betting|"
    r"crypto|forex|payday loan|viagra|essay writing|seo services|click here|"
    r"helped (?:me )?with (?:some )?tips)\b",
    re.IGNORECASE,
)
_LINK = re.compile(r"https?://|www\.", re.IGNORECASE)
NEW_ACCOUNT = timedelta(days=7)
LIMITS = {
    # (how many, within) per person, for each kind of post
    "comment": (10, timedelta(minutes=10)),
    "need": (5, timedelta(hours=1)),
    "idea": (5, timedelta(hours=1)),
    "suggestion": (10, timedelta(hours=1)),
    "annotation": (10, timedelta(minutes=10)),
    "report": (20, timedelta(hours=1)),
    # A question left unanswered moves a process's deadline on: no flooding the buyer with them.
    "question": (10, timedelta(minutes=10)),
}


def reports_to_hold() -> int:
    return settings.REPORTS_TO_HOLD


def looks_like_spam(author: User, text: str) -> bool:
    """True for text a person should look at before it is published."""
    links = len(_LINK.findall(text or ""))
    if not links:
        return False
    if _SPAM_PHRASES.search(text):
        return True
    is_new = author.date_joined > clock.now() - NEW_ACCOUNT
    return is_new and links >= 3


def check_rate(author: User, kind: str, recent_count: int) -> None:
    """Refuse a post when ``author`` already made ``recent_count`` of this kind lately."""
    limit, window = LIMITS[kind]
    if recent_count >= limit:
        minutes = int(window.total_seconds() // 60)
        raise ValidationError(
            f"You have posted {recent_count} times in the last {minutes} minutes, the most "
            f"allowed. Please wait a little and try again."
        )


def since(kind: str):
    return clock.now() - LIMITS[kind][1]


def withheld_from(viewer, author: User, visibility: str) -> bool:
    """Whether ``viewer`` is kept from seeing something (its author and moderators never are)."""
    if visibility == Visibility.VISIBLE and author.blocked_at is None:
        return False
    signed_in = getattr(viewer, "is_authenticated", False)
    return not (signed_in and (viewer.pk == author.pk or viewer.is_moderator))


def withheld(viewer, obj: Model) -> bool:
    """Whether a registered need, idea or comment is kept from ``viewer`` (see withheld_from)."""
    kind = registry.moderatable(obj._meta.label_lower)
    if kind is None:
        return False
    return withheld_from(viewer, getattr(obj, kind.author_field), _visibility(obj, kind))


def ensure_reachable(actor, obj: Model) -> None:
    """Nobody supports, answers or comments on what they are not allowed to see."""
    if withheld(actor, obj):
        raise PermissionDenied("This is waiting for a moderator, or has been hidden.")


def ensure_can_post(author: User) -> None:
    if author.blocked_at is not None:
        raise PermissionDenied("This account has been blocked by a moderator.")


def _kind(obj: Model) -> registry.Moderatable:
    kind = registry.moderatable(obj._meta.label_lower)
    if kind is None:
        raise ValidationError("This cannot be reported.")
    return kind


def _visibility(obj: Model, kind: registry.Moderatable) -> str:
    return getattr(obj, kind.visibility_field)


def _set_visibility(obj: Model, kind: registry.Moderatable, value: str) -> None:
    setattr(obj, kind.visibility_field, value)
    type(obj)._default_manager.filter(pk=obj.pk).update(**{kind.visibility_field: value})


def report(*, actor: User, target: Model, reason: str, detail: str = "") -> Report:
    if not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied("Sign in to report something.")
    kind = _kind(target)
    if reason not in Report.Reason.values:
        raise ValidationError({"reason": "Select why you are reporting it"})
    detail = (detail or "").strip()
    if len(detail) > 2000:
        raise ValidationError({"detail": "Must be 2,000 characters or fewer"})
    content_type = ContentType.objects.get_for_model(target)
    recent = Report.objects.filter(reporter=actor, created_at__gte=since("report")).count()
    check_rate(actor, "report", recent)
    try:
        with transaction.atomic():
            locked = type(target)._default_manager.select_for_update().get(pk=target.pk)
            made = Report.objects.create(
                content_type=content_type,
                object_id=target.pk,
                reporter=actor,
                reason=reason,
                detail=detail,
                created_at=clock.now(),
            )
            open_reports = Report.objects.filter(
                content_type=content_type, object_id=target.pk, resolved_at__isnull=True
            ).count()
            held = (
                open_reports >= reports_to_hold()
                and _visibility(locked, kind) == Visibility.VISIBLE
            )
            if held:
                _set_visibility(locked, kind, Visibility.HELD)
            audit.record(
                actor=None,  # reporters are not named in public
                action="moderation.reported",
                obj=locked,
                summary=f"{kind.describe(locked)} was reported"
                + (f" {open_reports} times and is held for review" if held else ""),
                public=held,
            )
    except IntegrityError:
        raise ValidationError({"reason": "You have already reported this."}) from None
    return made


def _require_moderator(actor: User) -> None:
    if not actor.is_authenticated or not actor.is_moderator:
        raise PermissionDenied("Only moderators can do that.")


def decide(*, actor: User, target: Model, decision: str, reason: str) -> None:
    """A moderator restores or hides something. Open reports on it are resolved."""
    _require_moderator(actor)
    kind = _kind(target)
    if decision not in {"restore", "hide"}:
        raise ValidationError({"decision": "Choose restore or hide"})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason: the author will see it"})
    content_type = ContentType.objects.get_for_model(target)
    with transaction.atomic():
        locked = type(target)._default_manager.select_for_update().get(pk=target.pk)
        before = _visibility(locked, kind)
        after = Visibility.VISIBLE if decision == "restore" else Visibility.HIDDEN
        _set_visibility(locked, kind, after)
        Report.objects.filter(
            content_type=content_type, object_id=target.pk, resolved_at__isnull=True
        ).update(resolved_at=clock.now())
        audit.record(
            actor=actor,
            action=f"moderation.{'restored' if decision == 'restore' else 'hidden'}",
            obj=locked,
            summary=f"A moderator {'restored' if decision == 'restore' else 'hid'} "
            f"{kind.describe(locked)}: {reason[:300]}",
            before={"visibility": before},
            after={"visibility": after, "reason": reason[:500]},
        )


def block(*, actor: User, user: User, reason: str) -> User:
    """Block an account: it can no longer post, and everything it wrote is hidden from view."""
    _require_moderator(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason for blocking"})
    if user.pk == actor.pk or user.is_moderator:
        raise ValidationError({"reason": "Moderators and admins cannot be blocked here."})
    with transaction.atomic():
        current = User.objects.select_for_update().get(pk=user.pk)
        if current.blocked_at is not None:
            return current
        current.blocked_at = clock.now()
        current.save(update_fields=["blocked_at"])
        audit.record(
            actor=actor,
            action="moderation.blocked",
            obj=current,
            summary=f"A moderator blocked {current.name}: {reason[:300]}",
            after={"reason": reason[:500]},
        )
    return current


def unblock(*, actor: User, user: User, reason: str) -> User:
    _require_moderator(actor)
    with transaction.atomic():
        current = User.objects.select_for_update().get(pk=user.pk)
        if current.blocked_at is None:
            return current
        current.blocked_at = None
        current.save(update_fields=["blocked_at"])
        audit.record(
            actor=actor,
            action="moderation.unblocked",
            obj=current,
            summary=f"A moderator unblocked {current.name}",
            after={"reason": (reason or "")[:500]},
        )
    return current
