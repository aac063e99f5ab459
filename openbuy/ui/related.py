"""What later stages of the lifecycle add to earlier pages, without the earlier apps knowing.

A need's page shows the specifications written from it; an idea's page the same. The
specifications app registers a provider for those models in its ``AppConfig.ready``; the page
asks ``{% related obj %}``. The arrows stay pointing backwards: needs never import
specifications.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Model


@dataclass(frozen=True)
class Related:
    """One block on a page: a heading, links, and actions the viewer may take."""

    heading: str
    links: list[tuple[str, str]] = field(default_factory=list)  # (text, url)
    actions: list[tuple[str, str]] = field(default_factory=list)  # (button text, url)
    lines: list[str] = field(default_factory=list)  # plain facts, shown as a list


Provider = Callable[[Model, object], Related | None]
_PROVIDERS: dict[str, list[Provider]] = {}


def register(model: type[Model], provider: Provider) -> None:
    _PROVIDERS.setdefault(model._meta.label_lower, []).append(provider)


def for_object(obj: Model, user) -> list[Related]:
    blocks = []
    for provider in _PROVIDERS.get(obj._meta.label_lower, []):
        block = provider(obj, user)
        if block is not None and (block.links or block.actions or block.lines):
            blocks.append(block)
    return blocks
