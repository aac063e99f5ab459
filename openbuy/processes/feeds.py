"""Atom feeds of new opportunities: every published process, or one kind's, newest first."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from openbuy.processes.models import Process
from openbuy.processes.services import local


class ProcessesFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request):
        kind = request.GET.get("kind", "")
        return kind if kind in Process.Kind.values else ""

    def title(self, obj):
        what = f"{Process.Kind(obj).label.lower()}s" if obj else "opportunities"
        return f"New {what} on {settings.SERVICE_NAME}"

    def link(self, obj):
        return reverse("processes:list") + (f"?kind={obj}" if obj else "")

    def subtitle(self, obj):
        return "Challenges, tenders and staged competitions, newest first."

    def items(self, obj):
        # Only what is public about a process: never anything about its submissions.
        processes = (
            Process.objects.exclude(state=Process.State.DRAFT)
            .select_related("organisation", "current_phase")
            .order_by("-published_at", "-id")
        )
        if obj:
            processes = processes.filter(kind=obj)
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
