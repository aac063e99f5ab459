"""Capture where failure happens: a stop at a stage gate, a cancelled or unsuccessful process, a
terminated contract, a milestone missed by more than the allowed margin cannot be completed
without a lesson — or an explicit "no lesson" with a reason, public too.

The services of processes, evaluation and contracts take an :class:`Entry` (what the person
facing the failure wrote), check it with :func:`require` before they change anything, and call
:func:`record` inside their transaction. Pages build the entry from
:class:`~openbuy.lessons.forms.CaptureFields`, the API from its ``lesson`` object.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

LIMITS = {"title": 200, "text": 5000, "reason": 2000}
# Control characters (other than tab and line breaks) have no place in a lesson, break XML feeds
# and, for NUL, PostgreSQL text: they are dropped at the edge.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(value) -> str:
    return CONTROL.sub("", str(value or "")).strip()


FIELDS = ("title", "tried", "happened", "why", "do_differently")
LABELS = {
    "title": "a title",
    "tried": "what was tried",
    "happened": "what happened",
    "why": "why it happened (the root cause)",
    "do_differently": "what to do differently",
}


@dataclass(frozen=True)
class Entry:
    """A lesson (its fields) or the reason there is none."""

    lesson: Mapping[str, str] = field(default_factory=dict)
    no_lesson_reason: str = ""
    check_names_first: bool = False  # keep the lesson as a draft to remove names, then publish


def no_lesson(reason: str) -> Entry:
    return Entry(no_lesson_reason=reason)


def lesson(**fields) -> Entry:
    check = bool(fields.pop("check_names_first", False))
    return Entry(lesson=fields, check_names_first=check)


def require(entry: Entry | None, *, prefix: str = "lesson") -> Entry:
    """The entry, cleaned; a ValidationError naming each missing part otherwise (``lesson`` for
    the choice itself, ``lesson.title`` and so on for the lesson's fields)."""
    if entry is None or (not entry.lesson and not clean(entry.no_lesson_reason)):
        raise ValidationError(
            {
                prefix: "Record what this failure teaches — a lesson — or say why there is no "
                "lesson to learn"
            }
        )
    if not entry.lesson:
        reason = clean(entry.no_lesson_reason)[: LIMITS["reason"]]
        return Entry(no_lesson_reason=reason)
    errors = {}
    cleaned: dict[str, str] = {}
    for name in FIELDS:
        value = clean(entry.lesson.get(name))
        limit = LIMITS["title"] if name == "title" else LIMITS["text"]
        if not value:
            errors[f"{prefix}.{name}"] = f"Give the lesson {LABELS[name]}"
        elif len(value) > limit:
            errors[f"{prefix}.{name}"] = f"Keep it to {limit} characters"
        cleaned[name] = value
    if errors:
        raise ValidationError(errors)
    return Entry(lesson=cleaned, check_names_first=entry.check_names_first)


def record(
    *,
    actor,
    entry: Entry,
    kind: str,
    organisation,
    about,
    label: str,
    url: str,
    stage: str,
    area=None,
    cost=None,
    currency: str = "",
):
    """Keep the failure's lesson (linked to ``about``) or its no-lesson reason, in the caller's
    transaction. Returns the :class:`~openbuy.lessons.models.Capture`."""
    from openbuy.lessons import services

    return services.capture(
        actor=actor,
        entry=require(entry),
        kind=kind,
        organisation=organisation,
        about=about,
        label=label,
        url=url,
        stage=stage,
        area=area,
        cost=cost,
        currency=currency,
    )
