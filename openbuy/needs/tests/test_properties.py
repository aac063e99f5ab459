"""Properties of how needs are ranked: the pairwise round's smoothed win rate, the hot score
and the seeded random order (ADR 010 and ADR 011), for any answers, counts, times and seeds."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openbuy.needs.models import Need
from openbuy.needs.ranking import _score
from openbuy.needs.selectors import NeedFilters, need_list
from openbuy.needs.services import HOT_DECAY_SECONDS, hot_score

fast = settings(max_examples=200, deadline=None, derandomize=True)

NEED_IDS = range(1, 7)


@st.composite
def answers(draw, min_size=0):
    """Rows as ``scores`` reads them from the database: a pair (first < second), the winner
    (one of the pair, or None for "I can't decide") and whether a frontline member answered."""
    rows = []
    for _ in range(draw(st.integers(min_value=min_size, max_value=30))):
        first, second = sorted(
            draw(st.lists(st.sampled_from(NEED_IDS), min_size=2, max_size=2, unique=True))
        )
        winner = draw(st.sampled_from([first, second, None]))
        rows.append({"first": first, "second": second, "winner": winner, "is_frontline": False})
    return rows


def _needs() -> list[Need]:
    return [Need(pk=pk) for pk in NEED_IDS]


def _by_need(scores) -> dict[int, tuple[float, int, int, int]]:
    return {s.need.pk: (s.score, s.wins, s.losses, s.comparisons) for s in scores}


@fast
@given(answers())
def test_win_rates_stay_between_0_and_100_and_count_every_answer(rows):
    scores = _score(_needs(), rows)
    assert sorted(s.need.pk for s in scores) == list(NEED_IDS)
    for s in scores:
        assert 0 < s.score < 100
        assert s.wins + s.losses <= s.comparisons
        if s.comparisons == 0:
            assert s.score == 50
    decided = sum(1 for row in rows if row["winner"] is not None)
    assert sum(s.wins for s in scores) == sum(s.losses for s in scores) == decided
    assert sum(s.comparisons for s in scores) == 2 * len(rows)


@fast
@given(answers(), st.randoms(use_true_random=False))
def test_the_order_of_the_answers_does_not_matter(rows, rng):
    shuffled = list(rows)
    rng.shuffle(shuffled)
    assert _score(_needs(), shuffled) == _score(_needs(), rows)


@fast
@given(answers())
def test_the_list_is_best_first(rows):
    scores = [s.score for s in _score(_needs(), rows)]
    assert scores == sorted(scores, reverse=True)


@fast
@given(answers(), st.lists(st.sampled_from(NEED_IDS), min_size=2, max_size=2, unique=True))
def test_one_more_win_never_lowers_the_winner_nor_raises_the_loser(rows, pair):
    winner, loser = pair
    first, second = sorted(pair)
    before = _by_need(_score(_needs(), rows))
    more = [*rows, {"first": first, "second": second, "winner": winner, "is_frontline": False}]
    after = _by_need(_score(_needs(), more))
    assert after[winner][1] == before[winner][1] + 1
    assert after[loser][2] == before[loser][2] + 1
    # The shown score is rounded to one decimal, so a win on a long record may not move it.
    assert after[winner][0] >= before[winner][0]
    assert after[loser][0] <= before[loser][0]
    unchanged = set(NEED_IDS) - {winner, loser}
    assert all(after[pk] == before[pk] for pk in unchanged)


@fast
@given(answers(), st.lists(st.sampled_from(NEED_IDS), min_size=2, max_size=2, unique=True))
def test_cant_decide_counts_as_a_comparison_but_moves_no_score(rows, pair):
    first, second = sorted(pair)
    before = _by_need(_score(_needs(), rows))
    more = [*rows, {"first": first, "second": second, "winner": None, "is_frontline": False}]
    after = _by_need(_score(_needs(), more))
    for pk in NEED_IDS:
        score, wins, losses, comparisons = after[pk]
        assert (score, wins, losses) == before[pk][:3]
        assert comparisons == before[pk][3] + (pk in pair)


moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
)
supports = st.integers(min_value=0, max_value=10**6)


@fast
@given(supports, supports, moments)
def test_more_supports_never_make_a_need_less_hot(fewer, more, created_at):
    fewer, more = sorted((fewer, more))
    assert hot_score(fewer, created_at) <= hot_score(more, created_at)


@fast
@given(supports, moments, st.integers(min_value=1, max_value=10**8))
def test_a_newer_need_with_as_many_supports_is_hotter(count, created_at, seconds):
    later = created_at + timedelta(seconds=seconds)
    assert hot_score(count, later) > hot_score(count, created_at)


@fast
@given(st.integers(min_value=1, max_value=10**5), moments)
def test_ten_times_the_supports_are_worth_one_decay_period(count, created_at):
    """ADR 010: a need needs ten times the supports to outrank one raised a week later."""
    week_later = created_at + timedelta(seconds=HOT_DECAY_SECONDS)
    assert math.isclose(
        hot_score(count * 10, created_at), hot_score(count, week_later), abs_tol=1e-9
    )


@pytest.fixture
def twelve_needs(raise_need, bulk_posting):
    return sorted(raise_need(title=f"Need number {n}").pk for n in range(12))


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    # The needs are made once, by the fixture, and only read by every example.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(seed=st.integers(min_value=-(2**40), max_value=2**40), per_page=st.integers(1, 5))
def test_the_random_order_lists_every_need_once_and_again_for_the_same_seed(
    twelve_needs, seed, per_page
):
    ordered = need_list(NeedFilters(sort="random", seed=seed))
    pages = [
        [need.pk for need in ordered[start : start + per_page]]
        for start in range(0, len(twelve_needs), per_page)
    ]
    listed = [pk for page in pages for pk in page]
    assert sorted(listed) == twelve_needs
    again = [need.pk for need in need_list(NeedFilters(sort="random", seed=seed))]
    assert again == listed
