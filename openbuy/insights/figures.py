"""The dashboard figures: what share of the money reaches small firms and social enterprises,
how much competition there is, how long buying takes, whether needs are answered on time, what
stopping early cost, how concentrated each buyer's spending is, how suppliers rate the buyer,
and the red flags.

The competition and money figures are read from the open data (``openbuy.opendata``), so they
mean the same for our processes and for imported ones; needs, stage gates and ratings exist only
here and are read from our own records. Each figure says how many cases it rests on.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, F, Min, Q, QuerySet

from openbuy import clock
from openbuy.accounts.models import Organisation
from openbuy.contracts.models import Contract as OurContract
from openbuy.evaluation.models import Rating
from openbuy.needs.models import Need
from openbuy.opendata.models import Award, Party, Publisher, Record, RedFlag
from openbuy.processes.models import Process

SMALL = ("micro", "sme")
# Figures only this site's own data has: null for another publisher's.
OURS_ONLY = (
    "need_to_contract_days",
    "need_to_contract_cases",
    "needs_on_time",
    "stopped_early",
    "stopped_early_cost",
    "ratings",
    "ratings_count",
)
COMPETITIVE = ("open", "selective")


@dataclass
class Share:
    """``part`` of ``whole``, as a fraction (None when there is nothing to divide)."""

    part: Decimal
    whole: Decimal

    @property
    def fraction(self) -> Decimal | None:
        return (self.part / self.whole) if self.whole else None

    @property
    def percent(self) -> Decimal | None:
        fraction = self.fraction
        return None if fraction is None else (fraction * 100).quantize(Decimal("0.1"))


@dataclass
class Figures:
    scope: str
    currency: str
    ours: bool = True  # False: imported data, which has no needs, stage gates or ratings here
    awards: int = 0
    awarded_value: Decimal = Decimal(0)
    size_unknown: int = 0  # awards whose supplier's size the publisher did not give
    sme_awards: Share = field(default_factory=lambda: Share(Decimal(0), Decimal(0)))
    sme_value: Share = field(default_factory=lambda: Share(Decimal(0), Decimal(0)))
    social_awards: Share = field(default_factory=lambda: Share(Decimal(0), Decimal(0)))
    social_value: Share = field(default_factory=lambda: Share(Decimal(0), Decimal(0)))
    processes_with_bidders: int = 0
    average_bidders: Decimal | None = None
    single_bid: Share = field(default_factory=lambda: Share(Decimal(0), Decimal(0)))
    need_to_contract_days: Decimal | None = None
    need_to_contract_cases: int = 0
    needs_on_time: Share = field(default_factory=lambda: Share(Decimal(0), Decimal(0)))
    stopped_early: int = 0
    stopped_early_cost: Decimal = Decimal(0)
    top_suppliers: list[tuple[str, Decimal]] = field(default_factory=list)
    hhi: Decimal | None = None
    ratings: dict[str, Decimal] = field(default_factory=dict)
    ratings_count: int = 0
    flags: list[tuple[str, int]] = field(default_factory=list)
    awards_by_month: list[tuple[str, int]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        for name in (
            "sme_awards",
            "sme_value",
            "social_awards",
            "social_value",
            "single_bid",
            "needs_on_time",
        ):
            share: Share = getattr(self, name)
            data[name] = {
                "part": share.part,
                "whole": share.whole,
                "percent": share.percent,
            }
        data["top_suppliers"] = [{"name": n, "value": v} for n, v in self.top_suppliers]
        data["flags"] = [{"code": c, "count": n} for c, n in self.flags]
        data["awards_by_month"] = [{"month": m, "awards": n} for m, n in self.awards_by_month]
        if not self.ours:
            for name in OURS_ONLY:
                data[name] = None
        return data


def _money_figures(figures: Figures, records: QuerySet[Record]) -> None:
    """Awards in force with a value, in the scope's most common currency (so the count and the
    value are of the same awards; a stage gate decision carries no value and is not counted).
    A share of awards counts only awards whose supplier's size (or social status) is known."""
    awards = list(
        Award.objects.filter(
            record__in=records, status="active", value_amount__isnull=False
        ).values_list("record_id", "suppliers", "value_amount", "currency", "date")
    )
    currencies = Counter(currency for *_, currency, _date in awards if currency)
    figures.currency = currencies.most_common(1)[0][0] if currencies else figures.currency
    parties = {
        (record_id, party_id): (scale, social)
        for record_id, party_id, scale, social in Party.objects.filter(
            record__in=records
        ).values_list("record_id", "party_id", "scale", "social_enterprise")
    }
    by_supplier: dict[str, Decimal] = defaultdict(Decimal)
    names: dict[str, str] = {}
    months: Counter[str] = Counter()
    for record_id, suppliers, value, currency, date in awards:
        if value is None or currency != figures.currency:
            continue
        figures.awards += 1
        figures.awarded_value += value
        if date is not None:
            months[date.strftime("%Y-%m")] += 1
        known = [parties.get((record_id, s.get("id", ""))) for s in suppliers]
        scales = [k[0] for k in known if k and k[0]]
        socials = [k[1] for k in known if k and k[1] is not None]
        if scales:
            small = any(scale in SMALL for scale in scales)
            figures.sme_awards.whole += 1
            figures.sme_value.whole += value
            figures.sme_awards.part += small
            figures.sme_value.part += value if small else Decimal(0)
        else:
            figures.size_unknown += 1
        if socials:
            social = any(socials)
            figures.social_awards.whole += 1
            figures.social_value.whole += value
            figures.social_awards.part += social
            figures.social_value.part += value if social else Decimal(0)
        for supplier in suppliers:  # an award to a group is shared between its members
            key = supplier.get("id") or supplier.get("name") or "Not named"
            names.setdefault(key, supplier.get("name") or key)
            by_supplier[key] += value / len(suppliers)
    total = sum(by_supplier.values(), Decimal(0))
    if total > 0:
        figures.hhi = sum(((v / total) ** 2 for v in by_supplier.values()), Decimal(0)).quantize(
            Decimal("0.001")
        )
    ranked = sorted(by_supplier.items(), key=lambda kv: (-kv[1], names[kv[0]]))[:10]
    figures.top_suppliers = [(names[key], value.quantize(Decimal("0.01"))) for key, value in ranked]
    figures.awards_by_month = sorted(months.items())[-12:]


def _competition(figures: Figures, records: QuerySet[Record]) -> None:
    counted = records.filter(tenderers__isnull=False, method__in=COMPETITIVE)
    stats = counted.aggregate(
        n=Count("id"), avg=Avg("tenderers"), single=Count("id", filter=Q(tenderers=1))
    )
    figures.processes_with_bidders = stats["n"]
    if stats["n"]:
        figures.average_bidders = Decimal(str(stats["avg"])).quantize(Decimal("0.1"))
    figures.single_bid = Share(Decimal(stats["single"]), Decimal(stats["n"]))


def _ours(figures: Figures, organisations: QuerySet[Organisation] | None) -> None:
    processes = Process.objects.filter(published_at__isnull=False)
    needs = Need.objects.filter(answer_due_at__isnull=False)
    ratings = Rating.objects.all()
    if organisations is not None:
        processes = processes.filter(organisation__in=organisations)
        needs = needs.filter(organisation__in=organisations)
        ratings = ratings.filter(process__organisation__in=organisations)
    due = needs.filter(Q(answered_at__isnull=False) | Q(answer_due_at__lt=clock.now()))
    figures.needs_on_time = Share(
        Decimal(due.filter(answered_at__isnull=False, answered_at__lte=F("answer_due_at")).count()),
        Decimal(due.count()),
    )
    contracts = OurContract.objects.filter(process__in=processes).annotate(
        first_need=Min("process__specification__needs__created_at")
    )
    days = [
        Decimal((c.signed_at - c.first_need).total_seconds() / 86400).quantize(Decimal("0.1"))
        for c in contracts
        if c.first_need is not None
    ]
    figures.need_to_contract_cases = len(days)
    figures.need_to_contract_days = statistics.median(days) if days else None
    stopped = (
        processes.filter(
            kind=Process.Kind.STAGED,
            state__in=[Process.State.UNSUCCESSFUL, Process.State.CANCELLED],
        )
        .select_related("current_phase")
        .prefetch_related("phases")
    )
    for process in stopped:
        phases = list(process.phases.all())
        reached = process.current_phase.number if process.current_phase else len(phases)
        if reached < len(phases):
            figures.stopped_early += 1
            figures.stopped_early_cost += sum(
                (p.budget_amount or Decimal(0) for p in phases if p.number <= reached), Decimal(0)
            )
    averages = ratings.aggregate(
        n=Count("id"),
        clarity=Avg("clarity"),
        answers=Avg("answers"),
        debrief=Avg("debrief"),
        timeliness=Avg("timeliness"),
    )
    figures.ratings_count = averages.pop("n")
    figures.ratings = {
        k: Decimal(str(v)).quantize(Decimal("0.1")) for k, v in averages.items() if v is not None
    }


@dataclass
class Scope:
    """Whose records a dashboard shows; ``ours`` when they are this site's own."""

    name: str
    records: QuerySet[Record]
    ours: bool


def scope(publisher: str) -> Scope | None:
    """``local`` (this site), ``all``, or a publisher's id; None when there is no such one.
    The one rule the dashboard page and its JSON share."""
    if publisher == "local":
        return Scope("this site", Record.objects.filter(publisher__local=True), True)
    if publisher == "all":
        return Scope("every publisher", Record.objects.all(), False)
    if publisher.isdigit() and len(publisher) < 18:
        found = Publisher.objects.filter(pk=int(publisher)).first()
        if found is not None:
            return Scope(found.name, Record.objects.filter(publisher=found), found.local)
    return None


def buyer_records(organisation: Organisation) -> QuerySet[Record]:
    return Record.objects.filter(publisher__local=True, process__organisation=organisation)


def flags_in(records: QuerySet[Record]) -> QuerySet[RedFlag]:
    """The red flags on these records, and those about their buyers as a whole."""
    return RedFlag.objects.filter(
        Q(record__in=records) | Q(record__isnull=True, buyer_name__in=records.values("buyer_name"))
    )


@dataclass
class FlagScope:
    """Whose red flags a list shows: everyone's, one publisher's or one of our buyers';
    ``params`` are the query parameters that choose it again (for links and pages)."""

    name: str | None
    flags: QuerySet[RedFlag]
    params: dict[str, str]


def flag_scope(*, publisher: str = "", buyer: str = "") -> FlagScope:
    """The red flags a list shows, by the same rules as the dashboards: a buyer's (by its
    slug), a publisher's (``local``, ``all`` or an id), else every flag. A choice that names
    nothing known shows every flag rather than failing."""
    if buyer:
        organisation = Organisation.objects.filter(
            slug=buyer[:100], kind=Organisation.Kind.BUYER
        ).first()
        if organisation is not None:
            return FlagScope(
                organisation.name,
                flags_in(buyer_records(organisation)),
                {"buyer": organisation.slug},
            )
    if publisher and publisher != "all":
        chosen = scope(publisher)
        if chosen is not None:
            return FlagScope(chosen.name, flags_in(chosen.records), {"publisher": publisher})
    return FlagScope(None, RedFlag.objects.all(), {})


def compute(
    scope: str,
    records: QuerySet[Record],
    organisations: QuerySet[Organisation] | None,
    currency: str,
    *,
    ours: bool = True,
) -> Figures:
    """The figures over ``records``; with ``ours`` also those only this site has (needs,
    stage gates, ratings), for ``organisations`` (None: every organisation)."""
    figures = Figures(scope=scope, currency=currency, ours=ours)
    _money_figures(figures, records)
    _competition(figures, records)
    if ours:
        _ours(figures, organisations)
    flags = flags_in(records)
    figures.flags = list(
        flags.values("code").annotate(n=Count("id")).values_list("code", "n").order_by("code")
    )
    return figures
