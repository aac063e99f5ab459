"""Atom feeds of new needs: all of them, or one area's, or one organisation's."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from openbuy.accounts.models import Organisation
from openbuy.needs.models import Area
from openbuy.needs.selectors import visible_needs


class NeedsFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, kind: str = "", slug: str = ""):
        if kind == "area":
            return get_object_or_404(Area, slug=slug)
        if kind == "organisation":
            return get_object_or_404(Organisation, slug=slug)
        return None

    def title(self, obj):
        where = f": {obj}" if obj is not None else ""
        return f"New needs on {settings.SERVICE_NAME}{where}"

    def link(self, obj):
        base = reverse("needs:list")
        if isinstance(obj, Area):
            return f"{base}?area={obj.slug}&sort=newest"
        if isinstance(obj, Organisation):
            return f"{base}?organisation={obj.slug}&sort=newest"
        return f"{base}?sort=newest"

    def subtitle(self, obj):
        return "Problems raised by the people who live with them, newest first."

    def items(self, obj):
        needs = visible_needs().select_related("author", "area").order_by("-created_at", "-id")
        if isinstance(obj, Area):
            needs = needs.filter(area=obj)
        elif isinstance(obj, Organisation):
            needs = needs.filter(organisation=obj)
        return needs[:50]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return f"{item.description}\n\nAffects: {item.affects}"

    def item_link(self, item):
        return reverse("needs:detail", args=[item.pk])

    def item_pubdate(self, item):
        return item.created_at

    def item_author_name(self, item):
        return item.author.name

    def item_categories(self, item):
        return [item.area.name]
