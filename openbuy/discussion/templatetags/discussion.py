from django import template
from django.http import QueryDict

from openbuy import clock
from openbuy.discussion import notifications, registry, selectors, services
from openbuy.discussion.forms import CommentForm
from openbuy.discussion.views import content_label

register = template.Library()


@register.inclusion_tag("discussion/_thread.html", takes_context=True)
def comments(context, target):
    """The discussion of ``target``: counts, one page of threaded comments (``?comments=N``),
    the form."""
    request = context.get("request")
    query = request.GET.copy() if request is not None else QueryDict(mutable=True)
    shown = selectors.thread_page(target, query.pop("comments", ["1"])[-1])
    kind = registry.for_object(target)
    user = context.get("user")
    return {
        "target": target,
        "label": content_label(target),
        "nodes": shown.nodes,
        "counts": shown.counts,
        "page": shown.page,
        "query": query.urlencode(),
        "form": CommentForm(),
        "is_open": kind is not None and kind.is_open(target),
        "user": user,
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "edit_until": clock.now() - services.EDIT_WINDOW,
    }


@register.inclusion_tag("discussion/_follow.html", takes_context=True)
def follow_button(context, target):
    """Follow / stop following ``target``; works without JavaScript."""
    user = context.get("user")
    return {
        "target": target,
        "label": content_label(target),
        "following": notifications.is_following(user, target),
        "user": user,
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
    }
