"""The lessons gate: where freezing a specification and opening a process face the most similar
lessons from past work, each of which must be acknowledged before the action completes.

Specifications and processes call this module; it never imports them (acknowledgements point at
their target by a generic reference). The register itself is the provider: it finds the matches
in the similarity index and keeps the acknowledgements. Tests may put another provider in its
place with :func:`register`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from django.core.exceptions import ValidationError
from django.db.models import Model

MAX_LESSONS = 10


class Verdict:
    ADDRESSED = "addressed"
    NOT_RELEVANT = "not-relevant"
    CHOICES = [(ADDRESSED, "Addressed"), (NOT_RELEVANT, "Not relevant")]


@dataclass(frozen=True)
class LessonMatch:
    id: int
    title: str
    url: str
    summary: str
    score: float


@dataclass(frozen=True)
class Acknowledgement:
    lesson_id: int
    verdict: str
    text: str
    score: float = 0.0  # how similar the lesson was when shown


class Provider(Protocol):
    def matches(self, text: str, *, limit: int) -> list[LessonMatch]: ...

    def acknowledge(
        self, *, actor, target: Model, acknowledgements: Sequence[Acknowledgement]
    ) -> None: ...


class Register:
    """The lessons register as the gate's provider."""

    def matches(self, text: str, *, limit: int) -> list[LessonMatch]:
        from openbuy.lessons import selectors

        return selectors.gate_matches(text, limit=limit)

    def acknowledge(
        self, *, actor, target: Model, acknowledgements: Sequence[Acknowledgement]
    ) -> None:
        from openbuy.lessons import services

        services.acknowledge(actor=actor, target=target, acknowledgements=acknowledgements)


_provider: Provider | None = Register()


def register(provider: Provider | None) -> None:
    """Replace the provider (None: no lessons to face); ``register(Register())`` restores it."""
    global _provider
    _provider = provider


def matches(text: str) -> list[LessonMatch]:
    """The lessons above the relevance threshold, most similar first (ten at most)."""
    if _provider is None:
        return []
    return _provider.matches(text, limit=MAX_LESSONS)[:MAX_LESSONS]


def check(
    lessons: Sequence[LessonMatch], acknowledgements: Sequence[Acknowledgement]
) -> list[Acknowledgement]:
    """Every lesson shown must be acknowledged: addressed (how) or not relevant (why)."""
    given = {a.lesson_id: a for a in acknowledgements}
    errors: dict[str, str] = {}
    kept = []
    for lesson in lessons:
        ack = given.get(lesson.id)
        if ack is None or ack.verdict not in (Verdict.ADDRESSED, Verdict.NOT_RELEVANT):
            errors[f"lesson_{lesson.id}"] = (
                f"Say whether the lesson “{lesson.title}” is addressed or not relevant"
            )
        elif not ack.text.strip():
            what = "how it is addressed" if ack.verdict == Verdict.ADDRESSED else "why not"
            errors[f"lesson_{lesson.id}_text"] = f"Say {what} for “{lesson.title}”"
        else:
            kept.append(
                Acknowledgement(lesson.id, ack.verdict, ack.text.strip()[:2000], lesson.score)
            )
    if errors:
        raise ValidationError(errors)
    return kept


def acknowledge(*, actor, target: Model, acknowledgements: Sequence[Acknowledgement]) -> None:
    if _provider is not None and acknowledgements:
        _provider.acknowledge(actor=actor, target=target, acknowledgements=acknowledgements)
