"""Atom feeds of new opportunities: every published process, or those of one kind, buyer or
area (``?kind=tender&buyer=<slug>&area=<slug>``), newest first. Suppliers live on these."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from openbuy.accounts.models import Organisation
from openbuy.needs.models import Area
from openbuy.processes.models import Process
from openbuy.processes.services import local


class ProcessesFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request):
        kind = request.GET.get("kind", "")
        buyer = Organisation.objects.filter(
            kind="buyer", slug=request.GET.get("buyer", "")[:80]
        ).first()
        area = Area.objects.filter(slug=request.GET.get("area", "")[:80]).first()
        return {
            "kind": kind if kind in Process.Kind.values else "",
            "buyer": buyer,
            "area": area,
        }

    def title(self, obj):
        what = f"{Process.Kind(obj['kind']).label.lower()}s" if obj["kind"] else "opportunities"
        where = f" from {obj['buyer']}" if obj["buyer"] else ""
        where += f" in {obj['area']}" if obj["area"] else ""
        return f"New {what}{where} on {settings.SERVICE_NAME}"

    def link(self, obj):
        query = {"kind": obj["kind"]} if obj["kind"] else {}
        if obj["buyer"]:
            query["buyer"] = obj["buyer"].slug
        if obj["area"]:
            query["area"] = obj["area"].slug
        return reverse("processes:list") + (f"?{urlencode(query)}" if query else "")

    def subtitle(self, obj):
        return "Challenges, tenders and staged competitions, newest first."

    def items(self, obj):
        # Only what is public about a process: never anything about its submissions.
        processes = (
            Process.objects.filter(published_at__isnull=False)
            .select_related("organisation", "current_phase")
            .order_by("-published_at", "-id")
        )
        if obj["kind"]:
            processes = processes.filter(kind=obj["kind"])
        if obj["buyer"]:
            processes = processes.filter(organisation=obj["buyer"])
        if obj["area"]:
            processes = processes.filter(area=obj["area"])
        return processes[:50]

    def item_title(self, item):
        return f"{item.title} ({item.get_kind_display()}, {item.organisation})"

    def item_description(self, item):
        phase = item.current_phase
        closing = (
            f"\n\nDeadline: {local(phase.deadline, '%d %B %Y %H:%M %Z')}" if phase.deadline else ""
        )
        value = f"\n\nValue: {item.currency} {item.value_amount:,.2f}" if item.value_amount else ""
        return f"{item.summary}{value}{closing}"

    def item_link(self, item):
        return reverse("processes:detail", args=[item.pk])

    def item_pubdate(self, item):
        return item.published_at

    def item_author_name(self, item):
        return item.organisation.name

    def item_categories(self, item):
        return [item.get_kind_display()]
