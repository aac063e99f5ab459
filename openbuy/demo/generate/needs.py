"""Generated needs with their supports and public answers, and ideas with theirs.

Supports are long-tailed (a few needs gather thousands, most a handful), one per person per need,
all before the need closed. Each need's counters — supports, frontline supports, the hot score,
when the support threshold was reached and the answer falls due — are worked out from the very
rows written, the way the support service keeps them. The needs and ideas join the full-text
index at the end of the run (see :mod:`.fulltext`).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from openbuy.demo.generate import words
from openbuy.demo.generate.context import (
    DAY,
    HOUR,
    Context,
    NeedRecord,
    Target,
    allocate,
    between,
    choose_weighted,
    cumulative,
    distinct,
    zipf_weights,
)
from openbuy.discussion.models import Follow, Visibility
from openbuy.needs.models import Idea, IdeaSupport, Need, NeedAnswer, Support
from openbuy.needs.services import hot_score

S = Need.Status
EPOCH = datetime(1970, 1, 1)  # noqa: DTZ001 - naive UTC on purpose, see the supports
# Where needs end up, and whether they pass "under consideration" on the way.
OUTCOMES = [
    (S.OPEN, 52),
    (S.CONSIDERING, 16),
    (S.ADOPTED, 13),
    (S.DECLINED, 8),
    (S.DUPLICATE, 5),
    (S.SOLVED, 6),
]
REASONS: dict[str, tuple[str, ...]] = {
    S.CONSIDERING: (
        "Our {service} team is looking into this and will report back here within a month.",
        "We are checking how many streets are affected before we decide.",
    ),
    S.ADOPTED: (
        "We will fix this as part of our {service} programme, starting this year.",
        "Adopted: we will write a specification with residents and buy a solution.",
    ),
    S.DECLINED: (
        "We cannot fund this in the current budget. We will look at it again next year.",
        "This is the responsibility of another organisation; we have passed it on to them.",
    ),
    S.DUPLICATE: ("This is the same problem as an earlier need: please support that one.",),
    S.SOLVED: ("This was fixed last month: see the link for the details.",),
}


def run(ctx: Context) -> None:
    rng = ctx.rng("needs")
    _needs(ctx, rng)
    _ideas(ctx, ctx.rng("ideas"))
    ctx.writer.flush()


def _answer_plan(
    rng: random.Random, outcome: str, created: datetime, anchor: datetime
) -> list[tuple[str, str, datetime]]:
    """The answers that take a need from open to ``outcome``: [(from, to, at)]."""
    if outcome == S.OPEN:
        return []
    first = created + rng.randint(2, 150) * DAY + rng.randint(0, 23) * HOUR
    if first >= anchor:
        return []
    steps: list[tuple[str, str, datetime]] = []
    status: str = S.OPEN
    if outcome == S.CONSIDERING or rng.random() < 0.3:
        steps.append((status, S.CONSIDERING, first))
        status = S.CONSIDERING
        first = first + rng.randint(7, 120) * DAY
    if outcome != S.CONSIDERING:
        if first >= anchor:
            return steps
        steps.append((status, outcome, first))
    return steps


def _needs(ctx: Context, rng: random.Random) -> None:
    writer = ctx.writer
    needs = writer.table(
        Need,
        "id",
        "visibility",
        "created_at",
        "support_count",
        "frontline_support_count",
        "hot_score",
        "title",
        "description",
        "affects",
        "area",
        "organisation",
        "place",
        "evidence",
        "author",
        "author_is_frontline",
        "status",
        "threshold_reached_at",
        "answer_due_at",
        "answered_at",
        "duplicate_of",
        "outcome_url",
    )
    supports = writer.table(Support, "id", "need", "user", "is_frontline", "created_at")
    answers = writer.table(
        NeedAnswer,
        "id",
        "need",
        "author",
        "organisation",
        "from_status",
        "to_status",
        "reason",
        "link_url",
        "duplicate_of",
        "created_at",
    )
    follows = writer.table(Follow, "id", "user", "content_type", "object_id", "created_at")
    need_type = ctx.content_types["needs.need"]
    count = ctx.scale.needs
    # Creation times, more of them recent (the service grows), in id order.
    span = (ctx.anchor - ctx.start).total_seconds()
    times = sorted(ctx.start.timestamp() + span * rng.random() ** 0.6 for _ in range(count))
    visible = [rng.random() >= 0.01 for _ in range(count)]
    weights = [w if v else 0.0 for w, v in zip(zipf_weights(rng, count, 0.8), visible, strict=True)]
    support_counts = allocate(ctx.scale.supports, weights, cap=len(ctx.users))
    originals: dict[int, list[int]] = {}  # theme -> earlier needs that are not duplicates
    frontline_of = ctx.frontline_of
    users = ctx.users
    for i in range(count):
        pk = needs.new_id()
        created = datetime.fromtimestamp(int(times[i]), UTC)
        theme_index = rng.randrange(len(words.THEMES))
        theme = words.THEMES[theme_index]
        buyer = ctx.buyer(rng) if rng.random() < 0.85 else None
        addressed = buyer.id if buyer else None
        roll = rng.random()
        if buyer is not None and roll < 0.12:
            author = rng.choice(buyer.frontline)
        elif roll < 0.15:
            author = rng.choice(rng.choice(ctx.suppliers).members)
        else:
            author = rng.choice(ctx.residents)
        title, description, affects, place = words.need(rng, theme, ctx.streets)
        visibility = Visibility.VISIBLE
        plan = []
        if visible[i]:
            plan = _answer_plan(rng, words.pick(rng, OUTCOMES), created, ctx.anchor)
        else:
            visibility = Visibility.HELD if rng.random() < 0.7 else Visibility.HIDDEN
        status = plan[-1][1] if plan else S.OPEN
        duplicate_of = None
        if status == S.DUPLICATE:
            earlier = originals.get(theme_index)
            if earlier:
                duplicate_of = rng.choice(earlier[-50:])
            else:  # nothing to duplicate yet: declined instead
                plan[-1] = (plan[-1][0], S.DECLINED, plan[-1][2])
                status = S.DECLINED
        if status != S.DUPLICATE and visible[i]:
            originals.setdefault(theme_index, []).append(pk)
        closed = plan[-1][2] if status in Need.CLOSED_STATUSES else None
        until = closed or ctx.anchor
        answered_at = plan[0][2] if plan else None
        answering = buyer or (ctx.buyer(rng) if plan else None)
        # The supports: distinct people, before the need closed.
        k = support_counts[i]
        moments: list[datetime] = []
        frontline = 0
        if k:
            low = created.timestamp() + 3600
            span = until.timestamp() - low
            # Naive UTC, which the writer takes as UTC: a million of them, and naive ones are
            # several times cheaper to write out.
            moments = [
                EPOCH + timedelta(seconds=int(low + span * r))
                for r in sorted(rng.random() for _ in range(k))
            ]
            people = distinct(rng, users, k)
            flags = [addressed is not None and frontline_of.get(u) == addressed for u in people]
            frontline = sum(flags)
            first = supports.reserve(k)
            supports.extend(
                list(zip(range(first, first + k), [pk] * k, people, flags, moments, strict=True))
            )
        threshold = buyer.threshold if buyer else 25
        reached = due = None
        if k >= threshold:
            at = moments[threshold - 1].replace(tzinfo=UTC)
            if answered_at is None or at < answered_at:
                reached = at
                due = at + (buyer.answer_days if buyer else 30) * DAY
        link = ""
        for from_status, to_status, at in plan:
            assert answering is not None
            link = (
                f"https://www.example.org/news/{pk}"
                if to_status == S.SOLVED or (to_status == S.ADOPTED and rng.random() < 0.3)
                else ""
            )
            answers.add(
                answers.new_id(),
                pk,
                rng.choice(answering.officers),
                answering.id,
                from_status,
                to_status,
                rng.choice(REASONS[to_status]).format(service=theme.service),
                link,
                duplicate_of if to_status == S.DUPLICATE else None,
                at,
            )
        organisation = answering.id if plan and answering else addressed
        needs.add(
            pk,
            visibility,
            created,
            k,
            frontline,
            hot_score(k, created),
            title,
            description,
            affects,
            ctx.areas[theme.division],
            organisation,
            place,
            words.evidence(rng, f"need-{pk}") if rng.random() < 0.2 else "",
            author,
            addressed is not None and frontline_of.get(author) == addressed,
            status,
            reached,
            due,
            answered_at,
            duplicate_of,
            link if status in (S.SOLVED, S.ADOPTED) else "",
        )
        if visible[i]:
            follows.add(follows.new_id(), author, need_type, pk, created)
            ctx.targets.append(Target(need_type, pk, theme_index, addressed, created, k + 3))
        ctx.needs.append(
            NeedRecord(
                pk,
                theme_index,
                title,
                affects,
                organisation,
                created,
                until,
                visible[i],
                k,
                status == S.ADOPTED,
            )
        )
        ctx.advance(1)


def _ideas(ctx: Context, rng: random.Random) -> None:
    writer = ctx.writer
    ideas = writer.table(
        Idea,
        "id",
        "visibility",
        "created_at",
        "support_count",
        "frontline_support_count",
        "hot_score",
        "title",
        "description",
        "need",
        "cost_band",
        "proposer",
        "on_behalf_of",
        "status",
        "adopted_by",
        "adopted_at",
        "status_reason",
    )
    supports = writer.table(IdeaSupport, "id", "idea", "user", "is_frontline", "created_at")
    follows = writer.table(Follow, "id", "user", "content_type", "object_id", "created_at")
    idea_type = ctx.content_types["needs.idea"]
    open_needs = [n for n in ctx.needs if n.visible and n.until > n.created + DAY]
    need_weights = cumulative([n.supports + 1 for n in open_needs])
    plans = []
    for _ in range(ctx.scale.ideas):
        need = None
        if open_needs and rng.random() < 0.7:
            need = open_needs[min(choose_weighted(rng, need_weights), len(open_needs) - 1)]
            created = between(rng, need.created + HOUR, need.until - HOUR)
            theme_index = need.theme
        else:
            created = between(rng, ctx.start, ctx.anchor - HOUR)
            theme_index = rng.randrange(len(words.THEMES))
        plans.append((created, theme_index, need))
    plans.sort(key=lambda plan: plan[0])
    visible = [rng.random() >= 0.01 for _ in plans]
    weights = zipf_weights(rng, len(plans), 0.9)
    weights = [w if v else 0.0 for w, v in zip(weights, visible, strict=True)]
    counts = allocate(ctx.scale.idea_supports, weights, cap=len(ctx.users))
    bands = [band for band, _ in Idea.CostBand.choices]
    for (created, theme_index, need), shown, k in zip(plans, visible, counts, strict=True):
        pk = ideas.new_id()
        theme = words.THEMES[theme_index]
        title, description = words.idea(rng, theme, ctx.streets)
        roll = rng.random()
        on_behalf_of = None
        if roll < 0.35:
            supplier = rng.choice(ctx.suppliers)
            proposer = rng.choice(supplier.members)
            on_behalf_of = supplier.id if rng.random() < 0.7 else None
        elif roll < 0.45 and need is not None and need.organisation is not None:
            buyer = ctx.buyer_by_id[need.organisation]
            proposer = rng.choice(buyer.frontline)
        else:
            proposer = rng.choice(ctx.residents)
        status, adopted_by, decided, reason = Idea.Status.OPEN, None, None, ""
        later = created + rng.randint(5, 200) * DAY
        if shown and later < ctx.anchor:
            roll = rng.random()
            if roll < 0.12:
                status = Idea.Status.ADOPTED
                adopted_by = (
                    need.organisation
                    if need is not None and need.organisation
                    else ctx.buyer(rng).id
                )
                decided, reason = later, "We will build this into our next specification."
                ctx.adopted_ideas.setdefault(adopted_by, []).append((pk, title, later))
            elif roll < 0.2:
                status, decided = Idea.Status.WITHDRAWN, later
                reason = "Another idea on this need does the same thing better."
        until = decided or ctx.anchor
        organisation = need.organisation if need is not None else None
        frontline = 0
        if k:
            people = distinct(rng, ctx.users, k)
            flags = [
                organisation is not None and ctx.frontline_of.get(u) == organisation for u in people
            ]
            frontline = sum(flags)
            low = created.timestamp() + 3600
            span = until.timestamp() - low
            moments = [EPOCH + timedelta(seconds=int(low + span * rng.random())) for _ in people]
            first = supports.reserve(k)
            supports.extend(
                list(zip(range(first, first + k), [pk] * k, people, flags, moments, strict=True))
            )
        ideas.add(
            pk,
            Visibility.VISIBLE if shown else Visibility.HELD,
            created,
            k,
            frontline,
            hot_score(k, created),
            title,
            description,
            need.id if need is not None else None,
            rng.choice(bands),
            proposer,
            on_behalf_of,
            status,
            adopted_by,
            decided if status == Idea.Status.ADOPTED else None,
            reason,
        )
        follows.add(follows.new_id(), proposer, idea_type, pk, created)
        if shown and status != Idea.Status.WITHDRAWN:
            ctx.targets.append(Target(idea_type, pk, theme_index, organisation, created, k + 2))
        ctx.advance(1)
