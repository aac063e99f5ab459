"""Pages for needs: list, raise, read, support, answer. Thin: forms in, services out."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from openbuy import clock
from openbuy.accounts.models import Membership, Organisation
from openbuy.accounts.rules import can
from openbuy.discussion import moderation
from openbuy.needs import ranking, search, selectors, services
from openbuy.needs.forms import (
    AdoptForm,
    AnswerForm,
    IdeaForm,
    NeedFilterForm,
    NeedForm,
    PolicyForm,
    RoundForm,
)
from openbuy.needs.models import Area, Attachment, Idea, Need, RankingRound
from openbuy.paginator import KeysFirstPaginator
from openbuy.ui.forms import apply_errors

PAGE_SIZE = 20


ORDER_EVERY = 600  # seconds: the default random order changes every ten minutes (ADR 010)


def _seed(request) -> int:
    """The random order's seed. A page's links carry it (``order=``), so a visitor paging
    through keeps one order; without one, the seed of the current ten minutes: the order moves
    on through the day, costs no session, and one page serves everyone in those ten minutes."""
    given = request.GET.get("order", "")
    if given.isdigit() and len(given) <= 12:
        return int(given)
    return int(clock.now().timestamp()) // ORDER_EVERY


def _links_query(request, filters) -> str:
    """The query string the page's links keep: the filters, and the random order's seed."""
    query = request.GET.copy()
    query.pop("page", None)
    if filters.sort == "random":
        query["order"] = str(filters.seed)
    return query.urlencode()


def need_list(request):
    form = NeedFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    filters = selectors.NeedFilters(
        sort=data.get("sort") or "random",
        area=data.get("area") or "",
        status=data.get("status") or "",
        organisation=data.get("organisation") or "",
        place=data.get("place") or "",
        seed=_seed(request),
    )
    page = KeysFirstPaginator(selectors.need_list(filters, user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "needs/need_list.html",
        {
            "form": form,
            "page": page,
            "needs": page.object_list,
            "filters": filters,
            "query": _links_query(request, filters),
            "now": clock.now(),
        },
    )


def need_awaiting(request):
    needs = list(selectors.needs_awaiting_answer()[:200])
    now = clock.now()
    return render(
        request,
        "needs/need_awaiting.html",
        {
            "overdue": [n for n in needs if n.answer_due_at < now],
            "due": [n for n in needs if n.answer_due_at >= now],
            "now": now,
        },
    )


def need_similar(request):
    """The five most similar open needs to a title being typed (htmx partial)."""
    title = request.GET.get("title", "")[:150]
    return render(
        request, "needs/_similar.html", {"similar": selectors.similar_needs(title), "title": title}
    )


@login_required
def need_create(request):
    form = NeedForm(request.POST or None)
    similar = []
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        confirmed = data.pop("confirmed_new")
        similar = selectors.similar_needs(data["title"] + " " + data["affects"])
        if similar and not confirmed:
            # Before saving, show the closest needs once: supporting one may be better.
            form = NeedForm({**request.POST.dict(), "confirmed_new": "True"})
            form.is_valid()
        else:
            try:
                need = services.need_raise(actor=request.user, **data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, "Your need has been published.")
                return redirect("needs:detail", pk=need.pk)
    return render(
        request,
        "needs/need_form.html",
        {"form": form, "similar": similar},
        status=400 if form.errors else 200,
    )


def _detail_context(request, need, answer_form=None):
    can_answer = can(request.user, "needs.answer_need", need)
    organisations = _answer_organisations(request.user, need) if can_answer else None
    if can_answer and answer_form is None and services.ALLOWED_MOVES[Need.Status(need.status)]:
        answer_form = AnswerForm(need=need, organisations=organisations)
    return {
        "need": need,
        "answers": selectors.need_answers(need),
        "can_answer": can_answer,
        "answer_form": answer_form if can_answer else None,
        "policy": services.policy_for(need.organisation_id),
        "now": clock.now(),
        "evidence": [line for line in need.evidence.splitlines() if line],
        "ideas": selectors.ideas_for_need(need),
        "attachments": list(need.attachments.all()),
        "can_attach": request.user.is_authenticated and request.user.pk == need.author_id,
        "can_change_policy": need.organisation is not None
        and can(request.user, "needs.change_policy", need.organisation),
    }


def _answer_organisations(user, need):
    if need.organisation_id is not None:
        return None
    return _buyer_organisations(user)


def _buyer_organisations(user):
    return list(
        Organisation.objects.filter(
            kind=Organisation.Kind.BUYER,
            memberships__user=user,
            memberships__role__in=[Membership.Role.BUYER, Membership.Role.ADMIN],
        )
    )


def need_detail(request, pk: int):
    try:
        need = selectors.need_detail(pk, user=request.user)
    except Need.DoesNotExist:
        raise Http404 from None
    if moderation.withheld_from(request.user, need.author, need.visibility):
        return _withheld(request, need.visibility)
    return render(request, "needs/need_detail.html", _detail_context(request, need))


def _withheld(request, visibility: str):
    return render(request, "needs/withheld.html", {"visibility": visibility})


@require_POST
def need_support(request, pk: int):
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?next={reverse('needs:detail', args=[pk])}")
    # The services read the need, locked: a need that is not there is a 404 from them.
    need = Need(pk=pk)
    try:
        if request.POST.get("action") == "move":
            original = services.need_move_support(actor=request.user, need=need)
            messages.success(request, "Your support has moved to the original need.")
            return redirect("needs:detail", pk=original.pk)
        if request.POST.get("action") == "unsupport":
            services.need_unsupport(actor=request.user, need=need)
            note = "You no longer support this need."
        else:
            services.need_support(actor=request.user, need=need)
            note = "You support this need. Thank you."
        problem = ""
    except ValidationError as error:
        note, problem = "", " ".join(error.messages)
    except Need.DoesNotExist:
        raise Http404 from None
    if request.headers.get("HX-Request"):  # the box alone, saying what happened in it
        need = selectors.need_support_box(pk, user=request.user)
        context = {"need": need, "note": note, "problem": problem}
        return render(request, "needs/_support.html", context)
    _tell(request, note, problem)
    return redirect("needs:detail", pk=pk)


def _tell(request, note: str, problem: str) -> None:
    if problem:
        messages.error(request, problem)
    if note:
        messages.success(request, note)


@login_required
@require_POST
def need_answer(request, pk: int):
    need = get_object_or_404(Need.objects.select_related("organisation"), pk=pk)
    if not can(request.user, "needs.answer_need", need):
        raise PermissionDenied
    form = AnswerForm(
        request.POST, need=need, organisations=_answer_organisations(request.user, need)
    )
    if form.is_valid():
        try:
            services.need_answer(actor=request.user, need=need, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Your answer has been published.")
            return redirect("needs:detail", pk=pk)
    need = selectors.need_detail(pk, user=request.user)
    return render(
        request, "needs/need_detail.html", _detail_context(request, need, form), status=400
    )


@login_required
def policy_edit(request, slug: str):
    organisation = get_object_or_404(Organisation, slug=slug, kind=Organisation.Kind.BUYER)
    if not can(request.user, "needs.change_policy", organisation):
        raise PermissionDenied
    policy = services.policy_for(organisation.pk)
    form = PolicyForm(
        request.POST or None,
        initial={
            "support_threshold": policy.support_threshold,
            "answer_within_days": policy.answer_within_days,
            "vote_budget": policy.vote_budget,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.needs_policy_update(
                actor=request.user, organisation=organisation, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "How you answer needs has been saved.")
            return redirect(f"{reverse('needs:list')}?organisation={organisation.slug}")
    return render(
        request,
        "needs/policy_form.html",
        {"form": form, "organisation": organisation},
        status=400 if form.errors else 200,
    )


# --- ideas ----------------------------------------------------------------------------------


def idea_list(request):
    sort = request.GET.get("sort") if request.GET.get("sort") in selectors.SORTS else "random"
    status = request.GET.get("status", "")
    filters = selectors.IdeaFilters(
        sort=sort,
        status=status if status in Idea.Status.values else "",
        area=request.GET.get("area", "")[:80],
        organisation=request.GET.get("organisation", "")[:80],
        place=request.GET.get("place", "")[:200],
        seed=_seed(request),
    )
    page = KeysFirstPaginator(selectors.idea_list(filters, user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "needs/idea_list.html",
        {
            "page": page,
            "ideas": page.object_list,
            "filters": filters,
            "sorts": selectors.SORTS.items(),
            "statuses": Idea.Status.choices,
            "areas": Area.objects.filter(is_active=True).values_list("slug", "name"),
            "organisations": Organisation.objects.filter(kind=Organisation.Kind.BUYER).values_list(
                "slug", "name"
            ),
            "query": _links_query(request, filters),
            "currency": settings.CURRENCY,
        },
    )


@login_required
def idea_create(request):
    need = None
    need_id = request.POST.get("need") or request.GET.get("need")
    if need_id and str(need_id).isdigit():
        need = Need.objects.filter(pk=need_id).first()
    form = IdeaForm(
        request.POST or None, user=request.user, initial={"need": need.pk if need else None}
    )
    if request.method == "POST" and form.is_valid():
        try:
            idea = services.idea_propose(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Your idea has been published.")
            return redirect("needs:idea-detail", pk=idea.pk)
    return render(
        request,
        "needs/idea_form.html",
        {"form": form, "need": need, "currency": settings.CURRENCY},
        status=400 if form.errors else 200,
    )


def _adopt_organisations(user, idea):
    if idea.need is not None and idea.need.organisation_id is not None:
        return None
    return _buyer_organisations(user)


def _idea_context(request, idea, adopt_form=None):
    can_adopt = idea.is_open and can(request.user, "needs.adopt_idea", idea)
    if can_adopt and adopt_form is None:
        adopt_form = AdoptForm(organisations=_adopt_organisations(request.user, idea))
    return {
        "idea": idea,
        "can_adopt": can_adopt,
        "adopt_form": adopt_form if can_adopt else None,
        "can_withdraw": idea.is_open
        and request.user.is_authenticated
        and idea.proposer_id == request.user.pk,
        "currency": settings.CURRENCY,
    }


def idea_detail(request, pk: int):
    try:
        idea = selectors.idea_detail(pk, user=request.user)
    except Idea.DoesNotExist:
        raise Http404 from None
    if moderation.withheld_from(request.user, idea.proposer, idea.visibility):
        return _withheld(request, idea.visibility)
    return render(request, "needs/idea_detail.html", _idea_context(request, idea))


@require_POST
def idea_support(request, pk: int):
    if not request.user.is_authenticated:
        url = reverse("needs:idea-detail", args=[pk])
        return redirect(f"{reverse('account_login')}?next={url}")
    idea = get_object_or_404(Idea, pk=pk)
    note = problem = ""
    try:
        if request.POST.get("action") == "unsupport":
            services.idea_unsupport(actor=request.user, idea=idea)
            note = "You no longer support this idea."
        else:
            services.idea_support(actor=request.user, idea=idea)
            note = "You support this idea. Thank you."
    except ValidationError as error:
        problem = " ".join(error.messages)
    if request.headers.get("HX-Request"):
        idea = selectors.idea_detail(pk, user=request.user)
        context = {"idea": idea, "note": note, "problem": problem}
        return render(request, "needs/_idea_support.html", context)
    _tell(request, note, problem)
    return redirect("needs:idea-detail", pk=pk)


@login_required
@require_POST
def idea_adopt(request, pk: int):
    idea = get_object_or_404(Idea.objects.select_related("need"), pk=pk)
    if not can(request.user, "needs.adopt_idea", idea):
        raise PermissionDenied
    form = AdoptForm(request.POST, organisations=_adopt_organisations(request.user, idea))
    if form.is_valid():
        try:
            services.idea_adopt(actor=request.user, idea=idea, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "You have adopted this idea.")
            return redirect("needs:idea-detail", pk=pk)
    idea = selectors.idea_detail(pk, user=request.user)
    return render(request, "needs/idea_detail.html", _idea_context(request, idea, form), status=400)


@login_required
@require_POST
def idea_withdraw(request, pk: int):
    idea = get_object_or_404(Idea, pk=pk)
    try:
        services.idea_withdraw(actor=request.user, idea=idea)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Your idea has been withdrawn. It stays on record.")
    return redirect("needs:idea-detail", pk=pk)


# --- ranking rounds -------------------------------------------------------------------------


def round_list(request):
    rounds = RankingRound.objects.select_related("organisation").annotate(
        need_count=Count("needs", distinct=True), answer_count=Count("comparisons", distinct=True)
    )
    return render(request, "needs/round_list.html", {"rounds": rounds})


@login_required
def round_create(request, slug: str):
    organisation = get_object_or_404(Organisation, slug=slug, kind=Organisation.Kind.BUYER)
    if not can(request.user, "needs.change_policy", organisation):
        raise PermissionDenied
    form = RoundForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            ranking_round = ranking.round_open(
                actor=request.user,
                organisation=organisation,
                title=form.cleaned_data["title"],
                question=form.cleaned_data["question"],
                needs=list(form.cleaned_data["needs"]),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "The ranking round is open.")
            return redirect("needs:round", pk=ranking_round.pk)
    return render(
        request,
        "needs/round_form.html",
        {"form": form, "organisation": organisation},
        status=400 if form.errors else 200,
    )


def round_detail(request, pk: int):
    ranking_round = get_object_or_404(RankingRound.objects.select_related("organisation"), pk=pk)
    pair = None
    if ranking_round.status == RankingRound.Status.OPEN and request.user.is_authenticated:
        pair = ranking.next_pair(ranking_round, request.user)
    return render(
        request,
        "needs/round_detail.html",
        {
            "round": ranking_round,
            "pair": pair,
            "scores": ranking.scores(ranking_round),
            "can_manage": can(request.user, "needs.change_policy", ranking_round.organisation),
            "answered": ranking_round.comparisons.filter(user=request.user).count()
            if request.user.is_authenticated
            else 0,
        },
    )


@login_required
@require_POST
def round_compare(request, pk: int):
    ranking_round = get_object_or_404(RankingRound, pk=pk)
    choice = request.POST.get("choice", "")
    try:
        ranking.compare(
            actor=request.user,
            ranking=ranking_round,
            left=request.POST.get("left", "0"),
            right=request.POST.get("right", "0"),
            winner=None if choice == "skip" else choice,
        )
    except (ValidationError, ValueError) as error:
        messages.error(
            request,
            " ".join(error.messages)
            if isinstance(error, ValidationError)
            else "That answer could not be read. Please choose again.",
        )
    return redirect("needs:round", pk=pk)


@login_required
@require_POST
def round_close(request, pk: int):
    ranking_round = get_object_or_404(RankingRound.objects.select_related("organisation"), pk=pk)
    if not can(request.user, "needs.change_policy", ranking_round.organisation):
        raise PermissionDenied
    ranking.round_close(actor=request.user, ranking=ranking_round)
    messages.success(request, "The ranking round is closed. Its results stay public.")
    return redirect("needs:round", pk=pk)


def search_page(request):
    query = request.GET.get("q", "")[:200]
    kind = request.GET.get("kind", "")
    area = request.GET.get("area", "")
    organisation = request.GET.get("organisation", "")
    status = request.GET.get("status", "")
    if status not in Need.Status.values and status not in Idea.Status.values:
        status = ""
    hits = (
        search.search(query, kind=kind, area=area, status=status, organisation=organisation)
        if query.strip()
        else []
    )
    return render(
        request,
        "needs/search.html",
        {
            "query": query,
            "kind": kind,
            "area": area,
            "areas": Area.objects.filter(is_active=True).values_list("slug", "name"),
            "organisation": organisation,
            "organisations": Organisation.objects.filter(kind=Organisation.Kind.BUYER).values_list(
                "slug", "name"
            ),
            "status": status,
            "statuses": [("", "Any status"), *Need.Status.choices, ("withdrawn", "Withdrawn")],
            "hits": hits,
        },
    )


# --- evidence files ---------------------------------------------------------------------------


@login_required
@require_POST
def attachment_upload(request, pk: int):
    need = get_object_or_404(Need, pk=pk)
    try:
        services.attachment_add(actor=request.user, need=need, upload=request.FILES.get("file"))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The file has been added.")
    return redirect(f"{reverse('needs:detail', args=[pk])}#evidence-files")


def attachment_download(request, pk: int, attachment_id: int):
    attachment = get_object_or_404(
        Attachment.objects.select_related("need", "need__author"), pk=attachment_id, need_id=pk
    )
    need = attachment.need
    if moderation.withheld_from(request.user, need.author, need.visibility):
        raise Http404
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=attachment.content_type not in {"image/png", "image/jpeg", "application/pdf"},
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
