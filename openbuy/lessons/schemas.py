"""API shapes of the lessons register, and the ``lesson`` object failure actions take."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from ninja import Field, Schema
from pydantic import BeforeValidator, StringConstraints, field_validator

from openbuy.lessons import capture
from openbuy.lessons.models import Lesson, Stage


class LessonFieldsIn(Schema):
    title: str = Field(max_length=capture.LIMITS["title"])
    tried: str = Field(max_length=capture.LIMITS["text"], description="What was tried")
    happened: str = Field(max_length=capture.LIMITS["text"], description="What happened")
    why: str = Field(max_length=capture.LIMITS["text"], description="Why: the root cause")
    do_differently: str = Field(
        max_length=capture.LIMITS["text"], description="What to do differently"
    )
    check_names_first: bool = Field(
        False, description="Keep it as a draft to remove the names of individuals, then publish"
    )


class CaptureIn(Schema):
    """What a failure teaches: a lesson, or (instead) the public reason there is none."""

    lesson: LessonFieldsIn | None = None
    no_lesson_reason: str = Field(
        "", max_length=capture.LIMITS["reason"], description="Why there is no lesson (published)"
    )

    def entry(self) -> capture.Entry:
        if self.lesson is not None:
            return capture.lesson(**self.lesson.dict())
        return capture.no_lesson(self.no_lesson_reason)


# --- the register's own API ------------------------------------------------------------------

STAGES = ", ".join(Stage.values)
SOURCES = ", ".join(Lesson.Source.values)


def _amount_as_text(value):
    """A cost may come as a JSON number or as a string; the service reads both alike."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    return value


Cost = Annotated[
    Annotated[str, StringConstraints(max_length=40)] | None,
    BeforeValidator(_amount_as_text),
    Field(description='What the failure cost: a decimal amount, like "25000" or "1234.50"'),
]


class LessonQuery(Schema):
    q: str = Field(
        "", max_length=500, description="Text to rank the lessons by similarity to (best first)"
    )
    organisation: str = Field("", description="A buying organisation's slug")
    area: str = Field("", description="An area's slug, from GET /areas")
    stage: str = Field("", description=f"One of: {STAGES}")
    source: str = Field("", description=f"How it was recorded, one of: {SOURCES}")
    tag: str = Field("", max_length=100, description="A word among the lesson's tags")

    @field_validator("stage")
    @classmethod
    def _stage(cls, value: str) -> str:
        if value and value not in Stage.values:
            raise ValueError(f"Choose one of: {STAGES}")
        return value

    @field_validator("source")
    @classmethod
    def _source(cls, value: str) -> str:
        if value and value not in Lesson.Source.values:
            raise ValueError(f"Choose one of: {SOURCES}")
        return value


class LessonAboutOut(Schema):
    label: str
    url: str


class LessonOut(Schema):
    id: int
    title: str
    tried: str
    happened: str
    why: str
    do_differently: str
    organisation: str | None = Field(None, description="The organisation's slug, if it has one")
    by: str = Field(description="Who the lesson is attributed to")
    author: str | None = Field(None, description="Who wrote it (none for an imported lesson)")
    source: str = Field(description=f"One of: {SOURCES}")
    status: str = Field(description="published, or draft (seen only by its organisation)")
    stage: str
    area: str | None = Field(None, description="The area's slug")
    tags: list[str]
    cost_amount: Decimal | None
    cost_currency: str
    about: LessonAboutOut | None = Field(None, description="What failed, when it was captured")
    url: str
    created_at: datetime
    published_at: datetime | None
    score: float | None = Field(None, description="With q: how similar it is, from 0 to 1")

    # Read from the model and its joined organisation and area: a page of lessons is serialised
    # from the one query that fetched it.
    @staticmethod
    def resolve_organisation(obj) -> str | None:
        return obj.organisation.slug if obj.organisation_id else None

    @staticmethod
    def resolve_area(obj) -> str | None:
        return obj.area.slug if obj.area_id else None

    @staticmethod
    def resolve_author(obj) -> str | None:
        return str(obj.author) if obj.author_id else None

    @staticmethod
    def resolve_tags(obj) -> list[str]:
        return obj.tag_list

    @staticmethod
    def resolve_about(obj) -> dict | None:
        return {"label": obj.about_label, "url": obj.about_url} if obj.about_url else None

    @staticmethod
    def resolve_url(obj) -> str:
        from django.urls import reverse

        return reverse("lessons:detail", args=[obj.pk])

    @staticmethod
    def resolve_score(obj) -> float | None:
        return getattr(obj, "score", None)


class LessonIn(Schema):
    organisation: str | None = Field(
        None, description="The buying organisation's slug; needed if you write for several"
    )
    title: str = Field(max_length=200)
    tried: str = Field(max_length=5000, description="What was tried")
    happened: str = Field(max_length=5000, description="What happened")
    why: str = Field(max_length=5000, description="Why: the root cause")
    do_differently: str = Field(max_length=5000, description="What to do differently")
    cost_amount: Cost = None
    cost_currency: str = Field("", max_length=3, description="ISO 4217, like GBP")
    area: str | None = Field(None, description="An area's slug, from GET /areas")
    stage: str = Field("", description=f"One of: {STAGES}")
    about: str = Field(
        "",
        max_length=500,
        description="The address (path) of the organisation's process, stage gate, contract or "
        "specification it comes from, like /processes/12/",
    )
    tags: list[Annotated[str, StringConstraints(max_length=100)]] = Field(
        default_factory=list, max_length=30
    )
    publish: bool = Field(
        True, description="false: keep it as a draft to remove the names of individuals first"
    )


class LessonRedactionIn(Schema):
    names: list[Annotated[str, StringConstraints(max_length=200)]] = Field(
        min_length=1, max_length=50, description="The names to remove, wherever they appear"
    )
    reason: str = Field(max_length=2000, description="Why they are removed (published)")


class LessonRedactionOut(Schema):
    id: int
    lesson: int
    passages: int = Field(description="How many passages were changed")
    reason: str
    by: str
    at: datetime

    @staticmethod
    def resolve_lesson(obj) -> int:
        return obj.lesson_id

    @staticmethod
    def resolve_by(obj) -> str:
        return obj.by.name


class LessonMatchOut(Schema):
    id: int
    score: float = Field(description="From 0 to 1")
    title: str
    by: str
    url: str


class RootCauseOut(Schema):
    phrase: str
    lessons: int = Field(description="How many lessons give it as (part of) the root cause")
    organisations: int = Field(description="How many organisations those lessons come from")


class CaptureOut(Schema):
    """A failure faced: what failed, and its lesson or the public reason there is none."""

    kind: str = Field(
        description="gate_stop, cancelled, unsuccessful, terminated, milestone_missed"
    )
    organisation: str = Field(description="The buying organisation's slug")
    label: str = Field(description="What failed")
    url: str = Field(description="Where it failed, on this site")
    lesson: int | None = Field(
        None, description="Its lesson, once published (null while it is checked for names)"
    )
    lesson_pending: bool = Field(description="A lesson was recorded and is checked for names")
    no_lesson_reason: str = Field(description="Why there is no lesson, when there is none")
    recorded_at: datetime

    @staticmethod
    def resolve_organisation(obj) -> str:
        return obj.organisation.slug

    @staticmethod
    def resolve_lesson(obj) -> int | None:
        published = obj.lesson_id is not None and obj.lesson.status == "published"
        return obj.lesson_id if published else None

    @staticmethod
    def resolve_lesson_pending(obj) -> bool:
        return obj.lesson_id is not None and obj.lesson.status != "published"
