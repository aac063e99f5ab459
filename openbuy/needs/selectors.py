"""Reads for needs. Every list is one query for the page plus one for the count, whatever the
number of needs or supports: counts are stored on the need, related rows are joined."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Mod

from openbuy import clock
from openbuy.accounts.models import User
from openbuy.discussion.models import Visibility
from openbuy.needs.models import Idea, IdeaSupport, Need, NeedAnswer, Support

SORTS = {
    "random": "Random order",
    "hot": "Hot (recent supports count most)",
    "supported": "Most supported",
    "newest": "Newest",
}
# A prime just under 2³¹: (id * a + b) mod P shuffles ids the same way for the same seed.
_PRIME = 2_147_483_629
_WORD = re.compile(r"[a-z0-9]{3,}")
_STOP = {
    "the",
    "and",
    "for",
    "are",
    "not",
    "with",
    "that",
    "this",
    "have",
    "from",
    "there",
    "our",
    "too",
    "can",
    "any",
    "all",
    "has",
    "was",
    "but",
    "its",
    "who",
    "out",
    "get",
    "need",
    "needs",
}


@dataclass(frozen=True)
class NeedFilters:
    sort: str = "random"
    area: str = ""
    status: str = ""
    organisation: str = ""
    place: str = ""
    seed: int = 1


def _blocked() -> QuerySet[User]:
    # Leaving out the few blocked accounts' rows (NOT IN) instead of joining every row's author
    # lets the lists' counts and sorts read an index alone (need_listed, user_blocked).
    return User.objects.filter(blocked_at__isnull=False)


def visible_needs() -> QuerySet[Need]:
    """Needs anyone may see: not held or hidden by moderation, not by a blocked account."""
    return Need.objects.filter(visibility=Visibility.VISIBLE).exclude(author__in=_blocked())


def visible_ideas() -> QuerySet[Idea]:
    return Idea.objects.filter(visibility=Visibility.VISIBLE).exclude(proposer__in=_blocked())


def need_list(filters: NeedFilters, *, user=None) -> QuerySet[Need]:
    qs = visible_needs().select_related("area", "organisation", "author")
    if filters.area:
        qs = qs.filter(area__slug=filters.area)
    if filters.status == "open":
        qs = qs.filter(status__in=Need.OPEN_STATUSES)
    elif filters.status == "answered":
        qs = qs.exclude(status__in=Need.OPEN_STATUSES)
    elif filters.status in Need.Status.values:
        qs = qs.filter(status=filters.status)
    if filters.organisation:
        qs = qs.filter(organisation__slug=filters.organisation)
    if filters.place:
        qs = qs.filter(place__icontains=filters.place)
    if user is not None and user.is_authenticated:
        qs = qs.annotate(supported=Exists(Support.objects.filter(need=OuterRef("pk"), user=user)))
    return _ordered(qs, filters.sort, filters.seed)


def _ordered(qs: QuerySet, sort: str, seed: int) -> QuerySet:
    """Needs and ideas sort the same ways (stored counts and scores; see ADR 010)."""
    if sort == "hot":
        return qs.order_by("-hot_score", "-id")
    if sort == "supported":
        return qs.order_by("-support_count", "-id")
    if sort == "newest":
        return qs.order_by("-created_at", "-id")
    # A large multiplier makes id * a wrap around P at once, so neighbouring ids scatter.
    a = _PRIME // 2 + (seed * 2_654_435_761) % (_PRIME // 2)
    b = (seed * 40_503) % _PRIME
    return qs.annotate(shuffle=Mod(F("id") * a + b, _PRIME)).order_by("shuffle", "id")


def needs_awaiting_answer() -> QuerySet[Need]:
    """Needs that reached their organisation's threshold and have no answer yet, due soonest
    first; the overdue ones are those whose due date has passed."""
    return (
        visible_needs()
        .filter(answered_at__isnull=True, answer_due_at__isnull=False)
        .select_related("area", "organisation")
        .order_by("answer_due_at", "id")
    )


def overdue_needs() -> QuerySet[Need]:
    return needs_awaiting_answer().filter(answer_due_at__lt=clock.now())


def need_detail(pk: int, *, user=None) -> Need:
    qs = Need.objects.select_related("area", "organisation", "author", "duplicate_of")
    if user is not None and user.is_authenticated:
        qs = qs.annotate(supported=Exists(Support.objects.filter(need=OuterRef("pk"), user=user)))
    return qs.get(pk=pk)


def need_support_box(pk: int, *, user) -> Need:
    """What the support box shows after a click (needs/_support.html): the counts, whether the
    need still takes supports, its buyer's name, and whether this person supports it."""
    return (
        Need.objects.select_related("organisation")
        .only("pk", "status", "support_count", "frontline_support_count", "organisation__name")
        .annotate(supported=Exists(Support.objects.filter(need=OuterRef("pk"), user=user)))
        .get(pk=pk)
    )


def need_answers(need: Need) -> QuerySet[NeedAnswer]:
    return need.answers.select_related("author", "organisation", "duplicate_of")


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall((text or "").lower()) if w not in _STOP}


def similar_needs(text: str, *, exclude: int | None = None, limit: int = 5) -> list[Need]:
    """The open needs whose titles share the most words with ``text``, best first.

    Two queries at most: candidates whose title contains one of the longest words, then ranked
    here by word overlap (Jaccard).
    """
    words = _words(text)
    if not words:
        return []
    longest = sorted(words, key=len, reverse=True)[:4]
    match = Q()
    for word in longest:
        match |= Q(title__icontains=word)
    candidates = (
        visible_needs()
        .filter(match, status__in=Need.OPEN_STATUSES)
        .select_related("area")
        .order_by("-support_count")[:200]
    )
    scored = []
    for need in candidates:
        if need.pk == exclude:
            continue
        other = _words(need.title + " " + need.affects)
        overlap = len(words & other) / len(words | other) if other else 0
        if overlap > 0:
            scored.append((overlap, need.support_count, need))
    scored.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [need for _, _, need in scored[:limit]]


@dataclass(frozen=True)
class IdeaFilters:
    sort: str = "random"
    status: str = ""
    need: int | None = None
    # Ideas take their area, organisation and place from the need they answer.
    area: str = ""
    organisation: str = ""
    place: str = ""
    seed: int = 1


def idea_list(filters: IdeaFilters, *, user=None) -> QuerySet[Idea]:
    qs = visible_ideas().select_related("need", "proposer", "on_behalf_of", "adopted_by")
    if filters.status in Idea.Status.values:
        qs = qs.filter(status=filters.status)
    if filters.need:
        qs = qs.filter(need_id=filters.need)
    if filters.area:
        qs = qs.filter(need__area__slug=filters.area)
    if filters.organisation:
        qs = qs.filter(
            Q(need__organisation__slug=filters.organisation)
            | Q(adopted_by__slug=filters.organisation)
        )
    if filters.place:
        qs = qs.filter(need__place__icontains=filters.place)
    if user is not None and user.is_authenticated:
        qs = qs.annotate(
            supported=Exists(IdeaSupport.objects.filter(idea=OuterRef("pk"), user=user))
        )
    return _ordered(qs, filters.sort, filters.seed)


def idea_detail(pk: int, *, user=None) -> Idea:
    qs = Idea.objects.select_related(
        "need", "need__organisation", "proposer", "on_behalf_of", "adopted_by"
    )
    if user is not None and user.is_authenticated:
        qs = qs.annotate(
            supported=Exists(IdeaSupport.objects.filter(idea=OuterRef("pk"), user=user))
        )
    return qs.get(pk=pk)


def ideas_for_need(need: Need, *, limit: int = 10) -> list[Idea]:
    return list(
        visible_ideas()
        .filter(need=need)
        .exclude(status=Idea.Status.WITHDRAWN)
        .select_related("proposer", "on_behalf_of")
        .order_by("-support_count", "-id")[:limit]
    )
