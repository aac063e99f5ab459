from datetime import datetime

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from openbuy.accounts.schemas import ErrorOut
from openbuy.api_auth import optional_auth
from openbuy.api_pagination import Pagination
from openbuy.discussion import moderation, notifications, registry, selectors, services
from openbuy.discussion.models import Comment, Notification, Visibility

router = Router(tags=["discussion"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class CommentOut(Schema):
    id: int
    parent: int | None
    author: str
    is_frontline: bool
    stance: str
    body: str | None = Field(description="Markdown as written; null when held or hidden")
    body_html: str | None
    status: str
    created_at: datetime
    edited_at: datetime | None


class CommentIn(Schema):
    target: str = Field(description="What to comment on, e.g. needs.need:12 or needs.idea:3")
    body: str = Field(max_length=5_000)
    stance: str = ""
    parent: int | None = None


class CommentPatch(Schema):
    body: str = Field(max_length=5_000)
    stance: str = ""


class ReportIn(Schema):
    target: str = Field(description="e.g. needs.need:12 or discussion.comment:40")
    reason: str
    detail: str = ""


def _out(comment: Comment, viewer) -> dict:
    shown = comment.status == Visibility.VISIBLE and comment.author.blocked_at is None
    if not shown and not moderation.withheld_from(viewer, comment.author, comment.status):
        shown = True
    return {
        "id": comment.pk,
        "parent": comment.parent_id,
        "author": comment.author.name,
        "is_frontline": comment.is_frontline,
        "stance": comment.stance,
        "body": comment.body if shown else None,
        "body_html": comment.body_html if shown else None,
        "status": comment.status,
        "created_at": comment.created_at,
        "edited_at": comment.edited_at,
    }


def _target(reference: str, *, moderatable: bool = False):
    label, _, object_id = reference.partition(":")
    kind = registry.moderatable(label) if moderatable else registry.get(label)
    if kind is None or not object_id.isdigit():
        raise Http404
    target = kind.model._default_manager.filter(pk=int(object_id)).first()
    if target is None:
        raise Http404
    return target


def _flatten(nodes) -> list:
    flat = []
    for node in nodes:
        flat.append(node.comment)
        flat.extend(_flatten(node.replies))
    return flat


@router.get(
    "/comments",
    response={200: list[CommentOut], 404: ErrorOut},
    auth=optional_auth,
    summary="The discussion of a need or idea, oldest first, replies after their parent",
)
def comment_list(request, target: str):
    obj = _target(target)
    if moderation.withheld(request.auth, obj):
        raise Http404
    roots, _ = selectors.thread(obj)
    return [_out(c, request.auth) for c in _flatten(roots)]


@router.post("/comments", response={201: CommentOut, **ERRORS})
def comment_create(request, payload: CommentIn):
    parent = get_object_or_404(Comment, pk=payload.parent) if payload.parent else None
    comment = services.comment_post(
        actor=request.auth,
        target=_target(payload.target),
        body=payload.body,
        stance=payload.stance,
        parent=parent,
    )
    return Status(201, _out(comment, request.auth))


@router.patch(
    "/comments/{pk}",
    response={200: CommentOut, **ERRORS},
    summary="Correct your comment (within 15 minutes of posting)",
)
def comment_edit(request, pk: int, payload: CommentPatch):
    comment = services.comment_edit(
        actor=request.auth,
        comment=get_object_or_404(Comment, pk=pk),
        body=payload.body,
        stance=payload.stance,
    )
    return _out(comment, request.auth)


@router.post("/reports", response={201: None, **ERRORS}, summary="Report something to moderators")
def report_create(request, payload: ReportIn):
    moderation.report(
        actor=request.auth,
        target=_target(payload.target, moderatable=True),
        reason=payload.reason,
        detail=payload.detail,
    )
    return Status(201, None)


class FollowIn(Schema):
    target: str = Field(description="e.g. needs.need:12, needs.idea:3 or accounts.organisation:1")


class FollowOut(Schema):
    target: str
    following: bool


def _followable(reference: str):
    label, _, object_id = reference.partition(":")
    target = notifications.followable_target(label, int(object_id)) if object_id.isdigit() else None
    if target is None:
        raise Http404
    return target


@router.post("/follows", response={200: FollowOut, **ERRORS}, summary="Follow something")
def follow_create(request, payload: FollowIn):
    notifications.follow(actor=request.auth, target=_followable(payload.target))
    return {"target": payload.target, "following": True}


@router.delete("/follows", response={200: FollowOut, **ERRORS}, summary="Stop following")
def follow_delete(request, target: str):
    notifications.unfollow(actor=request.auth, target=_followable(target))
    return {"target": target, "following": False}


class NotificationOut(Schema):
    id: int
    message: str
    url: str
    created_at: datetime
    read_at: datetime | None


@router.get(
    "/notifications",
    response={200: list[NotificationOut], **ERRORS},
    summary="Your notifications, newest first",
)
@paginate(Pagination)
def notification_list(request):
    return Notification.objects.filter(user=request.auth).order_by("-created_at", "-id")
