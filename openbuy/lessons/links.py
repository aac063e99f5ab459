"""What a hand-written lesson can be about: a page of openbuy — a process, a stage gate, a
contract, a specification — given by its address.

The apps that own those pages register them here from their ``AppConfig.ready`` (the arrows
stay pointing at lessons: the register never imports them). A link is accepted only to
something of the lesson's own organisation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.urls import Resolver404, resolve


@dataclass(frozen=True)
class Linkable:
    find: Callable[[dict], Model | None]  # the URL's keyword arguments -> the object, if any
    organisation_id: Callable[[Model], int | None]
    label: Callable[[Model], str]


_linkable: dict[str, Linkable] = {}


def register(url_name: str, linkable: Linkable) -> None:
    _linkable[url_name] = linkable


@dataclass(frozen=True)
class Link:
    about: Model
    label: str
    url: str


HINT = "Give the address of a process, stage gate, contract or specification on openbuy"


def resolve_link(text: str, *, organisation) -> Link | None:
    """The object an address names, checked to be the organisation's own; None for no address;
    a ValidationError (``about``) for anything else."""
    text = str(text or "").strip()
    if not text:
        return None
    path = urlsplit(text).path or "/"
    if len(text) > 500 or not path.startswith("/"):
        raise ValidationError({"about": f"{HINT}, like /processes/12/"})
    try:
        match = resolve(path)
    except Resolver404:
        raise ValidationError({"about": f"There is no such page. {HINT}."}) from None
    linkable = _linkable.get(match.view_name)
    if linkable is None:
        raise ValidationError({"about": f"{HINT}: a lesson cannot be about that page."})
    try:
        found = linkable.find(match.kwargs)
    except (ValueError, OverflowError):
        found = None
    if found is None:
        raise ValidationError({"about": f"There is no such page. {HINT}."})
    if organisation is None or linkable.organisation_id(found) != organisation.pk:
        raise ValidationError(
            {"about": f"A lesson of {organisation} can only be about its own work."}
        )
    return Link(found, linkable.label(found)[:300], path)
