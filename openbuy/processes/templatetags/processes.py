from django import template

from openbuy.processes.lifecycle import Status

register = template.Library()


@register.filter
def status_label(value) -> str:
    try:
        return Status(value).label
    except ValueError:
        return str(value)


@register.filter
def money(amount, currency: str = "") -> str:
    if amount is None or amount == "":
        return "not stated"
    return f"{currency} {amount:,.2f}".strip()
