"""Which objects can be discussed, and what the discussion needs to know about them.

Apps later in the lifecycle register their models here (in ``AppConfig.ready``); discussion
never imports them, so the dependency points the right way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Model


@dataclass(frozen=True)
class Commentable:
    model: type[Model]
    # Whether comments are still open on this object (a closed need may stay open for talk).
    is_open: Callable[[Model], bool]
    # Whether the user writes as frontline staff of the buyer the object is addressed to.
    is_frontline: Callable[[object, Model], bool]
    # Where the object's page is; comments link back there.
    url: Callable[[Model], str]
    # Other objects whose followers also hear of comments here (a suggestion's specification,
    # say). The object's own followers always hear.
    audience: Callable[[Model], list[Model]] | None = None


_REGISTRY: dict[str, Commentable] = {}


def register(commentable: Commentable) -> None:
    _REGISTRY[commentable.model._meta.label_lower] = commentable


def get(label: str) -> Commentable | None:
    return _REGISTRY.get(label)


def for_object(obj: Model) -> Commentable | None:
    return _REGISTRY.get(obj._meta.label_lower)


@dataclass(frozen=True)
class Moderatable:
    """Something people write that can be reported, held and hidden."""

    model: type[Model]
    visibility_field: str
    author_field: str
    url: Callable[[Model], str]
    describe: Callable[[Model], str]
    # Relations that url() and describe() read, joined in the moderation queue.
    related: tuple[str, ...] = ()


_MODERATABLE: dict[str, Moderatable] = {}


def register_moderatable(moderatable: Moderatable) -> None:
    _MODERATABLE[moderatable.model._meta.label_lower] = moderatable


def moderatable(label: str) -> Moderatable | None:
    return _MODERATABLE.get(label)


def moderatables() -> list[Moderatable]:
    return list(_MODERATABLE.values())


# Things that can be followed without being commented on (organisations, for instance).
_FOLLOWABLE: dict[str, Callable[[Model], str]] = {}


def register_followable(model: type[Model], url: Callable[[Model], str]) -> None:
    _FOLLOWABLE[model._meta.label_lower] = url


def followable(obj: Model) -> Callable[[Model], str] | None:
    return _FOLLOWABLE.get(obj._meta.label_lower)


def followable_label(label: str) -> bool:
    return label in _FOLLOWABLE or label in _REGISTRY
