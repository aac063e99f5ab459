"""Generated comments on needs, ideas and the specifications being written (not on the ones
published with processes, which are made on the other side of the pipeline): more on what more
people support, replies threaded at most three deep, the buyer's staff answering now and then.
Each comment's HTML is what the comment service would render from its plain-text body."""

from __future__ import annotations

from collections import Counter

from openbuy.demo.generate import words
from openbuy.demo.generate.context import DAY, HOUR, Context, between, choose_weighted, cumulative
from openbuy.discussion.models import Comment, Visibility

MAX_DEPTH = 3


def run(ctx: Context) -> None:
    rng = ctx.rng("comments")
    table = ctx.writer.table(
        Comment,
        "id",
        "content_type",
        "object_id",
        "parent",
        "author",
        "is_frontline",
        "stance",
        "body",
        "body_html",
        "status",
        "created_at",
    )
    targets = [t for t in ctx.targets if t.created < ctx.anchor - DAY]
    if not targets:
        return
    weights = cumulative([t.weight for t in targets])
    counts = Counter(
        min(choose_weighted(rng, weights), len(targets) - 1) for _ in range(ctx.scale.comments)
    )
    for index in sorted(counts):
        target = targets[index]
        theme = words.THEMES[target.theme]
        moments = sorted(
            between(rng, target.created + HOUR, ctx.anchor - HOUR) for _ in range(counts[index])
        )
        thread: list[tuple[int, int]] = []  # (comment id, depth)
        for at in moments:
            pk = table.new_id()
            parent, depth = None, 1
            if thread and rng.random() < 0.3:
                parent, above = rng.choice(thread)
                depth = above + 1
                if depth > MAX_DEPTH:
                    parent, depth = None, 1
            buyer = ctx.buyer_by_id.get(target.organisation) if target.organisation else None
            if buyer is not None and parent is not None and rng.random() < 0.15:
                author = rng.choice(buyer.officers)
                body, stance = rng.choice(words.BUYER_REPLIES), ""
            else:
                if buyer is not None and rng.random() < 0.08:
                    author = rng.choice(buyer.frontline)
                else:
                    author = words.one(rng, ctx.users)
                stance = words.pick(rng, words.STANCES)
                body = words.comment_body(rng, theme, ctx.streets, stance)
            table.add(
                pk,
                target.content_type,
                target.id,
                parent,
                author,
                target.organisation is not None
                and ctx.frontline_of.get(author) == target.organisation,
                stance,
                body,
                words.comment_html(body),
                Visibility.VISIBLE if rng.random() >= 0.003 else Visibility.HIDDEN,
                at,
            )
            thread.append((pk, depth))
            ctx.advance(1)
    table.flush()
