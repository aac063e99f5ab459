"""Writing comments: post, reply, edit within the window. Every change is audited."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model

from openbuy import clock
from openbuy.accounts.models import User
from openbuy.audit import services as audit
from openbuy.discussion import markup, moderation, notifications, registry, selectors
from openbuy.discussion.models import Comment, CommentRevision, Visibility

EDIT_WINDOW = timedelta(minutes=15)
MAX_LENGTH = 5_000
MAX_DEPTH = 3
# Accounts younger than this have their links marked rel="nofollow ugc".
TRUSTED_AFTER = timedelta(days=7)


def _trusted(user: User) -> bool:
    return user.date_joined <= clock.now() - TRUSTED_AFTER


def _clean(body: str, stance: str) -> tuple[str, str]:
    body = (body or "").strip()
    errors = {}
    if not body:
        errors["body"] = "Write your comment"
    elif len(body) > MAX_LENGTH:
        errors["body"] = f"Must be {MAX_LENGTH:,} characters or fewer (it is {len(body):,})"
    if stance not in Comment.Stance.values:
        errors["stance"] = "Select for, against, question or no stance"
    if errors:
        raise ValidationError(errors)
    return body, stance


def _depth(comment: Comment) -> int:
    depth = 1
    while comment.parent_id is not None and depth <= MAX_DEPTH:
        comment = comment.parent  # type: ignore[assignment]
        depth += 1
    return depth


def comment_post(
    *, actor: User, target: Model, body: str, stance: str = "", parent: Comment | None = None
) -> Comment:
    if not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied("Sign in to comment.")
    moderation.ensure_can_post(actor)
    kind = registry.for_object(target)
    if kind is None:
        raise ValidationError("Comments are not open on this.")
    if not kind.is_open(target):
        raise ValidationError("Comments are closed here.")
    moderation.ensure_reachable(actor, target)
    body, stance = _clean(body, stance)
    recent = Comment.objects.filter(author=actor, created_at__gte=moderation.since("comment"))
    moderation.check_rate(actor, "comment", recent.count())
    content_type = ContentType.objects.get_for_model(target)
    if parent is not None:
        if (parent.content_type_id, parent.object_id) != (content_type.pk, target.pk):
            raise ValidationError({"parent": "You can only reply to a comment on the same page"})
        if _depth(parent) >= MAX_DEPTH:
            parent = parent.parent  # replies stay readable: at most three levels deep
    with transaction.atomic():
        comment = Comment.objects.create(
            content_type=content_type,
            object_id=target.pk,
            parent=parent,
            author=actor,
            is_frontline=kind.is_frontline(actor, target),
            stance=stance,
            body=body,
            body_html=markup.render(body, trusted_links=_trusted(actor)),
            created_at=clock.now(),
            status=Visibility.HELD
            if moderation.looks_like_spam(actor, body)
            else Visibility.VISIBLE,
        )
        if comment.status == Visibility.VISIBLE:
            # Held or hidden things are announced to nobody beyond their own followers.
            shown = kind.audience is not None and not moderation.withheld(None, target)
            related = kind.audience(target) if shown and kind.audience else []
            recipients = notifications.followers_of_any([target, *related])
            if parent is not None:
                recipients.add(parent.author_id)
            notifications.notify(
                user_ids=recipients,
                message=f"{actor.name} commented on “{str(target)[:120]}”",
                url=selectors.comment_url(comment, kind.url(target)),
                exclude=actor.pk,
            )
        audit.record(
            actor=actor,
            action="comment.posted",
            obj=comment,
            summary=f"{actor} commented on “{target}”",
            after={
                "target": f"{content_type.app_label}.{content_type.model}:{target.pk}",
                "parent": parent.pk if parent else None,
            },
        )
    return comment


def comment_edit(*, actor: User, comment: Comment, body: str, stance: str = "") -> Comment:
    """Authors may correct a comment for 15 minutes; the earlier text stays visible."""
    if not actor.is_authenticated or comment.author_id != actor.pk:
        raise PermissionDenied("You can only edit your own comments.")
    moderation.ensure_can_post(actor)
    body, stance = _clean(body, stance)
    now = clock.now()
    with transaction.atomic():
        current = Comment.objects.select_for_update().get(pk=comment.pk)
        if now - current.created_at > EDIT_WINDOW:
            raise ValidationError(
                {
                    "body": "Comments can only be edited for 15 minutes after posting. "
                    "Post another comment to add to it."
                }
            )
        if current.status == Visibility.HIDDEN:
            raise ValidationError({"body": "A hidden comment cannot be edited."})
        if (body, stance) == (current.body, current.stance):
            return current
        CommentRevision.objects.create(
            comment=current,
            body=current.body,
            stance=current.stance,
            written_at=current.edited_at or current.created_at,
            replaced_at=now,
        )
        current.body = body
        current.stance = stance
        current.body_html = markup.render(body, trusted_links=_trusted(actor))
        current.edited_at = now
        current.save(update_fields=["body", "stance", "body_html", "edited_at"])
        audit.record(
            actor=actor,
            action="comment.edited",
            obj=current,
            summary=f"{actor} edited a comment",
        )
    return current
