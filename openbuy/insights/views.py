"""Public dashboards: overall, per buyer, and the red flags, each figure with a chart (SVG made on
the server) and a table of the same numbers beside it."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from openbuy.accounts.models import Organisation
from openbuy.insights import charts, figures
from openbuy.opendata import flags, redflags
from openbuy.opendata.models import Publisher, RedFlag

FLAGS_PAGE_SIZE = 50


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


@require_safe
def overview(request):
    chosen = figures.scope(request.GET.get("publisher", "local")) or figures.scope("local")
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
            "chosen": request.GET.get("publisher", "local"),
            "ours_only": ours_only,
            "flags": flags.shown(figures.flags_in(records).select_related("record")[:10]),
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
            "flags": flags.shown(figures.flags_in(records).select_related("record")),
        },
    )


@require_safe
def red_flags(request):
    rows = RedFlag.objects.select_related("record").order_by("code", "-value", "id")
    code = request.GET.get("code", "")
    if code in redflags.INDICATORS:
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
            "query": query.urlencode(),
        },
    )
