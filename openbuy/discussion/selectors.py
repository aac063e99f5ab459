from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Model, Q

from openbuy.discussion.models import Comment, Report, Visibility


@dataclass
class Node:
    comment: Comment
    replies: list[Node] = field(default_factory=list)


def thread(target: Model) -> tuple[list[Node], dict[str, int]]:
    """All comments on ``target`` as a tree (one query), and counts by voice and stance."""
    comments = list(
        Comment.objects.filter(
            content_type=ContentType.objects.get_for_model(target), object_id=target.pk
        )
        .select_related("author")
        .annotate(revision_count=Count("revisions"))
        .order_by("created_at", "id")
    )
    nodes = {c.pk: Node(c) for c in comments}
    roots: list[Node] = []
    for comment in comments:
        node = nodes[comment.pk]
        parent = nodes.get(comment.parent_id) if comment.parent_id else None
        (parent.replies if parent else roots).append(node)
    visible = [
        c for c in comments if c.status == Visibility.VISIBLE and c.author.blocked_at is None
    ]
    counts = {
        "total": len(visible),
        "frontline": sum(c.is_frontline for c in visible),
        "for": sum(c.stance == "for" for c in visible),
        "against": sum(c.stance == "against" for c in visible),
        "question": sum(c.stance == "question" for c in visible),
    }
    return roots, counts


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
