"""Public dashboards: overall, per buyer, and the red flags, each figure with a chart (SVG made on
the server) and a table of the same numbers beside it."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from openbuy.accounts.models import Organisation
from openbuy.insights import charts, figures
from openbuy.opendata import flags, redflags
from openbuy.opendata.models import Publisher

FLAGS_PAGE_SIZE = 50
FLAGS_ON_DASHBOARD = 10


def _charts(found: figures.Figures) -> list[charts.Chart]:
    shares = [
        ("Awards to small firms (SMEs)", found.sme_awards.percent),
        ("Value to small firms (SMEs)", found.sme_value.percent),
        ("Awards to social enterprises", found.social_awards.percent),
        ("Value to social enterprises", found.social_value.percent),
    ]
    made = [
        charts.bar_chart(
            "Share going to small firms and social enterprises",
            [(label, value) for label, value in shares if value is not None],
            unit="%",
            label_heading="Measure",
            value_heading="Share",
        ),
        charts.column_chart(
            "Awards per month",
            found.awards_by_month,
            label_heading="Month",
            value_heading="Awards",
        ),
        charts.bar_chart(
            f"Largest suppliers by awarded value ({found.currency})",
            found.top_suppliers,
            label_heading="Supplier",
            value_heading=f"Awarded ({found.currency})",
        ),
        charts.bar_chart(
            "Suppliers' ratings of the buyer (out of 5)",
            [(k.capitalize(), v) for k, v in found.ratings.items()],
            label_heading="Aspect",
            value_heading="Average rating",
        ),
        charts.bar_chart(
            "Red flags raised",
            [
                (redflags.INDICATORS[c].name if c in redflags.INDICATORS else c, n)
                for c, n in found.flags
            ],
            label_heading="Red flag",
            value_heading="Raised",
        ),
    ]
    return made


def _first_flags(records) -> list[flags.Shown]:
    """The strongest few flags for a dashboard; the red flags page lists the rest."""
    return flags.shown(
        figures.flags_in(records)
        .select_related("record")
        .order_by("code", "-value", "id")[:FLAGS_ON_DASHBOARD]
    )


@require_safe
def overview(request):
    key = request.GET.get("publisher", "local")
    chosen = figures.scope(key)
    if chosen is None:  # a publisher nobody knows: this site's, as without a choice
        key, chosen = "local", figures.scope("local")
    assert chosen is not None
    records, ours_only = chosen.records, chosen.ours
    found = figures.compute(chosen.name, records, None, settings.CURRENCY, ours=ours_only)
    buyers = Organisation.objects.filter(kind=Organisation.Kind.BUYER).order_by("name")
    return render(
        request,
        "insights/dashboard.html",
        {
            "figures": found,
            "charts": _charts(found),
            "heading": "Dashboards",
            "buyers": buyers,
            "publishers": Publisher.objects.filter(records__isnull=False).distinct(),
            "chosen": key,
            "ours_only": ours_only,
            "flags": _first_flags(records),
            "flags_raised": sum(n for _code, n in found.flags),
            "flags_query": urlencode({"publisher": key}),
        },
    )


@require_safe
def buyer(request, slug: str):
    organisation = get_object_or_404(Organisation, slug=slug, kind=Organisation.Kind.BUYER)
    records = figures.buyer_records(organisation)
    found = figures.compute(
        organisation.name,
        records,
        Organisation.objects.filter(pk=organisation.pk),
        settings.CURRENCY,
    )
    return render(
        request,
        "insights/dashboard.html",
        {
            "figures": found,
            "charts": _charts(found),
            "heading": f"Dashboard: {organisation.name}",
            "organisation": organisation,
            "ours_only": True,
            "flags": _first_flags(records),
            "flags_raised": sum(n for _code, n in found.flags),
            "flags_query": urlencode({"buyer": organisation.slug}),
        },
    )


@require_safe
def red_flags(request):
    code = request.GET.get("code", "")
    code = code if code in redflags.INDICATORS else ""
    chosen = figures.flag_scope(
        publisher=request.GET.get("publisher", ""), buyer=request.GET.get("buyer", "")
    )
    rows = chosen.flags.select_related("record").order_by("code", "-value", "id")
    if code:
        rows = rows.filter(code=code)
    page = Paginator(rows, FLAGS_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    thresholds = redflags.thresholds_from_settings()
    return render(
        request,
        "insights/red_flags.html",
        {
            "page": page,
            "flags": flags.shown(page.object_list),
            "indicators": [
                (indicator, indicator.threshold(thresholds))
                for indicator in redflags.INDICATORS.values()
            ],
            "code": code,
            "scope": chosen,
            "scope_query": urlencode(chosen.params),
            "query": query.urlencode(),
        },
    )
