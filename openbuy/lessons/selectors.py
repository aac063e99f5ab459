"""Every read of the lessons register: the library, the matches at the lessons gate, the
acknowledgements a specification or process page shows, the captures of failures."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Model, Q, QuerySet
from django.urls import reverse

from openbuy.lessons import gate, index
from openbuy.lessons.models import Acknowledgement, Capture, Lesson, SimilarityIndex


def published() -> QuerySet[Lesson]:
    return Lesson.objects.filter(status=Lesson.Status.PUBLISHED).select_related(
        "organisation", "area", "author"
    )


def visible_to(user) -> QuerySet[Lesson]:
    """Published lessons, and the drafts of the viewer's own buying organisations."""
    from openbuy.accounts.models import Membership

    found = Lesson.objects.select_related("organisation", "area", "author")
    if not (user is not None and user.is_authenticated):
        return found.filter(status=Lesson.Status.PUBLISHED)
    mine = Membership.objects.filter(
        user=user,
        organisation__kind="buyer",
        role__in=[Membership.Role.BUYER, Membership.Role.ADMIN],
    ).values("organisation_id")
    return found.filter(Q(status=Lesson.Status.PUBLISHED) | Q(organisation_id__in=mine))


def summary(lesson: Lesson, length: int = 240) -> str:
    text = " ".join(lesson.do_differently.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


@dataclass(frozen=True)
class Match:
    lesson: Lesson
    score: float


def similar(text: str, *, limit: int = 10, threshold: float | None = None) -> list[Match]:
    """The published lessons most like ``text``, best first, from every organisation."""
    ranked = index.similar(text, limit=limit, threshold=threshold)
    found = published().in_bulk([pk for pk, _ in ranked])
    return [Match(found[pk], score) for pk, score in ranked if pk in found]


def gate_matches(text: str, *, limit: int) -> list[gate.LessonMatch]:
    return [
        gate.LessonMatch(
            m.lesson.pk,
            m.lesson.title,
            reverse("lessons:detail", args=[m.lesson.pk]),
            f"{m.lesson.by}: {summary(m.lesson)}",
            m.score,
        )
        for m in similar(text, limit=limit)
    ]


def acknowledgements_for(target: Model) -> list[Acknowledgement]:
    """The answers given at the lessons gate for a specification or process, latest first."""
    return list(
        Acknowledgement.objects.filter(
            content_type=ContentType.objects.get_for_model(target), object_id=target.pk
        )
        .select_related("lesson__organisation", "by")
        .order_by("-at", "-score", "id")
    )


def acknowledgements_block(target: Model, user=None):
    """For a specification's or process's page: the lessons faced before it went ahead."""
    from openbuy.ui.related import Related

    answers = acknowledgements_for(target)
    if not answers:
        return None
    return Related(
        heading="Lessons faced",
        links=[
            (f"{a.lesson.title} ({a.lesson.by})", reverse("lessons:detail", args=[a.lesson_id]))
            for a in answers
        ],
        lines=[
            f"“{a.lesson.title}”: {a.get_verdict_display().lower()} — {a.text}" for a in answers
        ],
    )


def captures_of(*targets: Model) -> list[Capture]:
    """The failures faced about these objects (a process; a contract and its milestones)."""
    if not targets:
        return []
    where = Q()
    for target in targets:
        where |= Q(content_type=ContentType.objects.get_for_model(target), object_id=target.pk)
    return list(
        Capture.objects.filter(where).select_related("lesson").order_by("recorded_at", "id")
    )


def captures_block(*targets: Model):
    """For a process's or contract's page: each failure faced there, with its lesson (while a
    lesson is checked for names, only that) or the public reason there is none."""
    from openbuy.ui.related import Related

    found = captures_of(*targets)
    if not found:
        return None
    links, lines = [], []
    for c in found:
        what = c.get_kind_display()
        if c.lesson is None:
            lines.append(f"{what}: {c.label}. No lesson to learn: {c.no_lesson_reason}")
        elif c.lesson.status == Lesson.Status.PUBLISHED:
            links.append(
                (f"{what}: {c.lesson.title}", reverse("lessons:detail", args=[c.lesson_id]))
            )
        else:
            lines.append(f"{what}: {c.label}. Its lesson is being checked for names.")
    return Related(heading="Failures faced, and what they teach", links=links, lines=lines)


# --- the library -----------------------------------------------------------------------------


def library(
    *,
    viewer=None,
    query: str = "",
    organisation=None,
    area=None,
    stage: str = "",
    source: str = "",
    tag: str = "",
) -> tuple[QuerySet[Lesson] | list[Lesson], dict[int, float]]:
    """The lessons a viewer may read, filtered; with a query, ranked by similarity to it (and
    the scores), otherwise newest first."""
    found = visible_to(viewer)
    if organisation is not None:
        found = found.filter(organisation=organisation)
    if area is not None:
        found = found.filter(area=area)
    if stage:
        found = found.filter(stage=stage)
    if source:
        found = found.filter(source=source)
    if tag:
        found = found.filter(tags__icontains=tag)
    if not query.strip():
        return found.order_by("-published_at", "-created_at", "-id"), {}
    ranked = index.similar(query, limit=200, threshold=0.01)
    scores = dict(ranked)
    chosen = found.in_bulk(list(scores))
    return [chosen[pk] for pk, _ in ranked if pk in chosen], scores


def root_causes() -> list[dict]:
    """The most repeated root causes (phrases across lessons' "why"), from the index."""
    row = (
        SimilarityIndex.objects.filter(engine=index.engine_name())
        .values_list("phrases", flat=True)
        .first()
    )
    return [{"phrase": p, "lessons": n, "organisations": o} for p, n, o in (row or [])]


def per_buyer(limit: int = 10) -> list[dict]:
    """How many published lessons each organisation has shared, most first."""
    rows = (
        published()
        .exclude(organisation__isnull=True)
        .values("organisation__name", "organisation__slug")
        .annotate(count=Count("id"))
        .order_by("-count", "organisation__name")[:limit]
    )
    return [
        {"name": r["organisation__name"], "slug": r["organisation__slug"], "count": r["count"]}
        for r in rows
    ]


def recent_captures(limit: int = 10) -> list[Capture]:
    return list(
        Capture.objects.select_related("organisation", "lesson").order_by("-recorded_at", "-id")[
            :limit
        ]
    )


def lesson_for(user, pk: int) -> Lesson | None:
    """One lesson, if the viewer may read it (a draft only by its organisation's officers)."""
    return visible_to(user).filter(pk=pk).first()


def writable_organisations(user) -> list:
    """The buying organisations whose lessons ``user`` writes (as buyer officer or admin)."""
    from openbuy.accounts.models import Membership, Organisation

    if not (user is not None and user.is_authenticated and user.is_active):
        return []
    return list(
        Organisation.objects.filter(
            kind=Organisation.Kind.BUYER,
            memberships__user=user,
            memberships__role__in=[Membership.Role.BUYER, Membership.Role.ADMIN],
        )
        .distinct()
        .order_by("name")
    )


def from_others(organisations, limit: int = 5) -> list[Lesson]:
    """The newest published lessons from anyone but ``organisations`` (a buyer's own): what
    other buyers, and the registers imported, have learnt."""
    return list(
        published().exclude(organisation__in=organisations).order_by("-published_at", "-id")[:limit]
    )
