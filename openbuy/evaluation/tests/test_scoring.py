"""Evaluation arithmetic: worked examples for each rule, and properties that hold for any input.

Pure Python: no database, no Django models.
"""

from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openbuy.evaluation.scoring import (
    DISAGREEMENT_RANGE,
    Place,
    Total,
    Weighted,
    agreed,
    disagrees,
    final_score,
    price_scores,
    rank,
    spread,
)

D = Decimal
CENT = D("0.01")

# Fraction and Decimal work can be slow on a busy machine; no deadline keeps the runs from flaking.
fast = settings(deadline=None)


def decimals(low, high, places=2):
    return st.decimals(
        min_value=D(low), max_value=D(high), allow_nan=False, allow_infinity=False, places=places
    )


# Scales as published: the usual whole-number ones (3 and 7 give repeating fractions), and odd
# ones with cents.
scales = st.one_of(st.sampled_from([D(3), D(4), D(5), D(7), D(10), D(100)]), decimals("0.01", 100))


@st.composite
def schemes(draw, max_criteria=8):
    """A scheme of 1..max_criteria criteria keyed "1", "2", … whose weights add up to 100."""
    cuts = draw(st.lists(st.integers(1, 99), unique=True, max_size=max_criteria - 1).map(sorted))
    bounds = [0, *cuts, 100]
    return [
        Weighted(key=str(i), weight=high - low, is_price=i == 1)
        for i, (low, high) in enumerate(pairwise(bounds), start=1)
    ]


@st.composite
def scored_schemes(draw):
    """A scheme, a scale, and a score for every criterion within the scale."""
    scheme, scale = draw(schemes()), draw(scales)
    scores = {c.key: draw(decimals(0, scale)) for c in scheme}
    return scheme, scale, scores


def cents(value):
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


TWO = [Weighted("quality", 60), Weighted("price", 40, is_price=True)]


# spread and disagrees


@pytest.mark.parametrize(
    ("scores", "expected"),
    [([], D(0)), ([D(4)], D(0)), ([D(2), D(5), D(3)], D(3)), ([D("3.5"), D("3.5")], D(0))],
)
def test_spread_is_highest_minus_lowest(scores, expected):
    assert spread(scores) == expected


def test_a_spread_of_exactly_the_threshold_is_not_a_disagreement():
    assert D(2) == DISAGREEMENT_RANGE
    assert not disagrees([D(1), D(3)])
    assert disagrees([D(1), D("3.01")])
    assert disagrees([D(1), D(2)], threshold=D("0.5"))
    assert not disagrees([])


def test_a_negative_threshold_is_refused():
    with pytest.raises(ValueError, match="threshold"):
        disagrees([D(1)], threshold=D(-1))


@fast
@given(st.lists(decimals(0, 10)), decimals(0, 5))
def test_spread_is_never_negative_and_bounds_the_scores(scores, threshold):
    assert spread(scores) >= 0
    if len(scores) >= 2:
        assert spread(scores) == max(scores) - min(scores)
    assert disagrees(scores, threshold) == (spread(scores) > threshold)


# agreed


def test_the_mean_counts_when_evaluators_agree():
    assert agreed([D(3), D(4), D(4)], None) == D("3.67")
    assert agreed([D(3), D(4)], None) == D("3.50")
    assert agreed([D(4)], None) == D("4.00")


def test_the_mean_rounds_halves_up():
    assert agreed([D("2.00"), D("2.01")], None) == D("2.01")
    assert agreed([D("2.02"), D("2.03")], None) == D("2.03")  # not to the even 2.02


def test_a_disagreement_has_no_score_until_moderated():
    assert agreed([D(1), D(4)], None) is None
    assert agreed([D(1), D(4)], D(3)) == D(3)
    assert agreed([D(1), D(4)], None, threshold=D(3)) == D("2.50")


def test_a_moderated_score_wins_even_without_a_disagreement():
    assert agreed([D(3), D(4)], D("3.25")) == D("3.25")


def test_no_scores_means_no_score_unless_moderated():
    assert agreed([], None) is None
    assert agreed([], D(2)) == D(2)


def test_floats_are_refused():
    with pytest.raises(TypeError, match="Decimal"):
        agreed([3.5, 4.0], None)  # type: ignore[list-item]


@fast
@given(st.lists(decimals(0, 10)), st.none() | decimals(0, 10), decimals(0, 5))
def test_agreed_is_none_exactly_when_nothing_can_be_agreed(scores, moderated, threshold):
    result = agreed(scores, moderated, threshold)
    expect_none = moderated is None and (not scores or spread(scores) > threshold)
    assert (result is None) == expect_none
    if moderated is not None:
        assert result == moderated
    elif result is not None:
        assert min(scores) <= result <= max(scores)
        assert result == cents(sum(scores) / len(scores))
        assert result.as_tuple().exponent == -2


# price_scores


def test_the_lowest_price_gets_full_marks_and_others_in_proportion():
    scores = price_scores({"a": D(100_000), "b": D(200_000), "c": D(300_000)}, D(10))
    assert scores == {"a": D("10.00"), "b": D("5.00"), "c": D("3.33")}


def test_equal_lowest_prices_both_get_full_marks():
    assert price_scores({"a": D("99.99"), "b": D("99.99")}, D(5)) == {"a": D(5), "b": D(5)}


def test_a_zero_price_takes_full_marks_and_leaves_others_nothing():
    scores = price_scores({"free": D(0), "also free": D("0.00"), "paid": D(1)}, D(10))
    assert scores == {"free": D(10), "also free": D(10), "paid": D(0)}


def test_no_prices_no_scores():
    assert price_scores({}, D(10)) == {}


@pytest.mark.parametrize(
    ("prices", "scale", "message"),
    [
        ({"a": D(-1), "b": D(5)}, D(10), "negative"),
        ({"a": D(1)}, D(0), "above 0"),
        ({"a": D("NaN")}, D(10), "must be a number"),
    ],
)
def test_bad_prices_are_refused(prices, scale, message):
    with pytest.raises(ValueError, match=message):
        price_scores(prices, scale)


@fast
@given(st.dictionaries(st.text(max_size=3), decimals(0, 10**9), min_size=1), scales)
def test_price_scores_reward_the_cheaper_bid(prices, scale):
    scores = price_scores(prices, scale)
    assert scores.keys() == prices.keys()
    lowest = min(prices.values())
    for key, price in prices.items():
        assert 0 <= scores[key] <= scale
        if price == lowest:
            assert scores[key] == scale
    by_price = sorted(prices, key=prices.__getitem__)
    for cheaper, dearer in pairwise(by_price):
        assert scores[cheaper] >= scores[dearer]


# final_score


def test_the_total_is_the_weighted_sum_out_of_100():
    result = final_score({"quality": D(4), "price": D("2.5")}, TWO, D(5))
    assert result == Total(
        total=D("68.00"), missing=(), parts=(("quality", D(48)), ("price", D(20)))
    )


def test_repeating_fractions_round_once_at_the_end():
    # 1/3 + 1/3 + 1/3 of the weight is exactly 100, not 99.99.
    scheme = [Weighted("a", 33), Weighted("b", 33), Weighted("c", 34)]
    assert final_score({"a": D(3), "b": D(3), "c": D(3)}, scheme, D(3)).total == D(100)
    # 50 * 2/3 + 50 * 1/3 = 50 exactly.
    half = [Weighted("a", 50), Weighted("b", 50)]
    assert final_score({"a": D(2), "b": D(1)}, half, D(3)).total == D("50.00")
    # 60 * 2/7 = 17.142857… rounds to 17.14.
    assert final_score({"quality": D(2), "price": D(0)}, TWO, D(7)).total == D("17.14")


def test_the_total_rounds_halves_up():
    # 60 * 1/480 is exactly 0.125: halves up gives 0.13 (rounding to even would give 0.12).
    assert final_score({"quality": D(1), "price": D(0)}, TWO, D(480)).total == D("0.13")


def test_missing_scores_leave_the_total_open_and_are_named_in_scheme_order():
    scheme = [Weighted("1", 50), Weighted("2", 30), Weighted("3", 20)]
    result = final_score({"2": D(4), "3": None}, scheme, D(5))
    assert result.total is None
    assert result.missing == ("1", "3")
    assert result.parts == (("2", D(24)),)


def test_scores_outside_the_scheme_are_ignored():
    result = final_score({"quality": D(5), "price": D(5), "other": D(99)}, TWO, D(5))
    assert result.total == D(100)
    assert [key for key, _part in result.parts] == ["quality", "price"]


@pytest.mark.parametrize(
    ("scheme", "scale", "scores", "message"),
    [
        ([Weighted("a", 60), Weighted("b", 30)], D(5), {}, "add up to 100 .* 90"),
        ([], D(5), {}, "add up to 100"),
        ([Weighted("a", 110), Weighted("b", -10)], D(5), {}, "'b' must be a whole number above 0"),
        ([Weighted("a", 100), Weighted("b", 0)], D(5), {}, "'b' must be a whole number above 0"),
        ([Weighted("a", 50), Weighted("a", 50)], D(5), {}, "'a' appears more than once"),
        (TWO, D(0), {}, "scale must be above 0"),
        (TWO, D(-5), {}, "scale must be above 0"),
        (TWO, D(5), {"quality": D("5.01")}, "'quality' must be from 0 to 5"),
        (TWO, D(5), {"price": D(-1)}, "'price' must be from 0 to 5"),
        (TWO, D(5), {"price": D("Infinity")}, "must be a number"),
    ],
)
def test_bad_schemes_and_scores_are_refused(scheme, scale, scores, message):
    with pytest.raises(ValueError, match=message):
        final_score(scores, scheme, scale)


def test_fractional_weights_are_refused():
    scheme = [Weighted("a", 50.5), Weighted("b", 49.5)]  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="whole number"):
        final_score({}, scheme, D(5))


@fast
@given(scored_schemes())
def test_the_total_stays_within_0_and_100_and_is_the_sum_of_its_parts(case):
    scheme, scale, scores = case
    result = final_score(scores, scheme, scale)
    assert result.missing == ()
    assert result.total is not None
    assert 0 <= result.total <= 100
    assert result.total.as_tuple().exponent == -2
    assert [key for key, _part in result.parts] == [c.key for c in scheme]
    # Parts are exact to 28 digits; the total is rounded once from the exact sum.
    assert abs(result.total - sum(part for _key, part in result.parts)) <= D("0.005") + D("1e-20")
    if scale in (D(4), D(5), D(10), D(100)):  # parts terminate, so they are exact
        assert result.total == cents(sum(part for _key, part in result.parts))


@fast
@given(schemes(), scales)
def test_full_marks_make_100_and_zeros_make_0(scheme, scale):
    assert final_score({c.key: scale for c in scheme}, scheme, scale).total == 100
    assert final_score({c.key: D(0) for c in scheme}, scheme, scale).total == 0


@fast
@given(scored_schemes(), st.data())
def test_raising_one_score_never_lowers_the_total(case, data):
    scheme, scale, scores = case
    key = data.draw(st.sampled_from([c.key for c in scheme]))
    raised = data.draw(decimals(scores[key], scale))
    before = final_score(scores, scheme, scale).total
    after = final_score({**scores, key: raised}, scheme, scale).total
    assert before is not None and after is not None
    assert after >= before


@fast
@given(scored_schemes(), st.data())
def test_any_missing_score_leaves_no_total(case, data):
    scheme, scale, scores = case
    gone = data.draw(st.sets(st.sampled_from([c.key for c in scheme]), min_size=1))
    partial = {key: None if key in gone else score for key, score in scores.items()}
    result = final_score(partial, scheme, scale)
    assert result.total is None
    assert result.missing == tuple(c.key for c in scheme if c.key in gone)
    assert len(result.parts) == len(scheme) - len(gone)


# rank


def test_ties_share_a_position_and_the_next_one_skips():
    places = rank({"c": D("80.00"), "a": D(80), "b": D("90.5"), "d": D(70), "e": None})
    assert places == [
        Place(key="b", position=1, tied=False, total=D("90.5")),
        Place(key="a", position=2, tied=True, total=D(80)),
        Place(key="c", position=2, tied=True, total=D("80.00")),
        Place(key="d", position=4, tied=False, total=D(70)),
        Place(key="e", position=None, tied=False, total=None),
    ]


def test_a_tie_for_first_place():
    assert [p.position for p in rank({"x": D(50), "y": D(50), "z": D(10)})] == [1, 1, 3]


def test_unscored_come_last_in_key_order():
    places = rank({"z": None, "b": D(0), "a": None})
    assert [(p.key, p.position) for p in places] == [("b", 1), ("a", None), ("z", None)]


def test_nothing_to_rank():
    assert rank({}) == []


@fast
@given(
    st.dictionaries(
        st.text(max_size=3), st.none() | st.integers(0, 5).map(D) | decimals(0, 100), max_size=12
    ),
    st.randoms(use_true_random=False),
)
def test_rank_orders_by_total_and_shares_positions_on_ties(totals, random):
    places = rank(totals)
    assert sorted(p.key for p in places) == sorted(totals)
    scored = [p for p in places if p.position is not None]
    unscored = places[len(scored) :]
    assert all(p.position is None and p.total is None and not p.tied for p in unscored)
    assert [p.key for p in unscored] == sorted(p.key for p in unscored)
    for higher, lower in pairwise(scored):
        assert higher.position <= lower.position
        assert higher.total >= lower.total
        assert (higher.position == lower.position) == (higher.total == lower.total)
        if higher.total == lower.total:
            assert higher.key < lower.key
    for place in scored:
        assert place.total == totals[place.key]
        assert place.position == 1 + sum(1 for p in scored if p.total > place.total)
        assert place.tied == (sum(1 for p in scored if p.total == place.total) > 1)
    assert len({p.position for p in scored}) == len({p.total for p in scored})
    # The order does not depend on the order the totals came in.
    shuffled = list(totals.items())
    random.shuffle(shuffled)
    assert rank(dict(shuffled)) == places


@fast
@given(st.lists(decimals(0, 100), min_size=1, max_size=10, unique=True))
def test_distinct_totals_take_positions_one_to_n(totals):
    places = rank({f"bid {i}": total for i, total in enumerate(totals)})
    assert [p.position for p in places] == list(range(1, len(totals) + 1))
    assert not any(p.tied for p in places)
