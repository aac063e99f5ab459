"""Pairwise ranking rounds: pick the next pair, record answers, score the needs.

Pairs are chosen adaptively: among the pairs this person has not answered, the one with the
fewest answers so far (ties broken at random), so every need gets compared early and evenly.
Scores are All Our Ideas' smoothed win rate, 100 * (wins + 1) / (wins + losses + 2): roughly
the chance that the need beats a randomly chosen other one, 50 for a need nobody has compared.
"Can't decide" answers count towards coverage but not towards wins or losses.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count

from openbuy import clock
from openbuy.accounts.models import Organisation, User
from openbuy.accounts.rules import can
from openbuy.audit import services as audit
from openbuy.discussion import moderation
from openbuy.needs.models import Comparison, Need, RankingRound
from openbuy.needs.selectors import visible_needs
from openbuy.needs.services import is_frontline_of

MIN_NEEDS, MAX_NEEDS = 2, 50


def round_open(
    *,
    actor: User,
    organisation: Organisation,
    title: str,
    needs: list[Need] | list[int],
    question: str = "",
) -> RankingRound:
    if not can(actor, "needs.change_policy", organisation) or not organisation.is_buyer:
        raise PermissionDenied("Only the organisation's buyers can open a ranking round.")
    title = (title or "").strip()
    errors = {}
    if not title:
        errors["title"] = "Enter a title for the round"
    elif len(title) > 150:
        errors["title"] = "Must be 150 characters or fewer"
    ids = {n.pk if isinstance(n, Need) else int(n) for n in needs}
    chosen = list(
        visible_needs().filter(pk__in=ids, organisation=organisation, status__in=Need.OPEN_STATUSES)
    )
    if len(chosen) != len(ids):
        errors["needs"] = "Choose only open needs addressed to your organisation"
    elif not MIN_NEEDS <= len(chosen) <= MAX_NEEDS:
        errors["needs"] = f"Choose from {MIN_NEEDS} to {MAX_NEEDS} needs"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        ranking = RankingRound.objects.create(
            organisation=organisation,
            title=title,
            question=(question or "").strip()[:200] or "Which of these matters more?",
            opened_by=actor,
            created_at=clock.now(),
        )
        ranking.needs.set(chosen)
        audit.record(
            actor=actor,
            action="ranking.opened",
            obj=ranking,
            organisation_id=organisation.pk,
            summary=f"{organisation.name} opened the ranking round “{title}” over "
            f"{len(chosen)} needs",
            after={"needs": sorted(ids)},
        )
    return ranking


def _round_needs(ranking: RankingRound):
    """The round's needs that anyone may see: a need hidden by a moderator leaves the round."""
    return visible_needs().filter(ranking_rounds=ranking)


def round_close(*, actor: User, ranking: RankingRound) -> RankingRound:
    if not can(actor, "needs.change_policy", ranking.organisation):
        raise PermissionDenied("Only the organisation's buyers can close the round.")
    with transaction.atomic():
        current = RankingRound.objects.select_for_update().get(pk=ranking.pk)
        if current.status == RankingRound.Status.CLOSED:
            return current
        current.status = RankingRound.Status.CLOSED
        current.closed_at = clock.now()
        current.save(update_fields=["status", "closed_at"])
        audit.record(
            actor=actor,
            action="ranking.closed",
            obj=current,
            organisation_id=current.organisation_id,
            summary=f"The ranking round “{current.title}” closed with "
            f"{current.comparisons.count()} answers",
        )
    return current


def next_pair(ranking: RankingRound, user, *, rng: random.Random | None = None):
    """The pair this person should see next, or None when they have answered every pair."""
    rng = rng or random.Random()  # noqa: S311 - fairness, not security
    need_ids = sorted(_round_needs(ranking).values_list("pk", flat=True))
    pairs = list(combinations(need_ids, 2))
    answered: set[tuple[int, int]] = set()
    if getattr(user, "is_authenticated", False):
        answered = set(
            Comparison.objects.filter(round=ranking, user=user).values_list("first", "second")
        )
    counts = Counter(
        {
            (row["first"], row["second"]): row["n"]
            for row in Comparison.objects.filter(round=ranking)
            .values("first", "second")
            .annotate(n=Count("id"))
        }
    )
    candidates = [pair for pair in pairs if pair not in answered]
    if not candidates:
        return None
    fewest = min(counts[pair] for pair in candidates)
    first, second = rng.choice([pair for pair in candidates if counts[pair] == fewest])
    shown = [first, second]
    rng.shuffle(shown)  # which side a need appears on is chance, too
    by_id = Need.objects.in_bulk(shown)
    return by_id[shown[0]], by_id[shown[1]]


def compare(
    *,
    actor: User,
    ranking: RankingRound,
    left: Need | int,
    right: Need | int,
    winner: Need | int | None,
) -> Comparison:
    """Record one answer: ``winner`` is one of the pair, or None for "can't decide"."""
    if not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied("Sign in to take part.")
    moderation.ensure_can_post(actor)
    # Asked of the database at the moment of the write: the round may have closed since.
    if not RankingRound.objects.filter(pk=ranking.pk, status=RankingRound.Status.OPEN).exists():
        raise ValidationError("This ranking round has closed.")
    try:
        left_id = left.pk if isinstance(left, Need) else int(left)
        right_id = right.pk if isinstance(right, Need) else int(right)
        winner_id = (
            None if winner is None else (winner.pk if isinstance(winner, Need) else int(winner))
        )
    except (TypeError, ValueError):
        raise ValidationError("That pair is not part of this round.") from None
    if not all(0 < i < 2**63 for i in (left_id, right_id, winner_id or 1)):
        raise ValidationError("That pair is not part of this round.")
    in_round = set(
        _round_needs(ranking).filter(pk__in=[left_id, right_id]).values_list("pk", flat=True)
    )
    if left_id == right_id or in_round != {left_id, right_id}:
        raise ValidationError("That pair is not part of this round.")
    if winner_id is not None and winner_id not in in_round:
        raise ValidationError("Choose one of the two needs, or “I can't decide”.")
    first, second = sorted((left_id, right_id))
    try:
        with transaction.atomic():
            return Comparison.objects.create(
                round=ranking,
                user=actor,
                first_id=first,
                second_id=second,
                winner_id=winner_id,
                is_frontline=is_frontline_of(actor, ranking.organisation_id),
                created_at=clock.now(),
            )
    except IntegrityError:
        raise ValidationError("You have already answered this pair.") from None


@dataclass(frozen=True)
class Score:
    need: Need
    score: float
    wins: int
    losses: int
    comparisons: int


def scores(ranking: RankingRound) -> dict[str, list[Score]]:
    """Scores for everyone, for frontline staff and for everyone else, best first."""
    needs = list(_round_needs(ranking))
    rows = list(
        Comparison.objects.filter(round=ranking).values("first", "second", "winner", "is_frontline")
    )
    groups = {
        "all": rows,
        "frontline": [r for r in rows if r["is_frontline"]],
        "residents": [r for r in rows if not r["is_frontline"]],
    }
    return {name: _score(needs, group) for name, group in groups.items()}


def _score(needs: list[Need], rows: list[Any]) -> list[Score]:
    wins: Counter = Counter()
    losses: Counter = Counter()
    seen: Counter = Counter()
    for row in rows:
        seen[row["first"]] += 1
        seen[row["second"]] += 1
        if row["winner"] is None:
            continue
        loser = row["second"] if row["winner"] == row["first"] else row["first"]
        wins[row["winner"]] += 1
        losses[loser] += 1
    result = [
        Score(
            need=need,
            score=round(100 * (wins[need.pk] + 1) / (wins[need.pk] + losses[need.pk] + 2), 1),
            wins=wins[need.pk],
            losses=losses[need.pk],
            comparisons=seen[need.pk],
        )
        for need in needs
    ]
    return sorted(result, key=lambda s: (-s.score, -s.comparisons, s.need.pk))
