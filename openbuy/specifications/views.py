"""Pages for specifications. Thin: forms in, services out, selectors for what is shown."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from openbuy.accounts.models import Membership, Organisation
from openbuy.accounts.rules import can
from openbuy.discussion import moderation
from openbuy.lessons import gate
from openbuy.specifications import selectors, services, texts
from openbuy.specifications.forms import (
    AcceptForm,
    AnnotationForm,
    CompareForm,
    DetailsForm,
    FilterForm,
    FreezeForm,
    ReasonForm,
    RejectForm,
    SectionForm,
    SuggestionFilterForm,
    SuggestionForm,
)
from openbuy.specifications.models import Annotation, Specification, SpecVersion, Suggestion
from openbuy.ui.forms import apply_errors

PAGE_SIZE = 20


def _spec(pk: int) -> Specification:
    spec = (
        Specification.objects.select_related("organisation", "current_version", "frozen_version")
        .filter(pk=pk)
        .first()
    )
    if spec is None or spec.current_version is None:
        raise Http404
    return spec


def _writer(request, spec: Specification) -> None:
    if not can(request.user, "specifications.write", spec):
        raise PermissionDenied


def _posted(request):
    """The form data of a POST (even an empty one), or None for a GET."""
    return request.POST if request.method == "POST" else None


def _signed_in(request):
    return redirect(f"{reverse('account_login')}?next={request.get_full_path()}")


def _buyer_organisations(user) -> list[Organisation]:
    if not user.is_authenticated:
        return []
    return list(
        Organisation.objects.filter(
            kind=Organisation.Kind.BUYER,
            memberships__user=user,
            memberships__role__in=[Membership.Role.BUYER, Membership.Role.ADMIN],
        ).order_by("name")
    )


def spec_list(request):
    form = FilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    qs = selectors.spec_list(
        organisation=data.get("organisation") or "",
        status=data.get("status") or "",
        query=data.get("q") or "",
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "specifications/spec_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_create": can(request.user, "specifications.create", None),
        },
    )


@login_required
def spec_create(request):
    organisations = _buyer_organisations(request.user)
    if not organisations:
        raise PermissionDenied
    initial = {
        "needs": [v for v in request.GET.getlist("need") if v.isdigit()],
        "ideas": [v for v in request.GET.getlist("idea") if v.isdigit()],
    }
    form = DetailsForm(_posted(request), organisations=organisations, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            spec = services.specification_create(
                actor=request.user,
                organisation=data.get("organisation") or organisations[0],
                title=data["title"],
                summary=data["summary"],
                value_amount=data["value_amount"],
                currency=data["currency"],
                needs=list(data.get("needs") or []),
                ideas=list(data.get("ideas") or []),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Your specification has started from the outline.")
            return redirect("specifications:detail", pk=spec.pk)
    return render(
        request,
        "specifications/spec_form.html",
        {"form": form, "editing": None},
        status=400 if form.errors else 200,
    )


@login_required
def spec_edit(request, pk: int):
    spec = _spec(pk)
    _writer(request, spec)
    initial = {
        "title": spec.title,
        "summary": spec.summary,
        "value_amount": spec.value_amount if spec.value_amount is not None else "",
        "currency": spec.currency,
        "needs": list(spec.needs.values_list("pk", flat=True)),
        "ideas": list(spec.ideas.values_list("pk", flat=True)),
    }
    form = DetailsForm(
        _posted(request),
        fixed=spec.organisation,
        initial=initial,
        linked_needs=initial["needs"],
        linked_ideas=initial["ideas"],
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.specification_update(
                actor=request.user,
                spec=spec,
                title=data["title"],
                summary=data["summary"],
                value_amount=data["value_amount"],
                currency=data["currency"],
                needs=list(data["needs"]) if "needs" in data else None,
                ideas=list(data["ideas"]) if "ideas" in data else None,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "The details are saved.")
            return redirect("specifications:detail", pk=spec.pk)
    return render(
        request,
        "specifications/spec_form.html",
        {"form": form, "editing": spec},
        status=400 if form.errors else 200,
    )


def spec_detail(request, pk: int):
    spec = _spec(pk)
    version = spec.current_version
    annotations = list(selectors.annotations_for(spec, request.user))
    sections = selectors.document(version, annotations)
    report = {r.key: r for r in selectors.lint_report(spec, version)}
    for section in sections:
        section.lint = report.get(section.key)
    open_counts: dict[str, int] = {}
    for key in selectors.suggestions_for(spec, request.user, state="open").values_list(
        "section_key", flat=True
    ):
        open_counts[key] = open_counts.get(key, 0) + 1
    for section in sections:
        section.open_suggestions = open_counts.get(section.key, 0)
    return render(
        request,
        "specifications/spec_detail.html",
        {
            "spec": spec,
            "version": version,
            "sections": sections,
            "findings": sum(len(r.findings) for r in report.values()),
            "needs": list(spec.needs.select_related("organisation")),
            "ideas": list(spec.ideas.all()),
            "can_write": can(request.user, "specifications.write", spec),
            "can_take_part": request.user.is_authenticated and spec.is_drafting,
            "reopen_form": ReasonForm(label="Why reopen it for drafting"),
        },
    )


def _section(spec: Specification, key: str) -> dict:
    section = spec.current_version.section(key)
    if section is None:
        raise Http404
    return section


@login_required
def section_edit(request, pk: int, key: str):
    spec = _spec(pk)
    _writer(request, spec)
    section = _section(spec, key)
    published = spec.status == Specification.Status.PUBLISHED
    form = SectionForm(
        _posted(request),
        note_required=published,
        initial={
            "heading": section["heading"],
            "body": section["body"],
            "base_version": spec.version_count,
        },
    )
    report = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if request.POST.get("action") == "check":
            report = selectors.lint_draft(spec, spec.current_version, key, data["body"])
        else:
            try:
                version = services.section_edit(
                    actor=request.user,
                    spec=spec,
                    key=key,
                    heading=data["heading"],
                    body=data["body"],
                    note=data["note"],
                    base_version=data["base_version"],
                )
            except ValidationError as error:
                apply_errors(form, error)
                # The writer has now seen the current text: saving again overwrites it.
                form.data = form.data.copy()
                form.data["base_version"] = str(spec.version_count)
            else:
                messages.success(request, f"Saved as version {version.number}.")
                return redirect(f"{reverse('specifications:detail', args=[pk])}#section-{key}")
    body = form.data.get("body", section["body"]) if form.is_bound else section["body"]
    if report is None:
        report = selectors.lint_draft(spec, spec.current_version, key, str(body))
    # Past lessons like this draft, from every organisation, beside the text while it is written.
    lessons = gate.matches("\n\n".join([spec.title, spec.summary, section["heading"], str(body)]))
    changed = None
    if form.is_bound and form.errors.get("body"):
        changed = texts.diff_html(str(form.data.get("body", "")), section["body"])
    return render(
        request,
        "specifications/section_form.html",
        {
            "spec": spec,
            "section": section,
            "form": form,
            "report": report,
            "lessons": lessons,
            "hint": services.HINTS.get(key, ""),
            "changed": changed,
            "is_first": spec.current_version.sections[0]["key"] == key,
            "is_last": spec.current_version.sections[-1]["key"] == key,
            "can_remove": len(spec.current_version.sections) > 1,
        },
        status=400 if form.errors else 200,
    )


@login_required
def section_add(request, pk: int):
    spec = _spec(pk)
    _writer(request, spec)
    published = spec.status == Specification.Status.PUBLISHED
    form = SectionForm(_posted(request), note_required=published)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.section_add(
                actor=request.user,
                spec=spec,
                heading=data["heading"],
                body=data["body"],
                note=data["note"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "The section is added.")
            return redirect("specifications:detail", pk=pk)
    return render(
        request,
        "specifications/section_add.html",
        {"spec": spec, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def section_change(request, pk: int, key: str):
    """Move a section up or down, or remove it."""
    spec = _spec(pk)
    _writer(request, spec)
    action = request.POST.get("action", "")
    try:
        if action == "remove":
            services.section_remove(
                actor=request.user, spec=spec, key=key, note=request.POST.get("note", "")
            )
            messages.success(request, "The section is removed. Its text stays in the history.")
        else:
            services.section_move(
                actor=request.user,
                spec=spec,
                key=key,
                direction=action,
                note=request.POST.get("note", ""),
            )
            messages.success(request, "The section has moved.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("specifications:detail", pk=pk)


def _supplier_organisations(user) -> list[Organisation]:
    if not user.is_authenticated:
        return []
    return list(Organisation.objects.filter(memberships__user=user).order_by("name"))


def suggestion_create(request, pk: int, key: str):
    spec = _spec(pk)
    if not request.user.is_authenticated:
        return _signed_in(request)
    section = _section(spec, key)
    form = SuggestionForm(
        _posted(request),
        organisations=_supplier_organisations(request.user),
        initial={"proposed_text": section["body"], "base_version": spec.version_count},
    )
    preview = report = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        base = spec.versions.filter(number=data["base_version"] or spec.version_count).first()
        base_text = (base.section(key) or section)["body"] if base else section["body"]
        if request.POST.get("action") == "check":
            preview = texts.diff_html(base_text, data["proposed_text"])
            report = selectors.lint_draft(spec, spec.current_version, key, data["proposed_text"])
        else:
            try:
                suggestion = services.suggestion_create(
                    actor=request.user,
                    spec=spec,
                    section_key=key,
                    proposed_text=data["proposed_text"],
                    reason=data["reason"],
                    base_version=data["base_version"],
                    on_behalf_of=data.get("on_behalf_of"),
                )
            except ValidationError as error:
                apply_errors(form, error)
            except PermissionDenied as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "Your suggestion is sent. The buyer will decide on it.")
                return redirect("specifications:suggestion", pk=pk, suggestion_id=suggestion.pk)
    return render(
        request,
        "specifications/suggestion_form.html",
        {
            "spec": spec,
            "section": section,
            "form": form,
            "preview": preview,
            "report": report,
            "hint": services.HINTS.get(key, ""),
        },
        status=400 if form.errors else 200,
    )


def suggestion_list(request, pk: int):
    spec = _spec(pk)
    form = SuggestionFilterForm(request.GET or None)
    state = form.cleaned_data.get("state", "") if form.is_valid() else ""
    page = Paginator(
        selectors.suggestions_for(spec, request.user, state=state), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    for suggestion in page:
        suggestion.outdated = suggestion.is_open and selectors.is_outdated(
            suggestion, spec.current_version
        )
    return render(
        request,
        "specifications/suggestion_list.html",
        {
            "spec": spec,
            "page": page,
            "form": form,
            "state": state,
            "query": f"state={state}" if state else "",
        },
    )


def _suggestion(spec: Specification, suggestion_id: int, user) -> Suggestion:
    suggestion = (
        Suggestion.objects.select_related(
            "author", "on_behalf_of", "decided_by", "base_version", "result_version"
        )
        .filter(pk=suggestion_id, specification=spec)
        .first()
    )
    if suggestion is None:
        raise Http404
    suggestion.specification = spec
    return suggestion


def suggestion_detail(request, pk: int, suggestion_id: int, accept_form=None, reject_form=None):
    spec = _spec(pk)
    suggestion = _suggestion(spec, suggestion_id, request.user)
    if moderation.withheld_from(request.user, suggestion.author, suggestion.visibility):
        return render(request, "specifications/withheld.html", {"spec": spec}, status=404)
    current = spec.current_version
    section = current.section(suggestion.section_key)
    outdated = suggestion.is_open and selectors.is_outdated(suggestion, current)
    merge = None
    if outdated and section is not None:
        merge = texts.merge_three(suggestion.base_text, section["body"], suggestion.proposed_text)
    can_write = can(request.user, "specifications.write", spec)
    if accept_form is None:
        accept_form = AcceptForm(
            outdated=outdated,
            initial={
                "resolved_text": merge.text if merge else "",
                "reviewed_version": spec.version_count,
            },
        )
    inserted, deleted = texts.diff_counts(suggestion.base_text, suggestion.proposed_text)
    status = 400 if (accept_form.errors or (reject_form and reject_form.errors)) else 200
    return render(
        request,
        "specifications/suggestion_detail.html",
        {
            "spec": spec,
            "suggestion": suggestion,
            "diff": texts.diff_html(suggestion.base_text, suggestion.proposed_text),
            "inserted": inserted,
            "deleted": deleted,
            "outdated": outdated,
            "section_gone": section is None,
            "since": texts.diff_html(suggestion.base_text, section["body"])
            if outdated and section
            else None,
            "merge": merge,
            "can_decide": can_write and suggestion.is_open and spec.is_drafting,
            "can_withdraw": suggestion.is_open and request.user.pk == suggestion.author_id,
            "accept_form": accept_form,
            "reject_form": reject_form or RejectForm(prefix="reject"),
        },
        status=status,
    )


@login_required
@require_POST
def suggestion_decide(request, pk: int, suggestion_id: int):
    spec = _spec(pk)
    suggestion = _suggestion(spec, suggestion_id, request.user)
    action = request.POST.get("action")
    if action == "withdraw":
        try:
            services.suggestion_withdraw(actor=request.user, suggestion=suggestion)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Your suggestion is withdrawn.")
        return redirect("specifications:suggestion", pk=pk, suggestion_id=suggestion_id)
    _writer(request, spec)
    if action == "reject":
        form = RejectForm(request.POST, prefix="reject")
        if form.is_valid():
            try:
                services.suggestion_reject(
                    actor=request.user, suggestion=suggestion, reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, "The suggestion is rejected; its author is told why.")
                return redirect("specifications:suggestion", pk=pk, suggestion_id=suggestion_id)
        return suggestion_detail(request, pk, suggestion_id, reject_form=form)
    outdated = selectors.is_outdated(suggestion, spec.current_version)
    accept = AcceptForm(request.POST, outdated=outdated)
    if accept.is_valid():
        data = accept.cleaned_data
        try:
            version = services.suggestion_accept(
                actor=request.user,
                suggestion=suggestion,
                reason=data["reason"],
                resolved_text=data.get("resolved_text") if outdated else None,
                reviewed_version=data.get("reviewed_version"),
            )
        except ValidationError as error:
            apply_errors(accept, error)
        else:
            messages.success(
                request, f"Accepted: the specification is now version {version.number}."
            )
            return redirect("specifications:suggestion", pk=pk, suggestion_id=suggestion_id)
    return suggestion_detail(request, pk, suggestion_id, accept_form=accept)


def annotation_create(request, pk: int):
    spec = _spec(pk)
    if not request.user.is_authenticated:
        return _signed_in(request)
    sections = selectors.document(spec.current_version)
    key = request.POST.get("section_key") or request.GET.get("section", "")
    initial = {"section_key": key}
    if request.GET.get("paragraph", "").isdigit():
        initial["paragraph"] = int(request.GET["paragraph"])
    if request.GET.get("quote"):
        initial["quote"] = request.GET["quote"][:1000]
    if request.GET.get("start", "").isdigit() and len(request.GET["start"]) < 7:
        initial["start"] = int(request.GET["start"])
    form = AnnotationForm(_posted(request), sections=sections, section_key=key, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            annotation = services.annotation_create(
                actor=request.user,
                spec=spec,
                section_key=data["section_key"],
                paragraph=data["paragraph"],
                quote=data["quote"],
                body=data["body"],
                start=data["start"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Your comment is added to the passage.")
            return redirect(
                f"{reverse('specifications:detail', args=[pk])}#annotation-{annotation.pk}"
            )
    chosen = next(
        (s for s in sections if s.key == (key or (sections[0].key if sections else ""))), None
    )
    return render(
        request,
        "specifications/annotation_form.html",
        {"spec": spec, "form": form, "section": chosen},
        status=400 if form.errors else 200,
    )


def annotation_detail(request, pk: int, annotation_id: int):
    spec = _spec(pk)
    annotation = (
        Annotation.objects.select_related("author", "version")
        .filter(pk=annotation_id, specification=spec)
        .first()
    )
    if annotation is None:
        raise Http404
    if moderation.withheld_from(request.user, annotation.author, annotation.visibility):
        return render(request, "specifications/withheld.html", {"spec": spec}, status=404)
    annotation.specification = spec
    section = spec.current_version.section(annotation.section_key)
    anchor = None
    if section is not None:
        plain = [texts.plain_text(p) for p in texts.paragraphs(section["body"])]
        anchor = texts.find_anchor(
            plain,
            annotation.quote,
            paragraph=annotation.paragraph,
            start=annotation.start,
            prefix=annotation.prefix,
            suffix=annotation.suffix,
        )
    return render(
        request,
        "specifications/annotation_detail.html",
        {
            "spec": spec,
            "annotation": annotation,
            "section": section,
            "anchor": anchor,
            "can_withdraw": annotation.state == "open" and request.user.pk == annotation.author_id,
        },
    )


@login_required
@require_POST
def annotation_withdraw(request, pk: int, annotation_id: int):
    spec = _spec(pk)
    annotation = get_object_or_404(Annotation, pk=annotation_id, specification=spec)
    try:
        services.annotation_withdraw(actor=request.user, annotation=annotation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Your comment is withdrawn.")
    return redirect("specifications:annotation", pk=pk, annotation_id=annotation_id)


def history(request, pk: int):
    spec = _spec(pk)
    page = Paginator(selectors.versions(spec), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "specifications/history.html",
        {
            "spec": spec,
            "page": page,
            "compare_form": CompareForm(
                initial={
                    "from_version": max(1, spec.version_count - 1),
                    "to_version": spec.version_count,
                }
            ),
        },
    )


def _version(spec: Specification, number: int) -> SpecVersion:
    version = selectors.version(spec, number)
    if version is None:
        raise Http404
    return version


def version_detail(request, pk: int, number: int):
    spec = _spec(pk)
    version = _version(spec, number)
    previous = selectors.version(spec, number - 1) if number > 1 else None
    return render(
        request,
        "specifications/version_detail.html",
        {
            "spec": spec,
            "version": version,
            "previous": previous,
            "changes": selectors.compare(previous, version) if previous else None,
            "sections": selectors.document(version),
            "can_revert": can(request.user, "specifications.write", spec)
            and number != spec.version_count
            and spec.status != Specification.Status.FROZEN,
        },
    )


def compare(request, pk: int):
    spec = _spec(pk)
    form = CompareForm(request.GET or None)
    changes = old = new = None
    if form.is_bound and form.is_valid():
        old = selectors.version(spec, form.cleaned_data["from_version"])
        new = selectors.version(spec, form.cleaned_data["to_version"])
        if old is None:
            form.add_error(
                "from_version", f"There is no version {form.cleaned_data['from_version']}"
            )
        if new is None:
            form.add_error("to_version", f"There is no version {form.cleaned_data['to_version']}")
        if old is not None and new is not None:
            changes = selectors.compare(old, new)
    return render(
        request,
        "specifications/compare.html",
        {"spec": spec, "form": form, "changes": changes, "old": old, "new": new},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def revert(request, pk: int, number: int):
    spec = _spec(pk)
    _writer(request, spec)
    try:
        version = services.specification_revert(
            actor=request.user, spec=spec, to_number=number, note=request.POST.get("note", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("specifications:version", pk=pk, number=number)
    messages.success(request, f"Version {number} is back, as version {version.number}.")
    return redirect("specifications:detail", pk=pk)


def provenance(request, pk: int):
    spec = _spec(pk)
    number = request.GET.get("version", "")
    version = (
        _version(spec, int(number))
        if number.isdigit() and len(number) < 10
        else spec.current_version
    )
    return render(
        request,
        "specifications/provenance.html",
        {"spec": spec, "version": version, "sections": selectors.provenance(spec, version)},
    )


@login_required
def freeze(request, pk: int):
    spec = _spec(pk)
    _writer(request, spec)
    if not spec.is_drafting:
        messages.error(request, "Only a specification being drafted can be frozen.")
        return redirect("specifications:detail", pk=pk)
    lessons = gate.matches(services.gate_text(spec))
    form = FreezeForm(_posted(request), lessons=lessons)
    if request.method == "POST" and form.is_valid():
        try:
            services.specification_freeze(
                actor=request.user, spec=spec, acknowledgements=form.acknowledgements()
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Version {spec.version_count} is frozen for publication.")
            return redirect("specifications:detail", pk=pk)
    report = selectors.lint_report(spec, spec.current_version)
    return render(
        request,
        "specifications/freeze.html",
        {
            "spec": spec,
            "form": form,
            "lessons": lessons,
            "findings": sum(len(r.findings) for r in report),
            "open_suggestions": spec.suggestions.filter(state=Suggestion.State.OPEN).count(),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def reopen(request, pk: int):
    spec = _spec(pk)
    _writer(request, spec)
    form = ReasonForm(request.POST, label="Why reopen it for drafting")
    if form.is_valid():
        try:
            services.specification_reopen(
                actor=request.user, spec=spec, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "The specification is open for drafting again.")
    else:
        messages.error(request, "Give a reason for reopening it.")
    return redirect("specifications:detail", pk=pk)
