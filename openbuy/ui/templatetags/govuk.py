"""Template tags for GOV.UK Frontend components, loaded into every template (see TEMPLATES)."""

from django import template

register = template.Library()


@register.inclusion_tag("govuk/service_navigation_item.html", takes_context=True)
def nav_item(context, href: str, text: str, exact: bool = False) -> dict:
    """One item of the service navigation, marked current when the page is under it."""
    request = context.get("request")
    path = request.path if request else ""
    current = path == href
    active = current if exact else (current or path.startswith(href))
    return {"href": href, "text": text, "active": active, "current": current}


@register.inclusion_tag("govuk/related.html", takes_context=True)
def related(context, obj) -> dict:
    """What later stages add to this object's page (see openbuy.ui.related)."""
    from openbuy.ui.related import for_object

    return {"blocks": for_object(obj, context.get("user"))}
