from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Page, Paginator
from django.db.models import Count, Model, Q

from openbuy.discussion.models import Comment, Report, Visibility


@dataclass
class Node:
    comment: Comment
    replies: list[Node] = field(default_factory=list)


THREADS_PER_PAGE = 30


@dataclass
class ThreadPage:
    """One page of a discussion: whole threads (a comment and all its replies), oldest first."""

    nodes: list[Node]
    counts: dict[str, int]
    page: Page


def _comments_on(target: Model):
    return _comments_at(ContentType.objects.get_for_model(target).pk, target.pk)


def _comments_at(content_type_id: int, object_id: int):
    return Comment.objects.filter(content_type_id=content_type_id, object_id=object_id).order_by(
        "created_at", "id"
    )


def _tree(comments: list[Comment]) -> list[Node]:
    nodes = {c.pk: Node(c) for c in comments}
    roots: list[Node] = []
    for comment in comments:
        node = nodes[comment.pk]
        parent = nodes.get(comment.parent_id) if comment.parent_id else None
        (parent.replies if parent else roots).append(node)
    return roots


def _full(comments):
    return list(comments.select_related("author").annotate(revision_count=Count("revisions")))


def _counts(rows) -> dict[str, int]:
    """Counts by voice and stance over ``(status, author blocked at, stance, is frontline)``."""
    visible = [
        (stance, frontline)
        for status, blocked_at, stance, frontline in rows
        if status == Visibility.VISIBLE and blocked_at is None
    ]
    return {
        "total": len(visible),
        "frontline": sum(frontline for _, frontline in visible),
        "for": sum(stance == "for" for stance, _ in visible),
        "against": sum(stance == "against" for stance, _ in visible),
        "question": sum(stance == "question" for stance, _ in visible),
    }


def thread(target: Model) -> tuple[list[Node], dict[str, int]]:
    """All comments on ``target`` as a tree (one query), and counts by voice and stance."""
    comments = _full(_comments_on(target))
    counts = _counts((c.status, c.author.blocked_at, c.stance, c.is_frontline) for c in comments)
    return _tree(comments), counts


def _roots(skeleton) -> dict[int, int]:
    """Each comment's thread: the id of the comment that started it."""
    root_of: dict[int, int] = {}
    parents = {pk: parent for pk, parent, *_ in skeleton}
    for pk, parent, *_ in skeleton:
        chain = [pk]
        while parent is not None and parent not in root_of:
            chain.append(parent)
            parent = parents.get(parent)
        root = root_of[parent] if parent is not None else chain[-1]
        for member in chain:
            root_of[member] = root
    return root_of


def _skeleton(comments) -> list[tuple]:
    return list(
        comments.values_list(
            "pk", "parent_id", "status", "author__blocked_at", "stance", "is_frontline"
        )
    )


def thread_page(target: Model, number: int | str = 1) -> ThreadPage:
    """Page ``number`` of the discussion of ``target`` (a bad or too large number gives the
    first or the last page), and the counts over the whole discussion: two queries, however
    long the discussion."""
    skeleton = _skeleton(_comments_on(target))
    root_of = _roots(skeleton)
    starters = [pk for pk, parent, *_ in skeleton if parent is None]
    page = Paginator(starters, THREADS_PER_PAGE).get_page(number)
    shown = set(page.object_list)
    members = [pk for pk, *_ in skeleton if root_of[pk] in shown]
    comments = _full(_comments_on(target).filter(pk__in=members)) if members else []
    return ThreadPage(_tree(comments), _counts(row[2:] for row in skeleton), page)


def comment_url(comment: Comment, page_url: str) -> str:
    """Where ``comment`` is shown on ``page_url``: on the page of the discussion its thread is
    on, and scrolled to."""
    skeleton = _skeleton(_comments_at(comment.content_type_id, comment.object_id))
    root = _roots(skeleton).get(comment.pk, comment.pk)
    starters = [pk for pk, parent, *_ in skeleton if parent is None]
    number = starters.index(root) // THREADS_PER_PAGE + 1 if root in starters else 1
    if number > 1:
        page_url += f"{'&' if '?' in page_url else '?'}comments={number}"
    return f"{page_url}#comment-{comment.pk}"


def revisions(comment: Comment):
    return comment.revisions.all()


@dataclass
class QueueItem:
    label: str
    target: Model
    description: str
    url: str
    visibility: str
    author: object
    reports: list


def moderation_queue() -> list[QueueItem]:
    """Everything held for review or with open reports: a few queries per kind of content."""
    from openbuy.discussion import registry

    open_reports = list(
        Report.objects.filter(resolved_at__isnull=True).select_related("content_type")
    )
    by_target: dict[tuple[int, int], list[Report]] = {}
    for report in open_reports:
        by_target.setdefault((report.content_type_id, report.object_id), []).append(report)
    items: list[QueueItem] = []
    for kind in registry.moderatables():
        content_type = ContentType.objects.get_for_model(kind.model)
        reported = [oid for (ct, oid) in by_target if ct == content_type.pk]
        targets = kind.model._default_manager.filter(
            Q(**{kind.visibility_field: Visibility.HELD}) | Q(pk__in=reported)
        ).select_related(kind.author_field, *kind.related)
        for target in targets:
            items.append(
                QueueItem(
                    label=kind.model._meta.label_lower,
                    target=target,
                    description=kind.describe(target),
                    url=kind.url(target),
                    visibility=getattr(target, kind.visibility_field),
                    author=getattr(target, kind.author_field),
                    reports=by_target.get((content_type.pk, target.pk), []),
                )
            )
    return items
