"""The specifications API: read everything public; suggest and annotate when signed in; decide
on suggestions as a buyer officer of the owning organisation. Same services and selectors as the
pages, so the same rules."""

from django.http import Http404
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from openbuy.accounts.models import Organisation
from openbuy.accounts.schemas import ErrorOut
from openbuy.api_auth import optional_auth
from openbuy.api_pagination import Pagination
from openbuy.discussion import moderation
from openbuy.specifications import selectors, services
from openbuy.specifications.models import Annotation, Specification, Suggestion
from openbuy.specifications.schemas import (
    AcceptIn,
    AnnotationIn,
    AnnotationOut,
    DiffOut,
    LintOut,
    OptionalReasonIn,
    ProvenanceOut,
    ReasonIn,
    SpecificationOut,
    SpecificationSummaryOut,
    SuggestionIn,
    SuggestionOut,
    VersionDetailOut,
    VersionOut,
)

router = Router(tags=["specifications"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class SpecQuery(Schema):
    organisation: str = ""
    status: str = ""
    q: str = ""


class SuggestionQuery(Schema):
    state: str = ""


class DiffQuery(Schema):
    from_version: int
    to_version: int


def _spec(pk: int) -> Specification:
    spec = (
        Specification.objects.select_related("organisation", "current_version", "frozen_version")
        .filter(pk=pk)
        .first()
    )
    if spec is None or spec.latest is None:
        raise Http404
    return spec


def _version(spec: Specification, number: int):
    version = selectors.version(spec, number)
    if version is None:
        raise Http404
    return version


def _suggestion(request, spec: Specification, suggestion_id: int) -> Suggestion:
    suggestion = (
        Suggestion.objects.select_related(
            "author", "on_behalf_of", "base_version", "result_version"
        )
        .filter(pk=suggestion_id, specification=spec)
        .first()
    )
    if suggestion is None or moderation.withheld_from(
        request.auth, suggestion.author, suggestion.visibility
    ):
        raise Http404
    suggestion.specification = spec
    suggestion.outdated = suggestion.is_open and selectors.is_outdated(suggestion, spec.latest)
    return suggestion


@router.get(
    "/specifications",
    response=list[SpecificationSummaryOut],
    auth=optional_auth,
    summary="Specifications",
)
@paginate(Pagination)
def spec_list(request, filters: Query[SpecQuery]):
    return selectors.spec_list(
        organisation=filters.organisation, status=filters.status, query=filters.q
    ).select_related("frozen_version")


@router.get(
    "/specifications/{pk}",
    response={200: SpecificationOut, 404: ErrorOut},
    auth=optional_auth,
    summary="A specification with its current text",
)
def spec_detail(request, pk: int):
    return _spec(pk)


@router.get(
    "/specifications/{pk}/versions",
    response={200: list[VersionOut], 404: ErrorOut},
    auth=optional_auth,
    summary="Its versions, newest first",
)
def version_list(request, pk: int):
    return list(selectors.versions(_spec(pk)).select_related("reverted_to"))


@router.get(
    "/specifications/{pk}/versions/{number}",
    response={200: VersionDetailOut, 404: ErrorOut},
    auth=optional_auth,
    summary="One version with its full text",
)
def version_detail(request, pk: int, number: int):
    return _version(_spec(pk), number)


@router.get(
    "/specifications/{pk}/diff",
    response={200: DiffOut, 404: ErrorOut, 422: ErrorOut},
    auth=optional_auth,
    summary="The difference between two versions",
)
def diff(request, pk: int, query: Query[DiffQuery]):
    spec = _spec(pk)
    old, new = _version(spec, query.from_version), _version(spec, query.to_version)
    return {
        "from_version": old.number,
        "to_version": new.number,
        "sections": [
            {
                "key": c.key,
                "heading": c.heading,
                "change": c.change,
                "old_heading": c.old_heading,
                "html": str(c.diff),
            }
            for c in selectors.compare(old, new)
        ],
    }


@router.get(
    "/specifications/{pk}/provenance",
    response={200: ProvenanceOut, 404: ErrorOut},
    auth=optional_auth,
    summary="Who wrote each paragraph",
)
def provenance(request, pk: int, version: int | None = None):
    spec = _spec(pk)
    chosen = _version(spec, version) if version is not None else spec.latest
    sections = selectors.provenance(spec, chosen)
    return {
        "version": chosen.number,
        "sections": [
            {
                "key": s.key,
                "heading": s.heading,
                "paragraphs": [
                    {
                        "index": p.index,
                        "text": p.source,
                        "version": p.origin.number if p.origin else None,
                        "author": p.origin.author.name if p.origin else None,
                        "suggestion": p.origin.suggestion_id if p.origin else None,
                        "accepted_by": p.origin.recorded_by.name
                        if p.origin and p.origin.suggestion_id
                        else None,
                    }
                    for p in s.paragraphs
                ],
            }
            for s in sections
        ],
    }


@router.get(
    "/specifications/{pk}/lint",
    response={200: LintOut, 404: ErrorOut},
    auth=optional_auth,
    summary="Plain English and fairness findings for the current version",
)
def lint(request, pk: int):
    spec = _spec(pk)
    report = selectors.lint_report(spec, spec.latest)
    return {
        "version": spec.latest.number,
        "sections": [
            {
                "key": r.key,
                "words": r.words,
                "reading_ease": r.reading_ease,
                "findings": [
                    {
                        "rule": f.rule,
                        "title": f.title,
                        "passage": f.passage,
                        "start": f.start,
                        "end": f.end,
                        "why": f.why,
                        "fix": f.fix,
                    }
                    for f in r.findings
                ],
            }
            for r in report
        ],
    }


@router.get(
    "/specifications/{pk}/suggestions",
    response={200: list[SuggestionOut], 404: ErrorOut},
    auth=optional_auth,
    summary="Suggested edits",
)
@paginate(Pagination)
def suggestion_list(request, pk: int, filters: Query[SuggestionQuery]):
    spec = _spec(pk)
    qs = selectors.suggestions_for(spec, request.auth, state=filters.state).select_related(
        "base_version", "result_version"
    )
    return _OutdatedMarker(qs, spec)


class _OutdatedMarker:
    """A sliceable wrapper that marks each suggestion of a page as outdated or not."""

    def __init__(self, qs, spec: Specification):
        self.qs, self.spec = qs, spec

    def count(self) -> int:
        return self.qs.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item):
        rows = list(self.qs[item])
        for row in rows:
            row.outdated = row.is_open and selectors.is_outdated(row, self.spec.latest)
        return rows


@router.get(
    "/specifications/{pk}/suggestions/{suggestion_id}",
    response={200: SuggestionOut, 404: ErrorOut},
    auth=optional_auth,
    summary="One suggested edit",
)
def suggestion_detail(request, pk: int, suggestion_id: int):
    return _suggestion(request, _spec(pk), suggestion_id)


@router.post(
    "/specifications/{pk}/suggestions",
    response={201: SuggestionOut, **ERRORS},
    summary="Suggest an edit to a section",
)
def suggestion_create(request, pk: int, payload: SuggestionIn):
    spec = _spec(pk)
    organisation = None
    if payload.on_behalf_of:
        organisation = Organisation.objects.filter(slug=payload.on_behalf_of).first()
        if organisation is None:
            from django.core.exceptions import ValidationError

            raise ValidationError({"on_behalf_of": "There is no such organisation"})
    suggestion = services.suggestion_create(
        actor=request.auth,
        spec=spec,
        section_key=payload.section_key,
        proposed_text=payload.proposed_text,
        reason=payload.reason,
        base_version=payload.base_version,
        on_behalf_of=organisation,
    )
    return Status(201, _suggestion(request, spec, suggestion.pk))


@router.post(
    "/specifications/{pk}/suggestions/{suggestion_id}/withdraw",
    response={200: SuggestionOut, **ERRORS},
    summary="Withdraw your suggestion",
)
def suggestion_withdraw(request, pk: int, suggestion_id: int, payload: OptionalReasonIn):
    spec = _spec(pk)
    suggestion = _suggestion(request, spec, suggestion_id)
    services.suggestion_withdraw(actor=request.auth, suggestion=suggestion, reason=payload.reason)
    return _suggestion(request, spec, suggestion_id)


@router.post(
    "/specifications/{pk}/suggestions/{suggestion_id}/accept",
    response={200: SuggestionOut, **ERRORS},
    summary="Accept a suggestion (buyer officers of the owning organisation)",
)
def suggestion_accept(request, pk: int, suggestion_id: int, payload: AcceptIn):
    spec = _spec(pk)
    suggestion = _suggestion(request, spec, suggestion_id)
    services.suggestion_accept(
        actor=request.auth,
        suggestion=suggestion,
        reason=payload.reason,
        resolved_text=payload.resolved_text,
        reviewed_version=payload.reviewed_version,
    )
    return _suggestion(request, _spec(pk), suggestion_id)


@router.post(
    "/specifications/{pk}/suggestions/{suggestion_id}/reject",
    response={200: SuggestionOut, **ERRORS},
    summary="Reject a suggestion, with a reason (buyer officers of the owning organisation)",
)
def suggestion_reject(request, pk: int, suggestion_id: int, payload: ReasonIn):
    spec = _spec(pk)
    suggestion = _suggestion(request, spec, suggestion_id)
    services.suggestion_reject(actor=request.auth, suggestion=suggestion, reason=payload.reason)
    return _suggestion(request, spec, suggestion_id)


def _annotations(request, spec: Specification) -> list[Annotation]:
    rows = list(
        selectors.annotations_for(spec, request.auth, include_withdrawn=True).select_related(
            "version"
        )
    )
    selectors.document(spec.latest, rows)
    return rows


@router.get(
    "/specifications/{pk}/annotations",
    response={200: list[AnnotationOut], 404: ErrorOut},
    auth=optional_auth,
    summary="Comments on passages",
)
def annotation_list(request, pk: int):
    return _annotations(request, _spec(pk))


@router.post(
    "/specifications/{pk}/annotations",
    response={201: AnnotationOut, **ERRORS},
    summary="Comment on a passage",
)
def annotation_create(request, pk: int, payload: AnnotationIn):
    spec = _spec(pk)
    annotation = services.annotation_create(
        actor=request.auth,
        spec=spec,
        section_key=payload.section_key,
        paragraph=payload.paragraph,
        quote=payload.quote,
        body=payload.body,
        start=payload.start,
    )
    return Status(201, next(a for a in _annotations(request, spec) if a.pk == annotation.pk))


@router.post(
    "/specifications/{pk}/annotations/{annotation_id}/withdraw",
    response={200: AnnotationOut, **ERRORS},
    summary="Withdraw your comment on a passage",
)
def annotation_withdraw(request, pk: int, annotation_id: int):
    spec = _spec(pk)
    annotation = next((a for a in _annotations(request, spec) if a.pk == annotation_id), None)
    if annotation is None:
        raise Http404
    services.annotation_withdraw(actor=request.auth, annotation=annotation)
    return next(a for a in _annotations(request, spec) if a.pk == annotation_id)
