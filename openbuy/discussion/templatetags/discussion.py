from django import template

from openbuy import clock
from openbuy.discussion import notifications, registry, selectors, services
from openbuy.discussion.forms import CommentForm
from openbuy.discussion.views import content_label

register = template.Library()


@register.inclusion_tag("discussion/_thread.html", takes_context=True)
def comments(context, target):
    """The whole discussion of ``target``: counts, the threaded comments, the form."""
    roots, counts = selectors.thread(target)
    kind = registry.for_object(target)
    user = context.get("user")
    return {
        "target": target,
        "label": content_label(target),
        "nodes": roots,
        "counts": counts,
        "form": CommentForm(),
        "is_open": kind is not None and kind.is_open(target),
        "user": user,
        "request": context.get("request"),
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
