"""Red flags: each indicator raised, not raised and at its boundary, plus messy data.

No database: the module under test is plain Python over dicts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from openbuy.opendata.redflags import (
    INDICATORS,
    Flag,
    Thresholds,
    compute,
    thresholds_from_settings,
)

START = datetime(2024, 3, 1, tzinfo=UTC)
NORTHSHIRE = {"id": "GB-LA-NORTH", "name": "Northshire Council"}
SOUTHSHIRE = {"id": "GB-LA-SOUTH", "name": "Southshire Council"}


# Builders -------------------------------------------------------------------------------------


def when(days: float) -> str:
    """An ISO date `days` after the start of the tender period."""
    return (START + timedelta(days=days)).isoformat()


def org(key: str) -> dict[str, Any]:
    return {"id": key, "name": f"Company {key}"}


def money(amount: Any, currency: str = "GBP") -> dict[str, Any]:
    return {"amount": amount, "currency": currency}


def award(
    amount: Any = None,
    *suppliers: str,
    id: str = "award-1",
    status: str = "active",
    currency: str = "GBP",
    days: float | None = None,
) -> dict[str, Any]:
    """An award to the given suppliers (default S1), made `days` after the tender period starts."""
    result: dict[str, Any] = {"id": id, "status": status}
    result["suppliers"] = [org(key) for key in suppliers or ("S1",)]
    if amount is not None:
        result["value"] = money(amount, currency)
    if days is not None:
        result["date"] = when(days)
    return result


def bid(tenderer: str, amount: Any, *, status: str = "valid", currency: str = "GBP") -> dict:
    return {
        "id": f"bid-{tenderer}-{amount}",
        "status": status,
        "tenderers": [org(tenderer)],
        "value": money(amount, currency),
    }


def contract(amount: Any, award_id: Any = "award-1", **fields: Any) -> dict[str, Any]:
    return {"id": "contract-1", "awardID": award_id, "value": money(amount), **fields}


def release(
    ocid: str = "ocds-test-1",
    *,
    buyer: dict[str, Any] | None = NORTHSHIRE,
    method: str | None = "open",
    awards: list[dict] | tuple = (),
    contracts: list[dict] | tuple = (),
    bids: list[dict] | tuple = (),
    **tender: Any,
) -> dict[str, Any]:
    """A compiled release; keyword arguments not named here go into `tender`."""
    result: dict[str, Any] = {
        "ocid": ocid,
        "tender": {"id": f"{ocid}-tender", "procurementMethod": method, **tender},
        "awards": list(awards),
        "contracts": list(contracts),
    }
    if buyer is not None:
        result["buyer"] = buyer
    if bids:
        result["bids"] = {"details": list(bids)}
    return result


def period(days: float, start: float = 0) -> dict[str, str]:
    return {"startDate": when(start), "endDate": when(start + days)}


def flagged(releases: list[dict], code: str, **changes: Any) -> list[Flag]:
    assert code in INDICATORS
    return [flag for flag in compute(releases, Thresholds(**changes)) if flag.code == code]


# single-bid (Cardinal R018) -------------------------------------------------------------------


def test_single_bid_flags_one_tenderer_in_an_open_process():
    [flag] = flagged([release(numberOfTenderers=1, awards=[award(50000)])], "single-bid")
    assert flag.ocid == "ocds-test-1"
    assert (flag.buyer_id, flag.buyer_name) == ("GB-LA-NORTH", "Northshire Council")
    assert (flag.supplier_id, flag.supplier_name) == ("S1", "Company S1")
    assert flag.measured == "1 tenderer"
    assert flag.value == 1


def test_single_bid_counts_distinct_tenderers_when_the_number_is_missing():
    tenderers = [org("S1"), org("S1")]
    assert flagged([release(method="selective", tenderers=tenderers)], "single-bid")


def test_single_bid_falls_back_to_valid_bids():
    bids = [bid("S1", 100), bid("S2", 90, status="disqualified")]
    assert flagged([release(bids=bids)], "single-bid")
    assert not flagged([release(bids=[*bids, bid("S3", 95)])], "single-bid")


@pytest.mark.parametrize(
    "process",
    [
        release(numberOfTenderers=2),
        release(numberOfTenderers=0),
        release(),  # nothing says how many bid
        release(method="direct", numberOfTenderers=1),
        release(method="limited", numberOfTenderers=1),
        release(method=None, numberOfTenderers=1),
        release(numberOfTenderers=2, tenderers=[org("S1")]),  # the stated number wins
    ],
)
def test_single_bid_does_not_flag(process):
    assert not flagged([process], "single-bid")


def test_single_bid_methods_are_configurable():
    direct = release(method="direct", numberOfTenderers=1)
    assert flagged([direct], "single-bid", single_bid_methods=("direct",))
    assert flagged([direct], "single-bid", single_bid_methods=())  # empty: every method
    assert not flagged([release(numberOfTenderers=1)], "single-bid", single_bid_methods=("direct",))


# short-submission-period (Cardinal R003) ------------------------------------------------------


def test_short_period_flags_14_point_9_days():
    [flag] = flagged([release(tenderPeriod=period(14.9))], "short-submission-period")
    assert flag.measured == "14.9 days"
    assert flag.value == Decimal("14.9")


def test_short_period_does_not_flag_exactly_15_days():
    assert not flagged([release(tenderPeriod=period(15))], "short-submission-period")
    assert not flagged([release(tenderPeriod=period(40))], "short-submission-period")


def test_short_period_wording_never_rounds_up_to_the_limit():
    [flag] = flagged([release(tenderPeriod=period(14.99))], "short-submission-period")
    assert flag.measured == "14.9 days"
    [flag] = flagged([release(tenderPeriod=period(1))], "short-submission-period")
    assert flag.measured == "1 day"


def test_short_period_reads_dates_with_and_without_time_zones():
    naive = {"startDate": "2024-03-01T09:00:00", "endDate": "2024-03-10T09:00:00+00:00"}
    dates_only = {"startDate": "2024-03-01", "endDate": "2024-03-08"}
    assert [
        f.measured for f in flagged([release(tenderPeriod=naive)], "short-submission-period")
    ] == ["9 days"]
    assert flagged([release(tenderPeriod=dates_only)], "short-submission-period")


def test_short_period_days_and_methods_are_configurable():
    assert not flagged(
        [release(tenderPeriod=period(12))], "short-submission-period", short_period_days=10
    )
    direct = release(method="direct", tenderPeriod=period(2))
    assert not flagged([direct], "short-submission-period")
    assert flagged([direct], "short-submission-period", short_period_methods=())


@pytest.mark.parametrize(
    "tender_period",
    [
        period(-3),  # ends before it starts: a data error, not a measure
        {"startDate": when(0)},
        {"startDate": "soon", "endDate": when(3)},
        {"startDate": 20240301, "endDate": when(3)},
        "three days",
        None,
    ],
)
def test_short_period_skips_what_cannot_be_measured(tender_period):
    assert not flagged([release(tenderPeriod=tender_period)], "short-submission-period")


# close-second-bid (Cardinal R024) -------------------------------------------------------------


def contest(number: int, winning: Any, second: Any, **options: Any) -> dict[str, Any]:
    """A process won by W with `winning`; R bid `second`; L lost with a higher bid."""
    bids = [bid("W", winning), bid("R", second), bid("L", Decimal(second) * 2)]
    return release(f"ocds-contest-{number}", awards=[award(winning, "W")], bids=bids, **options)


def test_close_second_bid_uses_the_fixed_limit_with_few_processes():
    [flag] = flagged([contest(1, 100000, 100900)], "close-second-bid")
    assert flag.measured == "next-lowest bid 0.9% above the winning bid (fixed limit 1%)"
    assert flag.value == Decimal("0.009")
    assert (flag.supplier_id, flag.award_id) == ("W", "award-1")


def test_close_second_bid_fixed_limit_boundary():
    assert flagged([contest(1, 100000, 101000)], "close-second-bid")  # exactly 1%: flagged
    assert not flagged([contest(1, 100000, 101001)], "close-second-bid")
    assert flagged([contest(1, 100000, 100000)], "close-second-bid")  # identical bids
    assert flagged(
        [contest(1, 100000, 102000)], "close-second-bid", close_bid_fraction=Decimal("0.02")
    )


# Ten gaps bunched around 10%, one of them 2%: the lower fence is 7.56%.
BUNCHED = ["0.02", "0.09", "0.095", "0.10", "0.10", "0.105", "0.11", "0.11", "0.115", "0.12"]


def bunched() -> list[dict[str, Any]]:
    return [contest(n, 100000, 100000 * (1 + Decimal(r))) for n, r in enumerate(BUNCHED)]


def test_close_second_bid_uses_the_lower_fence_with_enough_processes():
    [flag] = flagged(bunched(), "close-second-bid")
    assert flag.ocid == "ocds-contest-0"
    assert flag.measured == (
        "next-lowest bid 2% above the winning bid (limit 7.56%, worked out from 10 processes)"
    )


@pytest.mark.parametrize(("lowest", "raised"), [("0.07", True), ("0.0701", False)])
def test_close_second_bid_lower_fence_boundary(lowest, raised):
    # Q1 10%, Q3 12%: the lower fence is 10% - 1.5 x 2% = 7%; a gap at the fence is flagged.
    ratios = [lowest, "0.09", "0.10", "0.10", "0.11", "0.11", "0.12", "0.12", "0.13", "0.14"]
    releases = [contest(n, 100000, 100000 * (1 + Decimal(r))) for n, r in enumerate(ratios)]
    assert bool(flagged(releases, "close-second-bid")) is raised


def test_close_second_bid_needs_the_minimum_number_of_processes_for_the_fence():
    # With 11 needed, the same ten fall back to the fixed 1%, which a 2% gap does not reach.
    assert not flagged(bunched(), "close-second-bid", close_bid_min_processes=11)


def test_close_second_bid_falls_back_when_the_fence_is_not_above_zero():
    spread = ["0.005", "0.1", "0.2", "0.3", "0.5", "0.6", "0.8", "1.0", "1.5", "2.0"]
    releases = [contest(n, 1000, 1000 * (1 + Decimal(r))) for n, r in enumerate(spread)]
    [flag] = flagged(releases, "close-second-bid")
    assert flag.measured == "next-lowest bid 0.5% above the winning bid (fixed limit 1%)"


def test_close_second_bid_counts_only_processes_with_a_measurable_gap():
    releases = [*bunched(), release("ocds-no-bids", awards=[award(5, "W")])]
    assert [f.ocid for f in flagged(releases, "close-second-bid")] == ["ocds-contest-0"]


@pytest.mark.parametrize(
    "process",
    [
        # The cheaper bid lost, so price was not the only criterion.
        release(awards=[award(100, "W")], bids=[bid("W", 100), bid("R", 99)]),
        # Two active awards: lots, so it is not known which bids competed.
        release(
            awards=[award(100, "W"), award(100, "R", id="award-2")],
            bids=[bid("W", 100), bid("R", 100)],
        ),
        # The winner's bid is missing.
        release(awards=[award(100, "W")], bids=[bid("R", 100), bid("X", 100)]),
        # The only rival bid is in another currency, or was disqualified.
        release(awards=[award(100, "W")], bids=[bid("W", 100), bid("R", 100, currency="EUR")]),
        release(
            awards=[award(100, "W")], bids=[bid("W", 100), bid("R", 100, status="disqualified")]
        ),
        # The award is still pending, or went to a group of suppliers.
        release(awards=[award(100, "W", status="pending")], bids=[bid("W", 100), bid("R", 100)]),
        release(awards=[award(100, "W", "R")], bids=[bid("W", 100), bid("R", 100)]),
        # A winning bid of nothing cannot be divided by.
        release(awards=[award(0, "W")], bids=[bid("W", 0), bid("R", 100)]),
    ],
)
def test_close_second_bid_skips_what_cannot_be_compared(process):
    assert not flagged([process], "close-second-bid")


def test_close_second_bid_takes_the_winners_lowest_bid():
    bids = [bid("W", 120), bid("W", 100), bid("R", 100.5)]
    [flag] = flagged([release(awards=[award(100, "W")], bids=bids)], "close-second-bid")
    assert flag.value == Decimal("0.005")


# price-near-estimate --------------------------------------------------------------------------


def estimated(amount: Any, estimate: Any = 100000, currency: str = "GBP", **options: Any) -> dict:
    return release(value=money(estimate), awards=[award(amount, currency=currency, **options)])


def test_price_near_estimate_flags_an_award_0_4_percent_above():
    [flag] = flagged([estimated(100400)], "price-near-estimate")
    assert flag.measured == "0.4% above the estimate"
    assert flag.value == Decimal("0.004")
    assert (flag.award_id, flag.supplier_id) == ("award-1", "S1")


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (101000, "1% above the estimate"),  # exactly the margin
        (99000, "1% below the estimate"),
        (100000, "the same as the estimate"),
        ("100000.50", "less than 0.01% above the estimate"),
    ],
)
def test_price_near_estimate_boundary_flags(amount, expected):
    assert [f.measured for f in flagged([estimated(amount)], "price-near-estimate")] == [expected]


@pytest.mark.parametrize("amount", [101001, 98999, 150000])
def test_price_near_estimate_boundary_does_not_flag(amount):
    assert not flagged([estimated(amount)], "price-near-estimate")


def test_price_near_estimate_compares_only_the_same_currency_and_active_awards():
    assert not flagged([estimated(100000, currency="EUR")], "price-near-estimate")
    assert not flagged([estimated(100000, status="pending")], "price-near-estimate")
    no_currency = release(value={"amount": 100000}, awards=[award(100000)])
    assert not flagged([no_currency], "price-near-estimate")


def test_price_near_estimate_margin_is_configurable():
    assert flagged([estimated(101500)], "price-near-estimate", estimate_margin=Decimal("0.02"))


# late-award -----------------------------------------------------------------------------------


def awarded_after(waits: list[float], buyer: dict[str, Any] = NORTHSHIRE) -> list[dict]:
    """One process per wait: a 20-day tender period, then an award `wait` days after it ends."""
    return [
        release(
            f"ocds-{buyer['id']}-{n}",
            buyer=buyer,
            tenderPeriod=period(20),
            awards=[award(1000, days=20 + wait)],
        )
        for n, wait in enumerate(waits)
    ]


def test_late_award_flags_an_outlier_for_the_buyer():
    [flag] = flagged(awarded_after([10, 12, 14, 16, 100]), "late-award")
    assert flag.ocid == "ocds-GB-LA-NORTH-4"
    assert flag.measured == "100 days from bid deadline to award (22 days or more is unusual)"
    assert flag.value == 100
    assert flag.award_id == "award-1"


def test_late_award_boundary_is_the_upper_fence():
    # Q1 12, Q3 16: the upper fence is 16 + 1.5 x 4 = 22 days.
    assert [f.value for f in flagged(awarded_after([10, 12, 14, 16, 22]), "late-award")] == [22]
    assert not flagged(awarded_after([10, 12, 14, 16, 21.9]), "late-award")


def test_late_award_needs_enough_awards_from_the_buyer():
    assert not flagged(awarded_after([10, 12, 14, 100]), "late-award")
    assert flagged(awarded_after([10, 12, 14, 100]), "late-award", late_award_min_awards=4)


def test_late_award_compares_each_buyer_with_itself():
    slow = awarded_after([200, 210, 220, 230, 240], buyer=SOUTHSHIRE)
    fast = awarded_after([10, 12, 14, 16, 100])
    assert [f.buyer_id for f in flagged(slow + fast, "late-award")] == ["GB-LA-NORTH"]


def test_late_award_does_not_flag_equal_waits():
    assert not flagged(awarded_after([30, 30, 30, 30, 30]), "late-award")


def test_late_award_skips_awards_without_usable_dates():
    releases = awarded_after([10, 12, 14, 16, 100])
    releases[4]["awards"][0]["date"] = "last spring"
    releases[3]["awards"][0]["date"] = when(5)  # before the deadline: a data error
    releases.append(release("ocds-no-buyer", buyer=None, tenderPeriod=period(20), awards=[award()]))
    assert not flagged(releases, "late-award")


# just-under-threshold -------------------------------------------------------------------------


def test_just_under_threshold_flags_an_award_just_below_30000_pounds():
    [flag] = flagged([release(awards=[award(29500)])], "just-under-threshold")
    assert flag.measured == "award of £29,500, 1.67% under the £30,000 limit"
    assert flag.award_id == "award-1"


@pytest.mark.parametrize(("amount", "raised"), [(27000, True), ("26999.99", False), (30000, False)])
def test_just_under_threshold_boundary(amount, raised):
    assert bool(flagged([release(awards=[award(amount)])], "just-under-threshold")) is raised


def test_just_under_threshold_uses_the_estimate_only_before_any_award():
    [flag] = flagged([release(value=money(214000))], "just-under-threshold")
    assert flag.measured == "estimated at £214,000, 0.42% under the £214,904 limit"
    assert flag.award_id is None
    assert not flagged([release(value=money(29500), awards=[award(50000)])], "just-under-threshold")


def test_just_under_threshold_matches_the_currency_of_the_limit():
    assert not flagged([release(awards=[award(29500, currency="EUR")])], "just-under-threshold")
    limits = (("EUR", Decimal(100000)),)
    euros = [release(awards=[award(96000, currency="EUR")])]
    [flag] = flagged(
        euros, "just-under-threshold", thresholds=limits, threshold_margin=Decimal("0.05")
    )
    assert flag.measured == "award of €96,000, 4% under the €100,000 limit"


# large-amendment ------------------------------------------------------------------------------


def amended(signed: Any, awarded: Any = 100000, **options: Any) -> dict[str, Any]:
    return release(awards=[award(awarded)], contracts=[contract(signed, **options)])


def test_large_amendment_flags_exactly_1_2_times_the_award():
    [flag] = flagged([amended(120000)], "large-amendment")
    assert flag.measured == "contract worth 1.2 times the award (20% more)"
    assert (flag.award_id, flag.contract_id, flag.supplier_id) == ("award-1", "contract-1", "S1")
    assert flag.value == Decimal("1.2")


def test_large_amendment_does_not_flag_1_19_times():
    assert not flagged([amended(119000)], "large-amendment")
    assert not flagged([amended(100000)], "large-amendment")


def test_large_amendment_ratio_is_configurable():
    assert not flagged([amended(140000)], "large-amendment", amendment_ratio=Decimal("1.5"))
    assert flagged([amended(150000)], "large-amendment", amendment_ratio=Decimal("1.5"))


def test_large_amendment_matches_award_ids_written_as_numbers():
    process = release(awards=[award(100, id="7")], contracts=[contract(200, award_id=7)])
    assert flagged([process], "large-amendment")


@pytest.mark.parametrize(
    "process",
    [
        amended(200000, award_id="award-2"),  # no such award
        amended(200000, award_id=None),
        amended(200000, status="cancelled"),
        release(
            awards=[award(100000)], contracts=[{"awardID": "award-1", "value": money(2e5, "EUR")}]
        ),
        amended(200000, awarded=0),
        amended(200000, awarded=None),
    ],
)
def test_large_amendment_skips_what_cannot_be_compared(process):
    assert not flagged([process], "large-amendment")


# supplier-concentration -----------------------------------------------------------------------


def spent(
    *amounts_by_supplier: tuple[str, Any], buyer: dict | None = NORTHSHIRE, **options
) -> list:
    """One process per (supplier, amount) pair, all with the same buyer."""
    return [
        release(f"ocds-spend-{n}", buyer=buyer, awards=[award(amount, supplier, **options)])
        for n, (supplier, amount) in enumerate(amounts_by_supplier)
    ]


# A buyer is judged on its concentration index only after five awards (the default); these
# tests use two, to keep the fixtures small.
FEW = {"concentration_min_awards": 2}


def test_concentration_flags_the_top_supplier_of_a_concentrated_buyer():
    [flag] = flagged(spent(("S1", 90000), ("S2", 10000)), "supplier-concentration", **FEW)
    assert flag.ocid is None  # about the buyer, not one process
    assert (flag.buyer_id, flag.supplier_id, flag.supplier_name) == (
        "GB-LA-NORTH",
        "S1",
        "Company S1",
    )
    assert flag.measured == (
        "90% of this buyer's awards by value in GBP (concentration index 0.82 out of 1)"
    )
    assert flag.value == Decimal("0.9")


def test_concentration_index_boundary():
    # 40% + 4 x 15%: the index is exactly 0.16 + 4 x 0.0225 = 0.25.
    releases = spent(("S1", 40), ("S2", 15), ("S3", 15), ("S4", 15), ("S5", 15))
    no_outliers = {"concentration_min_suppliers": 99}
    assert [f.supplier_id for f in flagged(releases, "supplier-concentration", **no_outliers)] == [
        "S1"
    ]
    higher = {**no_outliers, "concentration_hhi": Decimal("0.2501")}
    assert not flagged(releases, "supplier-concentration", **higher)


def test_concentration_index_needs_enough_awards():
    assert not flagged(spent(("S1", 90000)), "supplier-concentration", **FEW)
    assert flagged(spent(("S1", 50000), ("S1", 40000)), "supplier-concentration", **FEW)


def test_concentration_flags_a_share_above_the_upper_fence():
    releases = spent(*[(f"S{n}", 10000) for n in range(10)], ("BIG", 100000))
    never = {"concentration_hhi": Decimal(2)}  # switch the index rule off
    [flag] = flagged(releases, "supplier-concentration", **never)
    assert flag.supplier_id == "BIG"
    assert flag.measured.startswith("50% of this buyer's awards")
    assert not flagged(releases, "supplier-concentration", concentration_min_suppliers=12, **never)


def test_concentration_does_not_flag_spending_spread_evenly():
    releases = spent(*[(f"S{n}", 20000) for n in range(5)])
    assert not flagged(releases, "supplier-concentration")


def test_concentration_uses_the_buyers_most_common_currency_only():
    releases = spent(("S1", 40), ("S2", 30), ("S3", 30))
    releases += spent(("S4", 1000000), currency="EUR")
    releases[-1]["ocid"] = "ocds-euro"
    [flag] = flagged(releases, "supplier-concentration", **FEW)
    assert flag.supplier_id == "S1"
    assert "40% of this buyer's awards by value in GBP" in flag.measured


def test_concentration_shares_a_group_award_equally_and_flags_ties():
    releases = [
        release("ocds-group", awards=[award(100, "S1", "S2")]),
        release("ocds-solo", awards=[award(100, "S1", "S2")]),
    ]
    flags = flagged(releases, "supplier-concentration", **FEW)
    assert [(f.supplier_id, f.value) for f in flags] == [
        ("S1", Decimal("0.5")),
        ("S2", Decimal("0.5")),
    ]


def test_concentration_groups_buyers_by_name_when_they_have_no_id():
    buyer = {"name": "Parish of Little Hampton"}
    [flag] = flagged(spent(("S1", 90), ("S2", 10), buyer=buyer), "supplier-concentration", **FEW)
    assert (flag.buyer_id, flag.buyer_name) == (None, "Parish of Little Hampton")


def test_concentration_reads_the_buyer_from_parties_when_buyer_is_missing():
    releases = spent(("S1", 90), ("S2", 10), buyer=None)
    for process in releases:
        process["parties"] = [{"id": "GB-X", "name": "Xshire", "roles": ["buyer"]}, org("S1")]
    [flag] = flagged(releases, "supplier-concentration", **FEW)
    assert flag.buyer_id == "GB-X"


def test_concentration_by_index_waits_for_five_awards_by_default():
    few = spent(("S1", 90000), ("S2", 10000))
    assert not flagged(few, "supplier-concentration")
    enough = spent(("S1", 30000), ("S1", 30000), ("S1", 30000), ("S2", 5000), ("S3", 5000))
    assert [f.supplier_id for f in flagged(enough, "supplier-concentration")] == ["S1"]


# Messy data -----------------------------------------------------------------------------------


def test_garbage_is_skipped_without_an_error():
    releases: list[Any] = [
        None,
        "ocds-1",
        42,
        [],
        {},
        {"ocid": None},
        {
            "ocid": "ocds-junk",
            "buyer": "Northshire",
            "parties": [{"roles": "buyer"}, {"roles": 5}, None],
            "tender": "closed",
            "awards": "many",
            "contracts": [None, 1, "a", {"awardID": {}, "value": []}],
            "bids": {"details": "none"},
        },
        {
            "ocid": "ocds-junk-2",
            "tender": {"numberOfTenderers": "lots", "tenderPeriod": [], "value": "big"},
            "awards": [{"status": "active", "value": {"amount": "NaN", "currency": 3}}],
            "bids": {"details": [{"status": "valid", "tenderers": "S1", "value": None}]},
        },
    ]
    assert compute(releases, Thresholds()) == []


@pytest.mark.parametrize(
    ("amount", "measurable"),
    [
        (29500, True),
        (29500.0, True),
        ("29500", True),
        (" 29500.00 ", True),
        ("2.95e4", True),
        ("29,500", False),
        ("Infinity", False),
        ("NaN", False),
        ("", False),
        (True, False),
        (None, False),
        ({"value": 29500}, False),
        ("1e400", False),
    ],
)
def test_amounts_in_any_form(amount, measurable):
    found = flagged([release(awards=[award(amount)])], "just-under-threshold")
    assert bool(found) is measurable


def test_currency_codes_are_read_regardless_of_case():
    process = release(awards=[{"id": "a", "status": "Active", "value": money("29500", " gbp ")}])
    assert flagged([process], "just-under-threshold")


def test_number_of_tenderers_in_any_form():
    assert flagged([release(numberOfTenderers="1")], "single-bid")
    assert flagged([release(numberOfTenderers=1.0)], "single-bid")
    assert not flagged([release(numberOfTenderers=True)], "single-bid")
    assert not flagged([release(numberOfTenderers=1.5)], "single-bid")


def test_huge_ratios_are_worded_without_error():
    [flag] = flagged([amended(10**17, awarded="0.0000001")], "large-amendment")
    assert "times the award" in flag.measured


def test_compute_accepts_a_generator_and_measures_across_it():
    assert len(flagged(iter(bunched()), "close-second-bid")) == 1
    assert len(compute((r for r in bunched()), Thresholds())) >= 1


JSON_KEYS = st.sampled_from(
    [
        "ocid", "buyer", "id", "name", "tender", "awards", "contracts", "bids", "details",
        "status", "value", "amount", "currency", "date", "tenderPeriod", "startDate", "endDate",
        "suppliers", "tenderers", "numberOfTenderers", "procurementMethod", "awardID", "parties",
        "roles",
    ]
)  # fmt: skip
JSON_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=6)
    | st.sampled_from(["active", "valid", "open", "GBP", "buyer", "1", "2024-03-01", when(3)])
)
JSON = st.recursive(
    JSON_LEAVES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(JSON_KEYS, inner, max_size=6),
    max_leaves=40,
)


@hypothesis_settings(max_examples=150, deadline=None)
@given(st.lists(JSON, max_size=6))
def test_any_json_is_measured_or_skipped_never_an_error(releases):
    for flag in compute(releases, Thresholds()):
        assert flag.code in INDICATORS
        assert isinstance(flag.value, Decimal)


# The registry and the settings ----------------------------------------------------------------


def test_every_flag_code_has_an_indicator():
    assert set(INDICATORS) == {
        "single-bid",
        "short-submission-period",
        "close-second-bid",
        "price-near-estimate",
        "late-award",
        "just-under-threshold",
        "large-amendment",
        "supplier-concentration",
    }


@pytest.mark.parametrize("code", sorted(INDICATORS))
def test_every_indicator_explains_itself(code):
    indicator = INDICATORS[code]
    assert indicator.code == code
    for text in (indicator.name, indicator.definition, indicator.threshold(Thresholds())):
        assert text.strip()
        assert text[0].isupper()
    assert indicator.definition.endswith(".")
    assert indicator.source.strip()
    assert indicator.source_url.startswith("https://")
    assert indicator.scope in {"process", "award", "contract", "buyer"}


def test_cardinal_indicators_cite_cardinal():
    assert "R018" in INDICATORS["single-bid"].source
    assert "R003" in INDICATORS["short-submission-period"].source
    assert INDICATORS["close-second-bid"].source_url.endswith("/R/024.html")


@pytest.mark.parametrize(
    ("code", "changes", "expected", "default"),
    [
        (
            "single-bid",
            {"single_bid_methods": ("direct",)},
            "in direct awards",
            "open competitions",
        ),
        ("single-bid", {"single_bid_methods": ()}, "in any kind of process", "open competitions"),
        ("short-submission-period", {"short_period_days": 9}, "less than 9 days", "15 days"),
        ("close-second-bid", {"close_bid_min_processes": 25}, "at least 25 processes", "10"),
        ("close-second-bid", {"close_bid_fraction": Decimal("0.03")}, "3% of the winning", "1%"),
        ("price-near-estimate", {"estimate_margin": Decimal("0.02")}, "within 2%", "within 1%"),
        ("late-award", {"late_award_min_awards": 8}, "at least 8 awards", "at least 5 awards"),
        (
            "just-under-threshold",
            {"thresholds": (("EUR", Decimal(140000)),)},
            "under €140,000",
            "under £30,000 or £214,904",
        ),
        ("just-under-threshold", {"threshold_margin": Decimal("0.05")}, "5%", "10%"),
        ("just-under-threshold", {"thresholds": ()}, "No spending limits", "£30,000"),
        (
            "large-amendment",
            {"amendment_ratio": Decimal("1.5")},
            "1.5 times the award (50% more)",
            "1.2",
        ),
        ("supplier-concentration", {"concentration_min_suppliers": 6}, "with 6 suppliers", "4"),
        (
            "supplier-concentration",
            {"concentration_hhi": Decimal("0.3")},
            "index is 0.3 or",
            "0.25",
        ),
        ("supplier-concentration", {"concentration_min_awards": 3}, "at least 3 awards", "2"),
    ],
)
def test_threshold_text_shows_the_configured_numbers(code, changes, expected, default):
    assert default in INDICATORS[code].threshold(Thresholds())
    assert expected in INDICATORS[code].threshold(Thresholds(**changes))


def test_thresholds_default_when_nothing_is_set():
    assert thresholds_from_settings() == Thresholds()


def test_thresholds_read_from_settings(settings):
    settings.OCDS_FLAG_SHORT_PERIOD_DAYS = "10"
    settings.OCDS_FLAG_SINGLE_BID_METHODS = "open, Limited"
    settings.OCDS_FLAG_SHORT_PERIOD_METHODS = []
    settings.OCDS_FLAG_AMENDMENT_RATIO = 1.5
    settings.OCDS_FLAG_THRESHOLDS = [("eur", "140000")]
    thresholds = thresholds_from_settings()
    assert thresholds.short_period_days == 10
    assert thresholds.single_bid_methods == ("open", "limited")
    assert thresholds.short_period_methods == ()
    assert thresholds.amendment_ratio == Decimal("1.5")
    assert thresholds.thresholds == (("EUR", Decimal(140000)),)
    assert thresholds.close_bid_min_processes == 10  # not set: the default


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("OCDS_FLAG_SHORT_PERIOD_DAYS", "fifteen"),
        ("OCDS_FLAG_SHORT_PERIOD_DAYS", -1),
        ("OCDS_FLAG_ESTIMATE_MARGIN", "-0.01"),
        ("OCDS_FLAG_THRESHOLDS", [("GBP",)]),
        ("OCDS_FLAG_THRESHOLDS", [("GBP", "lots")]),
        ("OCDS_FLAG_SINGLE_BID_METHODS", 3),
    ],
)
def test_bad_settings_fail_loudly_naming_the_setting(settings, name, value):
    setattr(settings, name, value)
    with pytest.raises(ValueError, match=name):
        thresholds_from_settings()
