"""Pages of the lessons register. Thin: forms in, services out, selectors for what is shown.

Who may do what is :mod:`openbuy.lessons.rules`: everyone reads published lessons; a buying
organisation's officers and admins write its lessons, and check, publish and remove names from
them. A draft is not found (404) by anyone else.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from openbuy.accounts.rules import can
from openbuy.lessons import selectors, services
from openbuy.lessons.forms import DRAFT, LessonForm, LibraryFilterForm, RedactForm
from openbuy.lessons.models import Lesson, Redaction
from openbuy.ui.forms import attempt

PAGE_SIZE = 20


def _posted(request):
    return request.POST if request.method == "POST" else None


def _lesson(request, pk: int) -> Lesson:
    lesson = selectors.lesson_for(request.user, pk)
    if lesson is None:
        raise Http404
    return lesson


def _keeper(request, lesson: Lesson) -> None:
    if not can(request.user, "lessons.keep", lesson):
        raise PermissionDenied


def _back(lesson: Lesson):
    return redirect("lessons:detail", pk=lesson.pk)


def library(request):
    """The library: search (ranked by similarity), filters, and what the register shows about
    itself — the most repeated root causes, who shares lessons, the failures recently faced."""
    form = LibraryFilterForm(request.GET or None)
    filters = form.filters()
    lessons, scores = selectors.library(viewer=request.user, **filters)
    page = Paginator(lessons, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    mine = selectors.writable_organisations(request.user)
    return render(
        request,
        "lessons/library.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "lessons": [(lesson, scores.get(lesson.pk)) for lesson in page.object_list],
            "query": query.urlencode(),
            "root_causes": selectors.root_causes(),
            "per_buyer": selectors.per_buyer(),
            "captures": selectors.recent_captures(),
            "can_write": bool(mine),
            "from_others": selectors.from_others(mine) if mine else [],
        },
    )


def detail(request, pk: int):
    lesson = (
        selectors.visible_to(request.user)
        .select_related("author")
        .prefetch_related(
            Prefetch("redactions", queryset=Redaction.objects.select_related("by")), "captures"
        )
        .filter(pk=pk)
        .first()
    )
    if lesson is None:
        raise Http404
    return render(
        request,
        "lessons/detail.html",
        {
            "lesson": lesson,
            "draft": lesson.status == Lesson.Status.DRAFT,
            "keeps": can(request.user, "lessons.keep", lesson),
            "captures": list(lesson.captures.all()),
            "similar": [
                m
                for m in selectors.similar(lesson.title + "\n" + lesson.why, limit=6)
                if m.lesson.pk != lesson.pk
            ][:5],
        },
    )


@login_required
def create(request):
    organisations = selectors.writable_organisations(request.user)
    if not organisations:
        raise PermissionDenied
    form = LessonForm(_posted(request), organisations=organisations, currency=settings.CURRENCY)
    draft = request.POST.get("when") == DRAFT
    done = (
        "Draft kept. Check it for the names of individuals, then publish it."
        if draft
        else "Lesson published. Thank you for sharing it."
    )

    def write(data):
        return services.lesson_create(
            actor=request.user,
            organisation=form.chosen_organisation(),
            data=form.lesson_data(),
            publish=form.publish(),
        )

    lesson = attempt(request, form, write, done)
    if lesson:
        return _back(lesson)
    return render(
        request,
        "lessons/form.html",
        {
            "form": form,
            "heading": "Record a lesson",
            "button": "Save the lesson",
            "organisation": getattr(form, "organisation", None),
        },
    )


@login_required
def edit(request, pk: int):
    lesson = _lesson(request, pk)
    _keeper(request, lesson)
    if lesson.status != Lesson.Status.DRAFT:
        messages.info(
            request,
            "A published lesson is kept as it was written. You can remove the names of "
            "individuals from it.",
        )
        return _back(lesson)
    initial = {
        name: getattr(lesson, name)
        for name in ("title", "tried", "happened", "why", "do_differently", "stage", "tags")
    } | {
        "cost_amount": "" if lesson.cost_amount is None else lesson.cost_amount,
        "cost_currency": lesson.cost_currency or settings.CURRENCY,
        "area": lesson.area.slug if lesson.area_id else None,
    }
    form = LessonForm(_posted(request), initial=initial)
    if attempt(
        request,
        form,
        lambda data: services.lesson_update(
            actor=request.user, lesson=lesson, data=form.lesson_data()
        ),
        "Draft saved. Publish it once it is checked for names.",
    ):
        return _back(lesson)
    return render(
        request,
        "lessons/form.html",
        {
            "form": form,
            "lesson": lesson,
            "heading": "Change the draft",
            "button": "Save the draft",
            "organisation": lesson.organisation,
        },
    )


@login_required
@require_POST
def publish(request, pk: int):
    lesson = _lesson(request, pk)
    _keeper(request, lesson)
    try:
        services.lesson_publish(actor=request.user, lesson=lesson)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Lesson published.")
    return _back(lesson)


@login_required
def redact(request, pk: int):
    lesson = _lesson(request, pk)
    _keeper(request, lesson)
    form = RedactForm(_posted(request))
    if attempt(
        request,
        form,
        lambda data: services.lesson_redact(
            actor=request.user, lesson=lesson, names=form.name_list(), reason=data["reason"]
        ),
        "The names were removed.",
    ):
        return _back(lesson)
    return render(request, "lessons/redact.html", {"form": form, "lesson": lesson})
