"""Evaluation arithmetic: spreads, agreed scores, price scores, weighted totals and ranking.

This is the one place where scores are combined; pages, the API, debriefs and award checks all
call it, so every bidder's total is worked out the same way. It is plain Python with no database.

Money and scores are ``Decimal`` (or ``int``), never ``float``. Every rounded result is worked out
exactly first (with fractions) and then rounded once to the nearest hundredth, halves rounding up
(``ROUND_HALF_UP``), so a total never depends on the order criteria are added in or on the
precision of the current decimal context.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Context, Decimal
from fractions import Fraction
from itertools import groupby

DISAGREEMENT_RANGE = Decimal(2)  # default: a spread above 2 points is a disagreement

# Used for the unrounded weighted parts only; independent of whatever context the caller set.
_CONTEXT = Context(prec=28)


@dataclass(frozen=True)
class Weighted:
    """One criterion of a published scheme: its key, its weight in percent, whether it is price."""

    key: str  # criterion key (e.g. its number as a string)
    weight: int  # percentage; the weights of a scheme add up to 100
    is_price: bool = False


@dataclass(frozen=True)
class Total:
    """A submission's final score, with what is missing and how each criterion contributed."""

    total: Decimal | None  # 0..100, quantised 0.01 (ROUND_HALF_UP); None when any is missing
    missing: tuple[str, ...]  # keys of criteria without a score, in scheme order
    parts: tuple[tuple[str, Decimal], ...]  # weight * score / scale_max, for the ones present


@dataclass(frozen=True)
class Place:
    """A submission's place in the ranking."""

    key: str
    position: int | None  # 1-based; tied totals share a position and the next skips (1, 1, 3)
    tied: bool
    total: Decimal | None


def spread(scores: Sequence[Decimal]) -> Decimal:
    """The range of the evaluators' scores (highest minus lowest); 0 for no score or one score."""
    if len(scores) < 2:
        return Decimal(0)
    return max(scores) - min(scores)


def disagrees(scores: Sequence[Decimal], threshold: Decimal = DISAGREEMENT_RANGE) -> bool:
    """Whether the evaluators disagree: their spread is strictly greater than the threshold."""
    if threshold < 0:
        raise ValueError(f"The disagreement threshold cannot be negative (got {threshold}).")
    return spread(scores) > threshold


def agreed(
    scores: Sequence[Decimal],
    moderated: Decimal | None,
    threshold: Decimal = DISAGREEMENT_RANGE,
) -> Decimal | None:
    """The criterion's score for one submission.

    A moderated score, once agreed, always wins. Otherwise the evaluators' mean score (rounded to
    0.01, halves up) counts as long as they do not disagree. With no scores at all, or with a
    disagreement that has not been moderated yet, there is no score: the result is None.
    """
    if moderated is not None:
        return moderated
    if not scores or disagrees(scores, threshold):
        return None
    exact = [_exact(score, "An evaluator's score") for score in scores]
    return _to_cents(sum(exact, Fraction(0)) / len(exact))


def price_scores(prices: Mapping[str, Decimal], scale_max: Decimal) -> dict[str, Decimal]:
    """Score each bid's price on the scale: the lowest gets full marks, the others in proportion.

    A bid scores ``scale_max * lowest / price``, rounded to 0.01 (halves up), so a bid twice the
    lowest price gets half marks. When the lowest price is zero, every zero-priced bid gets full
    marks and every other bid gets 0. Negative prices are refused with ValueError.
    """
    limit = _exact(scale_max, "The top of the scale")
    if limit <= 0:
        raise ValueError(f"The top of the scale must be above 0 (got {scale_max}).")
    exact = {key: _exact(price, f"The price of {key!r}") for key, price in prices.items()}
    for key, price in exact.items():
        if price < 0:
            raise ValueError(f"The price of {key!r} cannot be negative (got {prices[key]}).")
    if not exact:
        return {}
    lowest = min(exact.values())
    if lowest == 0:
        return {
            key: _to_cents(limit if price == 0 else Fraction(0)) for key, price in exact.items()
        }
    return {key: _to_cents(limit * lowest / price) for key, price in exact.items()}


def final_score(
    scores: Mapping[str, Decimal | None], scheme: Sequence[Weighted], scale_max: Decimal
) -> Total:
    """The weighted total out of 100: the sum over criteria of weight * score / scale_max.

    The total is only given when every criterion of the scheme has a score; otherwise it is None
    and ``missing`` names the criteria still to score. Scores for keys outside the scheme are
    ignored. A scheme whose weights are not positive whole numbers adding up to 100, a repeated
    key, a scale whose top is not above 0, or a score outside 0..scale_max raise ValueError.
    """
    limit = _check_scheme(scheme, scale_max)
    missing: list[str] = []
    parts: list[tuple[str, Decimal]] = []
    total = Fraction(0)
    for criterion in scheme:
        score = scores.get(criterion.key)
        if score is None:
            missing.append(criterion.key)
            continue
        value = _exact(score, f"The score for criterion {criterion.key!r}")
        if not 0 <= value <= limit:
            raise ValueError(
                f"The score for criterion {criterion.key!r} must be from 0 to {scale_max} "
                f"(got {score})."
            )
        part = criterion.weight * value / limit
        total += part
        parts.append((criterion.key, _to_decimal(part)))
    return Total(
        total=None if missing else _to_cents(total),
        missing=tuple(missing),
        parts=tuple(parts),
    )


def rank(totals: Mapping[str, Decimal | None]) -> list[Place]:
    """Order submissions by total, highest first, then the unscored ones.

    Equal totals share a position and the next position skips (1, 1, 3); among them the order is by
    key, only so that the list comes out the same every time. Unscored submissions come last, in
    key order, with no position.
    """
    by_key = sorted((key, total) for key, total in totals.items() if total is not None)
    # Python's sort is stable, so equal totals stay in key order.
    scored = sorted(by_key, key=lambda item: item[1], reverse=True)
    places: list[Place] = []
    for _total, group in groupby(scored, key=lambda item: item[1]):
        members = list(group)
        position = len(places) + 1
        places.extend(
            Place(key=key, position=position, tied=len(members) > 1, total=total)
            for key, total in members
        )
    places.extend(
        Place(key=key, position=None, tied=False, total=None)
        for key in sorted(key for key, total in totals.items() if total is None)
    )
    return places


def _check_scheme(scheme: Sequence[Weighted], scale_max: Decimal) -> Fraction:
    """Refuse a malformed scheme or scale with a clear message; return the scale's top, exactly."""
    limit = _exact(scale_max, "The top of the scale")
    if limit <= 0:
        raise ValueError(f"The top of the scale must be above 0 (got {scale_max}).")
    seen: set[str] = set()
    for criterion in scheme:
        if criterion.key in seen:
            raise ValueError(f"Criterion {criterion.key!r} appears more than once in the scheme.")
        seen.add(criterion.key)
        weight = criterion.weight
        if isinstance(weight, bool) or not isinstance(weight, int) or weight <= 0:
            raise ValueError(
                f"The weight of criterion {criterion.key!r} must be a whole number above 0 "
                f"(got {weight!r})."
            )
    added = sum(criterion.weight for criterion in scheme)
    if added != 100:
        raise ValueError(f"The weights of the scheme must add up to 100 (they add up to {added}).")
    return limit


def _exact(value: Decimal | int, what: str) -> Fraction:
    """A finite Decimal or int as an exact fraction; floats are refused so no rounding creeps in."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{what} must be a Decimal, not {type(value).__name__}.")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"{what} must be a number (got {value}).")
    return Fraction(value)


def _to_cents(value: Fraction) -> Decimal:
    """Round an exact value to the nearest 0.01, halves away from zero (as ROUND_HALF_UP does)."""
    cents = math.floor(abs(value) * 100 + Fraction(1, 2))
    return Decimal(cents if value >= 0 else -cents).scaleb(-2, _CONTEXT)


def _to_decimal(value: Fraction) -> Decimal:
    """An exact value as a Decimal to 28 significant digits (exact when it terminates sooner)."""
    return _CONTEXT.divide(Decimal(value.numerator), Decimal(value.denominator))
