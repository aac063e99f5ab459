from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from openbuy.accounts.models import Organisation
from openbuy.accounts.schemas import ErrorOut
from openbuy.api_auth import optional_auth
from openbuy.api_pagination import Pagination
from openbuy.discussion import moderation
from openbuy.needs import ranking, search, selectors, services
from openbuy.needs.models import Area, Idea, Need, RankingRound
from openbuy.needs.schemas import (
    AdoptIn,
    AnswerIn,
    AnswerOut,
    AreaOut,
    IdeaIn,
    IdeaOut,
    NeedIn,
    NeedOut,
    SupportOut,
    WithdrawIn,
)

router = Router(tags=["needs"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class NeedQuery(Schema):
    sort: str = "newest"
    area: str = ""
    status: str = ""
    organisation: str = ""
    place: str = ""
    seed: int = 1


def _get(request, pk: int) -> Need:
    try:
        need = selectors.need_detail(pk, user=request.auth)
    except Need.DoesNotExist:
        raise Http404 from None
    if moderation.withheld_from(request.auth, need.author, need.visibility):
        raise Http404
    return need


@router.get("/areas", response=list[AreaOut], auth=optional_auth, summary="Areas of need")
def area_list(request):
    return Area.objects.filter(is_active=True)


@router.get("/needs", response=list[NeedOut], auth=optional_auth, summary="Needs")
@paginate(Pagination)
def need_list(request, filters: Query[NeedQuery]):
    sort = filters.sort if filters.sort in selectors.SORTS else "newest"
    needs = selectors.need_list(
        selectors.NeedFilters(**{**filters.dict(), "sort": sort}), user=request.auth
    )
    return needs


@router.get("/needs/{pk}", response={200: NeedOut, 404: ErrorOut}, auth=optional_auth)
def need_detail(request, pk: int):
    return _get(request, pk)


@router.post("/needs", response={201: NeedOut, **ERRORS})
def need_create(request, payload: NeedIn):
    need = services.need_raise(
        actor=request.auth,
        title=payload.title,
        description=payload.description,
        affects=payload.affects,
        area=payload.area,
        organisation=payload.organisation,
        place=payload.place,
        evidence="\n".join(payload.evidence),
    )
    return Status(201, _get(request, need.pk))


def _support_out(request, pk: int) -> dict:
    need = _get(request, pk)
    return {
        "supported": bool(getattr(need, "supported", False)),
        "support_count": need.support_count,
        "frontline_support_count": need.frontline_support_count,
    }


@router.post("/needs/{pk}/support", response={200: SupportOut, **ERRORS})
def need_support(request, pk: int):
    services.need_support(actor=request.auth, need=get_object_or_404(Need, pk=pk))
    return _support_out(request, pk)


@router.delete("/needs/{pk}/support", response={200: SupportOut, **ERRORS})
def need_unsupport(request, pk: int):
    services.need_unsupport(actor=request.auth, need=get_object_or_404(Need, pk=pk))
    return _support_out(request, pk)


@router.post(
    "/needs/{pk}/support/move",
    response={200: SupportOut, **ERRORS},
    summary="Move your support from a duplicate to its original",
)
def need_move_support(request, pk: int):
    original = services.need_move_support(actor=request.auth, need=get_object_or_404(Need, pk=pk))
    return _support_out(request, original.pk)


def _answer_out(answer) -> dict:
    return {
        "id": answer.pk,
        "from_status": answer.from_status,
        "to_status": answer.to_status,
        "reason": answer.reason,
        "link_url": answer.link_url,
        "duplicate_of": answer.duplicate_of_id,
        "organisation": answer.organisation.slug,
        "author": answer.author.name,
        "created_at": answer.created_at,
    }


@router.get(
    "/needs/{pk}/answers", response={200: list[AnswerOut], 404: ErrorOut}, auth=optional_auth
)
def answer_list(request, pk: int):
    need = _get(request, pk)
    return [_answer_out(a) for a in selectors.need_answers(need)]


@router.post("/needs/{pk}/answers", response={201: AnswerOut, **ERRORS})
def answer_create(request, pk: int, payload: AnswerIn):
    need = get_object_or_404(Need.objects.select_related("organisation"), pk=pk)
    organisation = None
    if payload.organisation:
        organisation = get_object_or_404(Organisation, slug=payload.organisation)
    answer = services.need_answer(
        actor=request.auth,
        need=need,
        status=payload.status,
        reason=payload.reason,
        link_url=payload.link_url,
        duplicate_of=payload.duplicate_of,
        organisation=organisation,
    )
    return Status(201, _answer_out(answer))


# --- ideas ----------------------------------------------------------------------------------


class IdeaQuery(Schema):
    sort: str = "newest"
    status: str = ""
    need: int | None = Field(None, ge=1, le=2**63 - 1)
    area: str = ""
    organisation: str = ""
    place: str = ""
    seed: int = 1


def _idea(request, pk: int) -> Idea:
    try:
        idea = selectors.idea_detail(pk, user=request.auth)
    except Idea.DoesNotExist:
        raise Http404 from None
    if moderation.withheld_from(request.auth, idea.proposer, idea.visibility):
        raise Http404
    return idea


@router.get("/ideas", response=list[IdeaOut], auth=optional_auth, summary="Ideas")
@paginate(Pagination)
def idea_list(request, filters: Query[IdeaQuery]):
    sort = filters.sort if filters.sort in selectors.SORTS else "newest"
    return selectors.idea_list(
        selectors.IdeaFilters(**{**filters.dict(), "sort": sort}), user=request.auth
    )


@router.get("/ideas/{pk}", response={200: IdeaOut, 404: ErrorOut}, auth=optional_auth)
def idea_detail(request, pk: int):
    return _idea(request, pk)


@router.post("/ideas", response={201: IdeaOut, **ERRORS})
def idea_create(request, payload: IdeaIn):
    idea = services.idea_propose(actor=request.auth, **payload.dict())
    return Status(201, _idea(request, idea.pk))


@router.post("/ideas/{pk}/support", response={200: IdeaOut, **ERRORS})
def idea_support(request, pk: int):
    services.idea_support(actor=request.auth, idea=get_object_or_404(Idea, pk=pk))
    return _idea(request, pk)


@router.delete("/ideas/{pk}/support", response={200: IdeaOut, **ERRORS})
def idea_unsupport(request, pk: int):
    services.idea_unsupport(actor=request.auth, idea=get_object_or_404(Idea, pk=pk))
    return _idea(request, pk)


@router.post("/ideas/{pk}/adopt", response={200: IdeaOut, **ERRORS})
def idea_adopt(request, pk: int, payload: AdoptIn):
    organisation = None
    if payload.organisation:
        organisation = get_object_or_404(Organisation, slug=payload.organisation)
    services.idea_adopt(
        actor=request.auth,
        idea=get_object_or_404(Idea.objects.select_related("need"), pk=pk),
        reason=payload.reason,
        organisation=organisation,
    )
    return _idea(request, pk)


@router.post("/ideas/{pk}/withdraw", response={200: IdeaOut, **ERRORS})
def idea_withdraw(request, pk: int, payload: WithdrawIn):
    services.idea_withdraw(
        actor=request.auth, idea=get_object_or_404(Idea, pk=pk), reason=payload.reason
    )
    return _idea(request, pk)


# --- ranking rounds -------------------------------------------------------------------------


class ScoreOut(Schema):
    need: int
    title: str
    score: float
    wins: int
    losses: int
    comparisons: int


class RoundOut(Schema):
    id: int
    organisation: str
    title: str
    question: str
    status: str
    needs: list[int]
    scores: dict[str, list[ScoreOut]] = Field(
        description="Best first, for all, frontline and residents"
    )


class PairOut(Schema):
    left: NeedOut
    right: NeedOut


class ComparisonIn(Schema):
    left: int
    right: int
    winner: int | None = Field(None, description="The id of left or right; null for can't decide")


def _round_out(ranking_round: RankingRound) -> dict:
    scores = ranking.scores(ranking_round)
    return {
        "id": ranking_round.pk,
        "organisation": ranking_round.organisation.slug,
        "title": ranking_round.title,
        "question": ranking_round.question,
        "status": ranking_round.status,
        "needs": sorted(s.need.pk for s in scores["all"]),
        "scores": {
            group: [
                {
                    "need": s.need.pk,
                    "title": s.need.title,
                    "score": s.score,
                    "wins": s.wins,
                    "losses": s.losses,
                    "comparisons": s.comparisons,
                }
                for s in rows
            ]
            for group, rows in scores.items()
        },
    }


@router.get(
    "/rankings/{pk}",
    response={200: RoundOut, 404: ErrorOut},
    auth=optional_auth,
    summary="A ranking round and its scores",
)
def round_detail(request, pk: int):
    return _round_out(get_object_or_404(RankingRound.objects.select_related("organisation"), pk=pk))


@router.get(
    "/rankings/{pk}/pair",
    response={200: PairOut, 204: None, **ERRORS},
    summary="The next pair for you to compare (204 when you have answered them all)",
)
def round_pair(request, pk: int):
    pair = ranking.next_pair(get_object_or_404(RankingRound, pk=pk), request.auth)
    if pair is None:
        return Status(204, None)
    return {"left": pair[0], "right": pair[1]}


@router.post("/rankings/{pk}/comparisons", response={201: None, **ERRORS})
def round_compare(request, pk: int, payload: ComparisonIn):
    ranking.compare(
        actor=request.auth,
        ranking=get_object_or_404(RankingRound, pk=pk),
        left=payload.left,
        right=payload.right,
        winner=payload.winner,
    )
    return Status(201, None)


class HitOut(Schema):
    kind: str
    id: int
    title: str
    title_html: str = Field(description="The title with matches in <mark>, HTML-escaped")
    snippet_html: str


@router.get(
    "/search",
    response=list[HitOut],
    auth=optional_auth,
    summary="Full-text search over needs and ideas (the best 50 matches)",
)
def search_endpoint(
    request, q: str, kind: str = "", area: str = "", status: str = "", organisation: str = ""
):
    return [
        {
            "kind": hit.kind,
            "id": hit.item.pk,
            "title": hit.item.title,
            "title_html": str(hit.title),
            "snippet_html": str(hit.snippet),
        }
        for hit in search.search(
            q[:200], kind=kind, area=area, status=status, organisation=organisation
        )
    ]
