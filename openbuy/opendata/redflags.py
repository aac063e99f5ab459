"""Red flags: warning signs worked out from OCDS 1.1 compiled releases.

A flag is a prompt to look more closely, never proof of wrongdoing. ``compute()`` takes compiled
releases (plain dicts, ours and ones imported from other publishers) and returns a ``Flag`` for each
warning sign; ``INDICATORS`` holds the plain-English text shown to the public next to each one.

Plain Python, no database. Imported data is messy, so the readers here accept anything: a missing
key, a string where a number belongs, a value without a currency or an unreadable date is skipped
as "cannot be measured", never an error. Money is ``Decimal`` (converted through ``str``) and is
compared only within one currency; a date without a time zone is read as UTC.

Cardinal's definitions (Open Contracting Partnership) are followed for R003, R018 and R024; the
other indicators come from the OCP "Red Flags for Integrity" guide. Statistical limits are Tukey's
fences (lower = Q1 - 1.5 IQR, upper = Q3 + 1.5 IQR); a value counts as unusual only when it is at or
beyond its fence *and* strictly beyond the quartile, so a group of equal values flags nobody.

Django settings read by ``thresholds_from_settings()`` (all optional; wire each from the variable of
the same name with the ``OPENBUY_`` prefix, like the other ``OCDS_*`` settings). An empty list
of procurement methods (codes from the OCDS ``method`` codelist) means every method.

- ``OCDS_FLAG_SINGLE_BID_METHODS``: methods checked for a single bid; ``("open", "selective")``
- ``OCDS_FLAG_SHORT_PERIOD_DAYS``: a time to bid shorter than this is flagged; ``15``
- ``OCDS_FLAG_SHORT_PERIOD_METHODS``: methods checked for it; ``("open", "selective")``
- ``OCDS_FLAG_CLOSE_BID_MIN_PROCESSES``: gaps needed for the statistical limit; ``10``
- ``OCDS_FLAG_CLOSE_BID_FRACTION``: the fixed limit used otherwise; ``Decimal("0.01")``
- ``OCDS_FLAG_ESTIMATE_MARGIN``: an award this close to the estimate is flagged; ``Decimal("0.01")``
- ``OCDS_FLAG_LATE_AWARD_MIN_AWARDS``: measurable awards a buyer needs to be compared; ``5``
- ``OCDS_FLAG_THRESHOLDS``: (currency, amount) pairs; ``(("GBP", 30000), ("GBP", 214904))``
- ``OCDS_FLAG_THRESHOLD_MARGIN``: how far under a limit is "just under"; ``Decimal("0.1")``
- ``OCDS_FLAG_AMENDMENT_RATIO``: contract/award value at which to flag; ``Decimal("1.2")``
- ``OCDS_FLAG_CONCENTRATION_MIN_SUPPLIERS``: suppliers a buyer needs to be compared; ``4``
- ``OCDS_FLAG_CONCENTRATION_HHI``: concentration index (0..1) that flags; ``Decimal("0.25")``
- ``OCDS_FLAG_CONCENTRATION_MIN_AWARDS``: awards a buyer needs for that index rule; ``5``
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from itertools import product
from typing import Any

Json = Mapping[str, Any]

_ONE_PERCENT = Decimal("0.01")
_TEN_PERCENT = Decimal("0.1")
# UK, VAT included: below-threshold notices (sub-central) and the 2024 goods and services threshold.
_DEFAULT_LIMITS = (("GBP", Decimal(30000)), ("GBP", Decimal(214904)))
_TOO_LARGE = Decimal(10) ** 18  # no contract is worth this much: a data error, not a measure
_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}


@dataclass(frozen=True)
class Thresholds:
    """The configurable numbers behind the indicators (settings are listed above)."""

    single_bid_methods: tuple[str, ...] = ("open", "selective")
    short_period_days: int = 15
    short_period_methods: tuple[str, ...] = ("open", "selective")
    close_bid_min_processes: int = 10
    close_bid_fraction: Decimal = _ONE_PERCENT
    estimate_margin: Decimal = _ONE_PERCENT
    late_award_min_awards: int = 5
    thresholds: tuple[tuple[str, Decimal], ...] = _DEFAULT_LIMITS  # spending limits (currency, T)
    threshold_margin: Decimal = _TEN_PERCENT
    amendment_ratio: Decimal = Decimal("1.2")
    concentration_min_suppliers: int = 4
    concentration_hhi: Decimal = Decimal("0.25")
    concentration_min_awards: int = 5


@dataclass(frozen=True)
class Flag:
    """One warning sign. ``ocid`` is None for a flag about a buyer rather than one process."""

    code: str
    ocid: str | None
    buyer_id: str | None
    buyer_name: str | None
    measured: str  # in words: "1 tenderer", "9 days", "0.4% above the estimate"
    value: Decimal  # the measure as a number, for sorting
    supplier_id: str | None = None
    supplier_name: str | None = None
    award_id: str | None = None
    contract_id: str | None = None


@dataclass(frozen=True)
class Indicator:
    """What a flag means, in the words shown to the public next to it."""

    code: str
    name: str
    definition: str
    threshold: Callable[[Thresholds], str]  # the rule with the configured numbers, in words
    source: str
    source_url: str
    scope: str  # what one flag is about: "process", "award", "contract" or "buyer"


# Reading messy JSON ---------------------------------------------------------------------------


def _dict(value: Any) -> Json:
    return value if isinstance(value, Mapping) else {}


def _dicts(value: Any) -> list[Json]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value).strip() or None


def _code(value: Any) -> str | None:
    """A codelist value, compared regardless of case and surrounding spaces."""
    text = _text(value)
    return text.lower() if text else None


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() and abs(number) < _TOO_LARGE else None


@dataclass(frozen=True)
class _Money:
    amount: Decimal
    currency: str


def _money(value: Any) -> _Money | None:
    amount, currency = _decimal(_dict(value).get("amount")), _text(_dict(value).get("currency"))
    return _Money(amount, currency.upper()) if amount is not None and currency else None


def _date(value: Any) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.strip()) if isinstance(value, str) else None
    except ValueError:
        return None
    return parsed.replace(tzinfo=parsed.tzinfo or UTC) if parsed else None


def _days_between(start: Any, end: Any) -> Decimal | None:
    first, last = _date(start), _date(end)
    if first is None or last is None:
        return None
    return Decimal(str((last - first).total_seconds())) / 86400


def _party_key(reference: Json) -> str | None:
    """An organisation's identity: its id, else its name."""
    return _text(reference.get("id")) or _text(reference.get("name"))


@dataclass(frozen=True)
class _Process:
    """The parts of one compiled release that the indicators read."""

    ocid: str
    buyer_id: str | None
    buyer_name: str | None
    tender: Json
    awards: list[Json]
    contracts: list[Json]
    bids: list[Json]

    @property
    def buyer_key(self) -> str | None:
        return self.buyer_id or self.buyer_name

    @property
    def active_awards(self) -> list[Json]:
        return [award for award in self.awards if _code(award.get("status")) == "active"]

    def uses(self, methods: tuple[str, ...]) -> bool:
        """Whether the procurement method is one of these; an empty tuple means any method."""
        method = _code(self.tender.get("procurementMethod"))
        return not methods or method in {m.lower() for m in methods}


def _process(release: Any) -> _Process | None:
    ocid = _text(_dict(release).get("ocid"))
    if ocid is None:
        return None
    buyer = _dict(release.get("buyer"))
    if not buyer:  # some publishers only name the buyer among the parties
        parties = _dicts(release.get("parties"))
        buyers = [p for p in parties if isinstance(p.get("roles"), list) and "buyer" in p["roles"]]
        buyer = buyers[0] if len(buyers) == 1 else {}
    return _Process(
        ocid=ocid,
        buyer_id=_text(buyer.get("id")),
        buyer_name=_text(buyer.get("name")),
        tender=_dict(release.get("tender")),
        awards=_dicts(release.get("awards")),
        contracts=_dicts(release.get("contracts")),
        bids=_dicts(_dict(release.get("bids")).get("details")),
    )


def _first_supplier(award: Json | None) -> Json:
    suppliers = _dicts(_dict(award).get("suppliers"))
    return suppliers[0] if suppliers else {}


def _supplier_names(supplier: Json) -> dict[str, Any]:
    return {"supplier_id": _text(supplier.get("id")), "supplier_name": _text(supplier.get("name"))}


def _flag(
    code: str,
    process: _Process,
    measured: str,
    value: Decimal,
    *,
    award: Json | None = None,
    contract: Json | None = None,
    supplier: Json | None = None,
) -> Flag:
    """A flag about one process; the supplier is the award's first unless given."""
    award, contract = _dict(award), _dict(contract)
    supplier = _first_supplier(award) if supplier is None else supplier
    return Flag(
        code=code,
        ocid=process.ocid,
        buyer_id=process.buyer_id,
        buyer_name=process.buyer_name,
        measured=measured,
        value=value,
        award_id=_text(award.get("id")),
        contract_id=_text(contract.get("id")),
        **_supplier_names(supplier),
    )


# Statistics and wording -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Fences:
    q1: Decimal
    q3: Decimal
    lower: Decimal
    upper: Decimal

    def is_low(self, value: Decimal) -> bool:
        return value <= self.lower and value < self.q1

    def is_high(self, value: Decimal) -> bool:
        return value >= self.upper and value > self.q3


def _fences(values: Sequence[Decimal]) -> _Fences | None:
    if len(values) < 2:
        return None
    # method="inclusive" interpolates between data points (R type 7, numpy's default). Cardinal
    # takes its quartiles from Rust's statrs, which uses R type 8: slightly different on few values.
    q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    reach = (q3 - q1) * Decimal("1.5")
    return _Fences(q1=q1, q3=q3, lower=q1 - reach, upper=q3 + reach)


def _number(value: Decimal, places: int = 2, rounding: str = ROUND_HALF_UP) -> str:
    try:
        text = f"{value.quantize(Decimal(1).scaleb(-places), rounding=rounding):,f}"
    except InvalidOperation:  # more digits than the decimal context holds: no decimals needed
        return f"{value:,.0f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _percent(fraction: Decimal) -> str:
    text = _number(fraction * 100)
    return "less than 0.01%" if fraction and text in {"0", "-0"} else f"{text}%"


def _days(days: Decimal) -> str:
    text = _number(days, places=1, rounding=ROUND_FLOOR)  # 14.96 days is not "15 days"
    return f"{text} day" if text == "1" else f"{text} days"


def _amount(amount: Decimal, currency: str) -> str:
    symbol = _SYMBOLS.get(currency)
    return f"{symbol}{_number(amount)}" if symbol else f"{_number(amount)} {currency}"


def _compared(fraction: Decimal, what: str) -> str:
    if fraction == 0:
        return f"the same as {what}"
    return f"{_percent(abs(fraction))} {'above' if fraction > 0 else 'below'} {what}"


_METHOD_WORDS = {
    "open": "open competitions",
    "selective": "competitions for shortlisted suppliers",
    "limited": "invitation-only processes",
    "direct": "direct awards",
}


def _methods_text(methods: tuple[str, ...]) -> str:
    words = [_METHOD_WORDS.get(m.lower(), f"“{m}” processes") for m in methods]
    if not words:
        return "in any kind of process"
    return "in " + (f"{', '.join(words[:-1])} or {words[-1]}" if len(words) > 1 else words[0])


# The indicators -------------------------------------------------------------------------------

_Check = Callable[[list[_Process], Thresholds], Iterator[Flag]]


def _tenderer_count(process: _Process) -> int | None:
    """tender.numberOfTenderers, else distinct tender.tenderers, else distinct valid bidders."""
    stated = _decimal(process.tender.get("numberOfTenderers"))
    if stated is not None and stated >= 0 and stated == stated.to_integral_value():
        return int(stated)
    valid = [bid for bid in process.bids if _code(bid.get("status")) == "valid"]
    bidders = [tenderer for bid in valid for tenderer in _dicts(bid.get("tenderers"))]
    for parties in (_dicts(process.tender.get("tenderers")), bidders):
        keys = {key for key in map(_party_key, parties) if key}
        if keys:
            return len(keys)
    return None


def _single_bid(processes: list[_Process], t: Thresholds) -> Iterator[Flag]:
    for process in processes:
        if process.uses(t.single_bid_methods) and _tenderer_count(process) == 1:
            awards = process.active_awards
            supplier = _first_supplier(awards[0] if len(awards) == 1 else None)
            yield _flag("single-bid", process, "1 tenderer", Decimal(1), supplier=supplier)


def _short_period(processes: list[_Process], t: Thresholds) -> Iterator[Flag]:
    for process in processes:
        period = _dict(process.tender.get("tenderPeriod"))
        days = _days_between(period.get("startDate"), period.get("endDate"))
        # (end - start) < N days in fractional days is the same test as Cardinal's whole days.
        if days is None or not process.uses(t.short_period_methods):
            continue
        if 0 <= days < t.short_period_days:
            yield _flag("short-submission-period", process, _days(days), days)


@dataclass(frozen=True)
class _BidGap:
    process: _Process
    award: Json
    ratio: Decimal  # (second-lowest valid bid - winning bid) / winning bid


def _bid_gap(process: _Process) -> _BidGap | None:
    """Cardinal R024's measure: one active award to one supplier, one bid per tenderer."""
    awards = process.active_awards
    suppliers = _dicts(awards[0].get("suppliers")) if len(awards) == 1 else []
    winner = _party_key(suppliers[0]) if len(suppliers) == 1 else None
    winning: _Money | None = None
    rivals: list[_Money] = []
    for bid in process.bids:
        tenderers, money = _dicts(bid.get("tenderers")), _money(bid.get("value"))
        if _code(bid.get("status")) != "valid" or len(tenderers) != 1 or money is None:
            continue
        if _party_key(tenderers[0]) != winner:
            rivals.append(money)
        elif winning is None or money.amount < winning.amount:
            winning = money  # a winner with several valid bids: the lowest counts
    if winner is None or winning is None or winning.amount <= 0:
        return None
    amounts = [rival.amount for rival in rivals if rival.currency == winning.currency]
    # When a cheaper bid lost, price was not the only criterion and the gap says nothing.
    if not amounts or min(amounts) < winning.amount:
        return None
    return _BidGap(process, awards[0], (min(amounts) - winning.amount) / winning.amount)


def _close_second_bid(processes: list[_Process], t: Thresholds) -> Iterator[Flag]:
    gaps = [gap for gap in map(_bid_gap, processes) if gap is not None]
    # The ratio has no unit, so processes in different currencies are compared together.
    fences = _fences([gap.ratio for gap in gaps])
    if fences and len(gaps) >= t.close_bid_min_processes and fences.lower > 0:
        rule = f"limit {_percent(fences.lower)}, worked out from {len(gaps)} processes"
        close = [gap for gap in gaps if fences.is_low(gap.ratio)]
    else:  # too few processes to compare, or no usable lower limit
        rule = f"fixed limit {_percent(t.close_bid_fraction)}"
        close = [gap for gap in gaps if gap.ratio <= t.close_bid_fraction]
    for gap in close:
        measured = f"next-lowest bid {_compared(gap.ratio, 'the winning bid')} ({rule})"
        yield _flag("close-second-bid", gap.process, measured, gap.ratio, award=gap.award)


def _price_near_estimate(processes: list[_Process], t: Thresholds) -> Iterator[Flag]:
    for process in processes:
        estimate = _money(process.tender.get("value"))
        if estimate is None or estimate.amount <= 0:
            continue
        for award in process.active_awards:
            money = _money(award.get("value"))
            if money is None or money.currency != estimate.currency:
                continue
            difference = (money.amount - estimate.amount) / estimate.amount
            if abs(difference) <= t.estimate_margin:
                measured = _compared(difference, "the estimate")
                yield _flag("price-near-estimate", process, measured, abs(difference), award=award)


def _late_award(processes: list[_Process], t: Thresholds) -> Iterator[Flag]:
    waits: dict[str, list[tuple[_Process, Json, Decimal]]] = defaultdict(list)
    for process in processes:
        deadline = _dict(process.tender.get("tenderPeriod")).get("endDate")
        for award in process.active_awards:
            days = _days_between(deadline, award.get("date"))
            if process.buyer_key and days is not None and days >= 0:
                waits[process.buyer_key].append((process, award, days))
    for items in waits.values():
        fences = _fences([days for _, _, days in items])
        if fences is None or len(items) < t.late_award_min_awards:
            continue
        for process, award, days in items:
            if fences.is_high(days):
                limit = _days(fences.upper)
                measured = f"{_days(days)} from bid deadline to award ({limit} or more is unusual)"
                yield _flag("late-award", process, measured, days, award=award)


def _amounts(process: _Process) -> list[tuple[_Money, Json | None]]:
    """Each active award's value or, before any award, the estimate (with no award)."""
    awards: list[Json | None] = list(process.active_awards) or [None]
    pairs = [(_money(_dict(award or process.tender).get("value")), award) for award in awards]
    return [(money, award) for money, award in pairs if money]


def _just_under_threshold(processes: list[_Process], t: Thresholds) -> Iterator[Flag]:
    for process in processes:
        for (money, award), (currency, limit) in product(_amounts(process), t.thresholds):
            if money.currency != currency.upper() or not (
                limit * (1 - t.threshold_margin) <= money.amount < limit
            ):
                continue
            gap = (limit - money.amount) / limit
            measured = (
                f"{'award of' if award else 'estimated at'} {_amount(money.amount, money.currency)}"
                f", {_percent(gap)} under the {_amount(limit, money.currency)} limit"
            )
            yield _flag("just-under-threshold", process, measured, gap, award=award)


def _growth(process: _Process) -> Iterator[tuple[Json, Json, Decimal]]:
    """(contract, award, contract value / award value) for each contract with a comparable award."""
    awards = {_text(award.get("id")): award for award in process.awards if _text(award.get("id"))}
    for contract in process.contracts:
        award = _dict(awards.get(_text(contract.get("awardID"))))
        signed, awarded = _money(contract.get("value")), _money(award.get("value"))
        if _code(contract.get("status")) == "cancelled" or not signed or not awarded:
            continue
        if signed.currency == awarded.currency and awarded.amount > 0:
            yield contract, award, signed.amount / awarded.amount


def _large_amendment(processes: list[_Process], t: Thresholds) -> Iterator[Flag]:
    for process in processes:
        for contract, award, ratio in _growth(process):
            if ratio >= t.amendment_ratio:
                measured = f"contract worth {_number(ratio)} times the award"
                measured += f" ({_percent(ratio - 1)} more)"
                yield _flag(
                    "large-amendment", process, measured, ratio, award=award, contract=contract
                )


def _spending(processes: list[_Process]) -> dict[str, list[tuple[_Process, Json, _Money]]]:
    """Each buyer's active awards that have a positive value, by buyer id (else name)."""
    spending: dict[str, list[tuple[_Process, Json, _Money]]] = defaultdict(list)
    for process in processes:
        for award in process.active_awards:
            money = _money(award.get("value"))
            if process.buyer_key and money and money.amount > 0:
                spending[process.buyer_key].append((process, award, money))
    return spending


def _shares(items: list[tuple[_Process, Json, _Money]]) -> tuple[str, int, dict[str, Decimal]]:
    """A buyer's most common currency, its awards in that currency and each supplier's share."""
    counts = Counter(money.currency for _, _, money in items)
    currency = min(counts, key=lambda c: (-counts[c], c))  # a tie goes to the first alphabetically
    totals: dict[str, Decimal] = defaultdict(Decimal)
    awards = 0
    for _, award, money in items:
        keys = {key for key in map(_party_key, _dicts(award.get("suppliers"))) if key}
        if money.currency != currency or not keys:
            continue
        awards += 1
        for key in keys:  # an award to a group of suppliers is shared equally between them
            totals[key] += money.amount / len(keys)
    total = sum(totals.values(), Decimal(0))
    return currency, awards, {key: amount / total for key, amount in totals.items()}


def _concentrated(shares: dict[str, Decimal], awards: int, hhi: Decimal, t: Thresholds) -> set[str]:
    """Suppliers whose share is a high outlier, and the top one when the buyer is concentrated."""
    flagged = set()
    fences = _fences(list(shares.values()))
    if fences and len(shares) >= t.concentration_min_suppliers:
        flagged |= {key for key, share in shares.items() if fences.is_high(share)}
    if shares and awards >= t.concentration_min_awards and hhi >= t.concentration_hhi:
        flagged |= {key for key, share in shares.items() if share == max(shares.values())}
    return flagged


def _supplier_concentration(processes: list[_Process], t: Thresholds) -> Iterator[Flag]:
    for items in _spending(processes).values():
        currency, awards, shares = _shares(items)
        hhi = sum((share * share for share in shares.values()), Decimal(0))
        suppliers = {_party_key(s): s for _, a, _ in items for s in _dicts(a.get("suppliers"))}
        for key in sorted(_concentrated(shares, awards, hhi, t), key=lambda k: (-shares[k], k)):
            measured = (
                f"{_percent(shares[key])} of this buyer's awards by value in {currency} "
                f"(concentration index {_number(hhi)} out of 1)"
            )
            flag = _flag("supplier-concentration", items[0][0], measured, shares[key])
            yield replace(flag, ocid=None, **_supplier_names(suppliers[key]))  # about the buyer


# The registry ---------------------------------------------------------------------------------

_CARDINAL = "https://cardinal.readthedocs.io/en/latest/cli/indicators/R/{}.html"
_GUIDE = "Red Flags for Integrity guide (Open Contracting Partnership)"
_GUIDE_URL = "https://www.open-contracting.org/resources/red-flags-integrity-giving-green-light-open-data-solutions/"


def _thresholds_text(t: Thresholds) -> str:
    if not t.thresholds:
        return "No spending limits are set, so nothing is flagged."
    limits = " or ".join(_amount(amount, currency.upper()) for currency, amount in t.thresholds)
    margin = _percent(t.threshold_margin)
    return f"Flagged when an amount is under {limits}, by no more than {margin} of that limit."


INDICATORS: dict[str, Indicator] = {
    indicator.code: indicator
    for indicator in (
        Indicator(
            code="single-bid",
            name="Only one bid",
            definition="Only one company sent a bid, although others could have. Without "
            "competition, the buyer cannot be sure it got a fair price.",
            threshold=lambda t: (
                f"Flagged when exactly 1 company bid, {_methods_text(t.single_bid_methods)}."
            ),
            source="Cardinal indicator R018 (Open Contracting Partnership)",
            source_url=_CARDINAL.format("018"),
            scope="process",
        ),
        Indicator(
            code="short-submission-period",
            name="Short time to bid",
            definition="Companies had very little time to prepare and send a bid. A short deadline "
            "can shut out companies that did not hear about the opportunity in advance.",
            threshold=lambda t: (
                f"Flagged when companies had less than {_days(Decimal(t.short_period_days))} "
                "between the opportunity being published and the bid deadline, "
                f"{_methods_text(t.short_period_methods)}."
            ),
            source="Cardinal indicator R003 (Open Contracting Partnership)",
            source_url=_CARDINAL.format("003"),
            scope="process",
        ),
        Indicator(
            code="close-second-bid",
            name="Next bid very close to the winning bid",
            definition="The next-cheapest bid was only a little higher than the winning bid. "
            "Companies that secretly agree prices sometimes send near-identical bids to make a "
            "contest look real.",
            threshold=lambda t: (
                "Flagged when the gap is unusually small compared with other "
                f"processes, once at least {t.close_bid_min_processes} processes can be compared. "
                "Until then (or if the comparison gives no usable limit), flagged when the gap is "
                f"{_percent(t.close_bid_fraction)} of the winning bid or less."
            ),
            source="Cardinal indicator R024 (Open Contracting Partnership)",
            source_url=_CARDINAL.format("024"),
            scope="award",
        ),
        Indicator(
            code="price-near-estimate",
            name="Price almost the same as the estimate",
            definition="The winning price was almost exactly what the buyer expected to pay. This "
            "can happen by chance, but it can also mean the estimate was shared with the winner.",
            threshold=lambda t: (
                f"Flagged when the award is within {_percent(t.estimate_margin)} "
                "of the estimate, above or below."
            ),
            source=_GUIDE,
            source_url=_GUIDE_URL,
            scope="award",
        ),
        Indicator(
            code="late-award",
            name="Long wait for the award",
            definition="The award came much longer after the bid deadline than is usual for this "
            "buyer. Long, unexplained delays can hide negotiations with a favoured company.",
            threshold=lambda t: (
                "Flagged when the wait is unusually long compared with the "
                f"buyer's other awards. Only buyers with at least {t.late_award_min_awards} awards "
                "to compare are checked."
            ),
            source=_GUIDE,
            source_url=_GUIDE_URL,
            scope="award",
        ),
        Indicator(
            code="just-under-threshold",
            name="Just under a spending limit",
            definition="The amount is just below a limit above which stricter rules apply, such "
            "as advertising the contract more widely. Staying just under a limit can be a way to "
            "avoid those rules.",
            threshold=_thresholds_text,
            source=_GUIDE,
            source_url=_GUIDE_URL,
            scope="award",
        ),
        Indicator(
            code="large-amendment",
            name="Contract worth much more than the award",
            definition="The contract is worth much more than the award that was announced. A big "
            "rise after the competition can mean the winner bid low expecting to be paid more.",
            threshold=lambda t: (
                "Flagged when the contract is worth at least "
                f"{_number(t.amendment_ratio)} times the award ({_percent(t.amendment_ratio - 1)} "
                "more)."
            ),
            source=_GUIDE,
            source_url=_GUIDE_URL,
            scope="contract",
        ),
        Indicator(
            code="supplier-concentration",
            name="Large share of a buyer's spending",
            definition="A large share of this buyer's spending went to one supplier. This can be "
            "normal for specialist work, but it can also mean other companies are being shut out.",
            threshold=lambda t: (
                "Flagged when a supplier's share is unusually large compared with the buyer's "
                f"other suppliers (for buyers with {t.concentration_min_suppliers} suppliers or "
                "more). The biggest supplier is also flagged when the buyer has made at least "
                f"{t.concentration_min_awards} awards and its concentration index is "
                f"{_number(t.concentration_hhi)} or more (0 means spending spread across many "
                "suppliers, 1 means all of it with one)."
            ),
            source=_GUIDE,
            source_url=_GUIDE_URL,
            scope="buyer",
        ),
    )
}

_CHECKS: dict[str, _Check] = {
    "single-bid": _single_bid,
    "short-submission-period": _short_period,
    "close-second-bid": _close_second_bid,
    "price-near-estimate": _price_near_estimate,
    "late-award": _late_award,
    "just-under-threshold": _just_under_threshold,
    "large-amendment": _large_amendment,
    "supplier-concentration": _supplier_concentration,
}


def compute(releases: Iterable[Any], thresholds: Thresholds) -> list[Flag]:
    """Every flag the compiled releases raise, indicator by indicator, in input order.

    Anything that is not an object with an ``ocid`` is skipped. Each release is taken to be the
    one compiled release of its process.
    """
    processes = [process for process in map(_process, releases) if process is not None]
    return [flag for check in _CHECKS.values() for flag in check(processes, thresholds)]


# Settings -------------------------------------------------------------------------------------


def _setting(name: str, value: Any, default: Any) -> Any:
    """A setting's value in the type of its default; a bad one raises ValueError naming it."""
    if isinstance(default, int):
        if isinstance(value, bool) or not str(value).strip().isdigit():
            raise ValueError(f"{name} must be a whole number, 0 or more, not {value!r}")
        return int(str(value).strip())
    if isinstance(default, Decimal):
        number = _decimal(value)
        if number is None or number < 0:
            raise ValueError(f"{name} must be a number, 0 or more, not {value!r}")
        return number
    if default and isinstance(default[0], tuple):  # spending limits: (currency, amount) pairs
        try:
            return tuple(
                (str(c).strip().upper(), _setting(name, a, _ONE_PERCENT)) for c, a in value
            )
        except (TypeError, ValueError) as error:
            raise ValueError(f"{name} must be (currency, amount) pairs, not {value!r}") from error
    methods = value.split(",") if isinstance(value, str) else value
    if not isinstance(methods, list | tuple) or not all(isinstance(m, str) for m in methods):
        raise ValueError(f"{name} must be a list of procurement methods, not {value!r}")
    return tuple(method.strip().lower() for method in methods if method.strip())


def thresholds_from_settings() -> Thresholds:
    """The thresholds from the ``OCDS_FLAG_<FIELD NAME>`` settings; a missing one keeps its default.

    A bad value raises ``ValueError`` naming the setting, so a typo stops start-up instead of
    quietly changing what gets flagged.
    """
    from django.conf import settings

    defaults = Thresholds()
    values = {}
    for field in fields(Thresholds):
        name = f"OCDS_FLAG_{field.name.upper()}"
        if hasattr(settings, name):
            values[field.name] = _setting(
                name, getattr(settings, name), getattr(defaults, field.name)
            )
    return Thresholds(**values)
