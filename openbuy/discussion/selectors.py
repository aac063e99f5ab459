from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Model

from openbuy.discussion.models import Comment


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
    visible = [c for c in comments if c.status == Comment.Status.VISIBLE]
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
