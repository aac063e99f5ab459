"""The lessons API: search and read the register, find the lessons most like a text, see the
most repeated root causes; as a buyer officer, write a lesson, publish a draft, remove names.
Same services, selectors and rules as the pages: a draft is a 404 to anyone but its
organisation's officers."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from openbuy.accounts.models import Organisation
from openbuy.accounts.schemas import ErrorOut
from openbuy.api_auth import optional_auth
from openbuy.api_pagination import Pagination
from openbuy.lessons import selectors, services
from openbuy.lessons.models import Lesson, Redaction
from openbuy.lessons.schemas import (
    CaptureOut,
    LessonIn,
    LessonMatchOut,
    LessonOut,
    LessonQuery,
    LessonRedactionIn,
    LessonRedactionOut,
    RootCauseOut,
)
from openbuy.needs.models import Area

router = Router(tags=["lessons"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
MAX_SIMILAR = 50


def _lesson(request, pk: int) -> Lesson:
    lesson = selectors.lesson_for(request.auth, pk)
    if lesson is None:
        raise Http404
    return lesson


def _by_slug(model, slug: str, field: str, what: str):
    found = model.objects.filter(slug=slug).first()
    if found is None:
        raise ValidationError({field: f"There is no {what} with the slug {slug!r}"})
    return found


# --- public reads (paths without a lesson id first) ---------------------------------------


@router.get(
    "/lessons",
    response={200: list[LessonOut], 422: ErrorOut},
    auth=optional_auth,
    summary="Lessons learned",
    description="Newest first; with `q`, the lessons most similar to it, best first, each with "
    "its score. Drafts are listed only to their own organisation's officers.",
)
@paginate(Pagination)
def lesson_list(request, filters: Query[LessonQuery]):
    organisation = (
        _by_slug(Organisation, filters.organisation, "query.organisation", "organisation")
        if filters.organisation
        else None
    )
    area = _by_slug(Area, filters.area, "query.area", "area") if filters.area else None
    lessons, scores = selectors.library(
        viewer=request.auth,
        query=filters.q,
        organisation=organisation,
        area=area,
        stage=filters.stage,
        source=filters.source,
        tag=filters.tag.strip(),
    )
    if scores:  # a search: the ranked list, each with its score for LessonOut
        for lesson in lessons:
            lesson.score = scores.get(lesson.pk)  # type: ignore[attr-defined]
    return lessons


class LessonSimilarQuery(Schema):
    text: str = Field(min_length=1, max_length=20_000, description="The text to match")
    limit: int = Field(10, ge=1, le=MAX_SIMILAR)


@router.get(
    "/lessons/similar",
    response={200: list[LessonMatchOut], 422: ErrorOut},
    auth=optional_auth,
    summary="The published lessons most like a text",
    description="What the lessons gate shows before a specification is frozen or a process "
    "opened: lessons at or above the engine's relevance threshold, best first.",
)
def lesson_similar(request, params: Query[LessonSimilarQuery]):
    return [
        {
            "id": m.lesson.pk,
            "score": m.score,
            "title": m.lesson.title,
            "by": m.lesson.by,
            "url": LessonOut.resolve_url(m.lesson),
        }
        for m in selectors.similar(params.text, limit=params.limit)
    ]


@router.get(
    "/lessons/root-causes",
    response=list[RootCauseOut],
    auth=optional_auth,
    summary="The most repeated root causes",
    description="Phrases that recur in the “why” of published lessons, in most lessons first.",
)
def root_causes(request):
    return selectors.root_causes()


@router.get(
    "/lessons/captures",
    response=list[CaptureOut],
    auth=optional_auth,
    summary="Failures faced, newest first",
    description="Every stop at a stage gate, cancelled or unsuccessful process, terminated "
    "contract and badly missed milestone, with its lesson or the public reason there is none.",
)
@paginate(Pagination)
def captures(request):
    from openbuy.lessons.models import Capture

    return Capture.objects.select_related("organisation", "lesson").order_by("-recorded_at", "-id")


@router.get("/lessons/{pk}", response={200: LessonOut, 404: ErrorOut}, auth=optional_auth)
def lesson_detail(request, pk: int):
    return _lesson(request, pk)


# --- buyer officers ---------------------------------------------------------------------------


def _organisation(request, slug: str | None) -> Organisation:
    """The organisation named, or the caller's only one."""
    if slug:
        return _by_slug(Organisation, slug, "organisation", "organisation")
    mine = selectors.writable_organisations(request.auth)
    if not mine:
        raise PermissionDenied("Only buyer officers write lessons.")
    if len(mine) > 1:
        raise ValidationError(
            {"organisation": "You write for several organisations: give the one this is from"}
        )
    return mine[0]


@router.post("/lessons", response={201: LessonOut, **ERRORS}, summary="Record a lesson")
def lesson_create(request, payload: LessonIn):
    organisation = _organisation(request, payload.organisation)
    area = _by_slug(Area, payload.area, "area", "area") if payload.area else None
    data = payload.dict(exclude={"organisation", "publish", "area", "tags"})
    lesson = services.lesson_create(
        actor=request.auth,
        organisation=organisation,
        data=data | {"area": area, "tags": ", ".join(payload.tags)},
        publish=payload.publish,
    )
    return Status(201, _lesson(request, lesson.pk))


@router.post(
    "/lessons/{pk}/publish",
    response={200: LessonOut, **ERRORS},
    summary="Publish a draft",
)
def lesson_publish(request, pk: int):
    services.lesson_publish(actor=request.auth, lesson=_lesson(request, pk))
    return _lesson(request, pk)


@router.post(
    "/lessons/{pk}/redactions",
    response={201: LessonRedactionOut, **ERRORS},
    summary="Remove the names of individuals",
    description="Each name is replaced wherever it appears. The removal is published (how "
    "many passages, why, by whom); the names removed are not kept.",
)
def lesson_redact(request, pk: int, payload: LessonRedactionIn):
    made = services.lesson_redact(
        actor=request.auth,
        lesson=_lesson(request, pk),
        names=payload.names,
        reason=payload.reason,
    )
    return Status(201, Redaction.objects.select_related("by").get(pk=made.pk))
