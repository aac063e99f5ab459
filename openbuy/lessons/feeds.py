"""Atom feeds of published lessons: all of them, or one organisation's, newest first."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from openbuy.accounts.models import Organisation
from openbuy.lessons import selectors


class LessonsFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, slug: str = ""):
        return get_object_or_404(Organisation, slug=slug) if slug else None

    def title(self, obj):
        where = f" from {obj}" if obj is not None else ""
        return f"Lessons learned{where} on {settings.SERVICE_NAME}"

    def link(self, obj):
        base = reverse("lessons:library")
        return f"{base}?organisation={obj.slug}" if obj is not None else base

    def subtitle(self, obj):
        return "What went wrong, why, and what to do differently, newest first."

    def items(self, obj):
        lessons = selectors.published().order_by("-published_at", "-id")
        if obj is not None:
            lessons = lessons.filter(organisation=obj)
        return lessons[:50]

    def item_title(self, item):
        return f"{item.title} ({item.by})"

    def item_description(self, item):
        return (
            f"What was tried: {item.tried}\n\nWhat happened: {item.happened}\n\n"
            f"Why: {item.why}\n\nWhat to do differently: {item.do_differently}"
        )

    def item_link(self, item):
        return reverse("lessons:detail", args=[item.pk])

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return item.by

    def item_categories(self, item):
        stage = [item.get_stage_display()] if item.stage else []
        area = [item.area.name] if item.area_id else []
        return [*stage, *area, *item.tag_list]
