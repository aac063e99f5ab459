"""Pages for procurement processes. Thin: forms in, services out, selectors for what is shown.

No page reads a submission except through :mod:`openbuy.processes.selectors`, which keeps it
sealed to everyone but its own organisation until it is opened.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from openbuy import clock
from openbuy.accounts.rules import can
from openbuy.lessons import gate
from openbuy.processes import forms as f
from openbuy.processes import kinds, sealing, selectors, services
from openbuy.processes.lifecycle import Event, Status, allowed
from openbuy.processes.models import Invitation, Process, Question, Submission, SubmissionFile
from openbuy.specifications.models import Specification
from openbuy.ui.forms import apply_errors, attempt

PAGE_SIZE = 20


def _posted(request):
    return request.POST if request.method == "POST" else None


def _process(request, pk: int) -> Process:
    try:
        return selectors.process_for(request.user, pk)
    except Process.DoesNotExist:
        raise Http404 from None


def _runner(request, process: Process) -> None:
    if not can(request.user, "processes.run", process):
        raise PermissionDenied


def _back(process: Process, anchor: str = ""):
    return redirect(reverse("processes:detail", args=[process.pk]) + anchor)


def _form_page(request, form, **context):
    """The one-form page most buyer actions use (processes/form.html)."""
    return render(request, "processes/form.html", {"form": form, **context})


def process_list(request):
    services.settle_due()
    form = f.FilterForm(request.GET or None)
    processes = selectors.process_list(request.user, form.filters())
    page = Paginator(processes, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    feed = {k: request.GET[k] for k in ("kind", "buyer", "area") if request.GET.get(k)}
    return render(
        request,
        "processes/process_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "feed_query": urlencode(feed),
        },
    )


def detail(request, pk: int):
    process = _process(request, pk)
    deadline = process.current_phase.deadline if process.current_phase else None
    # The unanswered-questions rule may have moved the deadline: apply it before showing.
    due = process.state == Process.State.LIVE and deadline and deadline <= clock.now()
    if due and services.settle_due():
        process = _process(request, pk)
    status = selectors.status(process)
    runs = can(request.user, "processes.run", process)
    organisations = selectors.supplier_organisations(request.user)
    own = list(selectors.own_submissions(request.user, process)) if organisations else []
    phases = list(process.phases.all())
    return render(
        request,
        "processes/process_detail.html",
        {
            "process": process,
            "status": status,
            "Status": Status,
            "rules": kinds.rules_for(process.kind),
            "phases": phases,
            "lots": list(process.lots.all()),
            "criteria": list(process.criteria.all()),
            "timeline": selectors.timeline(process),
            "answered": selectors.answered_questions(process),
            "waiting_count": process.questions.filter(state=Question.State.OPEN).count(),
            "opened": [(phase, selectors.opened(phase)) for phase in phases if phase.opened_at],
            "invitations": list(selectors.invitations_of(process)),
            "runs": runs,
            "can_ask": status == Status.QUESTIONS and can(request.user, "processes.ask"),
            "can_submit": allowed(status, Event.SUBMIT)
            and any(selectors.may_enter(request.user, process, o) for o in organisations),
            "own": own,
            "can_open": runs and status == Status.CLOSED,
            "can_extend": runs and allowed(status, Event.EXTEND),
            "can_invite": runs
            and status == Status.EVALUATION
            and process.phases.filter(number=process.current_phase.number + 1).exists(),
            "can_cancel": runs and allowed(status, Event.CANCEL),
            "can_close": runs and allowed(status, Event.UNSUCCESSFUL),
        },
    )


@login_required
def create(request, spec_pk: int):
    spec = get_object_or_404(Specification, pk=spec_pk)
    if not can(request.user, "specifications.write", spec):
        raise PermissionDenied
    form = f.CreateForm(_posted(request), initial={"title": spec.title})
    process = attempt(
        request,
        form,
        lambda data: services.process_create(
            actor=request.user, specification=spec, kind=data["kind"], title=data["title"]
        ),
        "Draft process made. Plan its phases and criteria next.",
    )
    if process:
        return _back(process)
    return _form_page(
        request,
        form,
        spec=spec,
        heading="Run a process for this specification",
        intro="The process publishes the frozen specification with its criteria and timeline. "
        "It starts as a draft only your organisation can see.",
        button="Make a draft",
    )


@login_required
def edit(request, pk: int):
    process = _process(request, pk)
    _runner(request, process)
    initial = {
        "title": process.title,
        "summary": process.summary,
        "area": process.area_id,
        "value_amount": process.value_amount if process.value_amount is not None else "",
        "currency": process.currency,
        "how_to_enter": process.how_to_enter,
        "amendment_days": process.amendment_days,
        "question_days": process.question_days,
    }
    form = f.DetailsForm(_posted(request), process=process, initial=initial)
    if attempt(
        request,
        form,
        lambda data: services.process_update(
            actor=request.user,
            process=process,
            title=data["title"],
            summary=data["summary"],
            area=data["area"],
            value_amount=data["value_amount"],
            currency=data["currency"],
            how_to_enter=data.get("how_to_enter", ""),
            amendment_days=data["amendment_days"],
            question_days=data["question_days"],
        ),
        "Saved.",
    ):
        return _back(process)
    return _form_page(request, form, process=process, heading="Edit the notice", button="Save")


@login_required
def phase(request, pk: int, number: int):
    process = _process(request, pk)
    _runner(request, process)
    phase = get_object_or_404(process.phases, number=number)
    initial = {
        field: getattr(phase, field)
        for field in (
            "title",
            "description",
            "budget_amount",
            "take_forward",
            "success_criteria",
            "kill_criteria",
            "enquiry_end",
            "deadline",
            "evaluation_date",
            "decision_date",
        )
    }
    form = f.PhaseForm(_posted(request), initial=initial)
    if attempt(
        request,
        form,
        lambda data: services.phase_update(
            actor=request.user, process=process, number=number, **data
        ),
        f"Phase {number} saved.",
    ):
        return _back(process, "#phases")
    return _form_page(
        request,
        form,
        process=process,
        heading=f"Plan phase {number}: {phase.title}",
        intro="Times are UK time. Suppliers ask questions until the enquiry period closes, and "
        "submit until the deadline.",
        button="Save the phase",
    )


@login_required
def criteria(request, pk: int):
    process = _process(request, pk)
    _runner(request, process)
    form = f.CriteriaForm(
        _posted(request),
        published=not process.is_draft,
        initial=f.CriteriaForm.initial_for(process),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.criteria_set(
                actor=request.user,
                process=process,
                criteria=form.criteria(),
                note=form.cleaned_data.get("note", ""),
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                # "criteria.2.weight" names row 2's weight box.
                for field, errors in error.error_dict.items():
                    parts = field.split(".")
                    name = field
                    if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(form.row_of):
                        name = f"{parts[2]}_{form.row_of[int(parts[1])]}"
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, "Criteria saved.")
            return _back(process, "#criteria")
    return render(request, "processes/criteria_form.html", {"form": form, "process": process})


@login_required
def lots(request, pk: int):
    process = _process(request, pk)
    _runner(request, process)
    if not kinds.rules_for(process.kind).lots:
        raise Http404
    initial = {}
    for i, lot in enumerate(process.lots.all()):
        initial |= {f"title_{i}": lot.title, f"value_{i}": lot.value_amount or ""}
    form = f.LotsForm(_posted(request), initial=initial)
    if attempt(
        request,
        form,
        lambda data: services.lots_set(actor=request.user, process=process, lots=form.lots()),
        "Lots saved.",
    ):
        return _back(process, "#lots")
    return _form_page(
        request,
        form,
        process=process,
        heading="Lots",
        intro="Split the tender into lots so smaller suppliers can bid for part of it. Leave "
        "every row empty for one lot.",
        button="Save the lots",
    )


@login_required
def publish(request, pk: int):
    process = _process(request, pk)
    _runner(request, process)
    lessons = gate.matches(services.gate_text(process))
    form = f.PublishForm(_posted(request), lessons=lessons)
    if attempt(
        request,
        form,
        lambda data: services.process_publish(
            actor=request.user, process=process, acknowledgements=form.acknowledgements()
        ),
        "Published. Suppliers can ask questions now.",
    ):
        return _back(process)
    return render(
        request,
        "processes/publish.html",
        {"form": form, "process": process, "lessons": lessons, "spec": process.specification},
    )


def questions(request, pk: int):
    process = _process(request, pk)
    status = selectors.status(process)
    form = f.QuestionForm(_posted(request))
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        if form.is_valid():
            try:
                services.question_ask(
                    actor=request.user, process=process, text=form.cleaned_data["question"]
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(
                    request, "Question sent. Nobody will see who asked; the answer is public."
                )
                return redirect("processes:questions", pk=process.pk)
    runs = can(request.user, "processes.run", process)
    waiting = selectors.waiting_questions(request.user, process) if runs else []
    return render(
        request,
        "processes/questions.html",
        {
            "process": process,
            "status": status,
            "form": form,
            "answered": selectors.answered_questions(process),
            "own": selectors.own_questions(request.user, process),
            "waiting": [(q, f.AnswerForm(prefix=f"q{q.pk}", asked=q.asked_at)) for q in waiting],
            "runs": runs,
            "can_ask": status == Status.QUESTIONS and can(request.user, "processes.ask"),
        },
    )


@login_required
@require_POST
def answer(request, pk: int, question_pk: int):
    process = _process(request, pk)
    _runner(request, process)
    question = get_object_or_404(Question, pk=question_pk, process=process)
    form = f.AnswerForm(request.POST, prefix=f"q{question.pk}", asked=question.asked_at)
    if form.is_valid():
        try:
            services.question_answer(
                actor=request.user, question=question, answer=form.cleaned_data["answer"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Answer published to everyone.")
            return redirect("processes:questions", pk=process.pk)
    return render(
        request,
        "processes/form.html",
        {
            "process": process,
            "form": form,
            "heading": "Answer the question",
            "quote": question.text,
            "button": "Publish the answer",
        },
        status=400,
    )


@login_required
@require_POST
def withdraw_question(request, pk: int, question_pk: int):
    process = _process(request, pk)
    question = get_object_or_404(Question, pk=question_pk, process=process, asker=request.user)
    try:
        services.question_withdraw(actor=request.user, question=question)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Question withdrawn.")
    return redirect("processes:questions", pk=process.pk)


@login_required
def extend(request, pk: int):
    process = _process(request, pk)
    _runner(request, process)
    form = f.ExtendForm(_posted(request))
    if attempt(
        request,
        form,
        lambda data: services.deadline_extend(
            actor=request.user, process=process, deadline=data["deadline"], reason=data["reason"]
        ),
        "Deadline extended. Everyone following was told.",
    ):
        return _back(process)
    deadline = process.phase.deadline
    return _form_page(
        request,
        form,
        process=process,
        heading="Extend the deadline",
        intro=(f"The deadline is now {services.local(deadline)}. " if deadline else "")
        + "A deadline only moves later; everyone following and bidding is told.",
        button="Extend the deadline",
    )


@login_required
def open_phase(request, pk: int):
    process = _process(request, pk)
    _runner(request, process)
    error = None
    if request.method == "POST":
        try:
            services.phase_open(actor=request.user, process=process)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, "Submissions opened. Their receipts are public now.")
            return redirect("processes:submissions", pk=process.pk)
    return render(
        request,
        "processes/open.html",
        {"process": process, "error": error, "status": selectors.status(process)},
        status=400 if error else 200,
    )


DECISIONS = {
    "cancel": ("Cancel this process", services.process_cancel),
    "unsuccessful": ("Close without an award", services.process_unsuccessful),
}


@login_required
def decide(request, pk: int, decision: str):
    if decision not in DECISIONS:
        raise Http404
    process = _process(request, pk)
    _runner(request, process)
    heading, service = DECISIONS[decision]
    form = f.EndForm(_posted(request))
    if attempt(
        request,
        form,
        lambda data: service(
            actor=request.user, process=process, reason=data["reason"], lesson=form.entry()
        ),
        "Decision recorded and published.",
    ):
        return _back(process)
    return _form_page(
        request,
        form,
        process=process,
        heading=heading,
        intro="The decision and its reason are published and everyone following or bidding is "
        "told. Record what it teaches, too: a lesson, or why there is none.",
        button=heading,
        danger=True,
    )


@login_required
def submission(request, pk: int):
    """The supplier's own submission: draft, submit, revise, withdraw. Sealed from everyone
    else until the deadline and opening."""
    process = _process(request, pk)
    organisations = [
        o
        for o in selectors.supplier_organisations(request.user)
        if selectors.may_enter(request.user, process, o)
    ]
    own = list(selectors.own_submissions(request.user, process))
    if not organisations and not own:
        raise PermissionDenied
    lots = list(process.lots.all())
    wanted_org = request.POST.get("organisation") or request.GET.get("organisation") or ""
    wanted_lot = request.POST.get("lot") or request.GET.get("lot") or ""
    organisation = next((o for o in organisations if o.slug == wanted_org), None)
    organisation = organisation or (organisations[0] if organisations else None)
    lot = next((x for x in lots if str(x.number) == wanted_lot), lots[0] if lots else None)
    current = next(
        (
            s
            for s in own
            if s.phase_id == process.current_phase_id
            and organisation is not None
            and s.organisation_id == organisation.pk
            and s.lot_id == (lot.pk if lot else None)
        ),
        None,
    )
    content = selectors.content(request.user, current) if current else None
    initial = {"organisation": organisation.slug if organisation else "", "lot": wanted_lot}
    if content:
        initial["price"] = content.get("price") or ""
        initial |= {f"answer_{n}": text for n, text in content["answers"].items()}
    form = f.SubmissionForm(
        _posted(request),
        request.FILES if request.method == "POST" else None,
        process=process,
        organisations=organisations,
        lots=lots,
        kept_files=content["files"] if content else (),
        initial=initial,
    )
    status = selectors.status(process)
    if request.method == "POST" and organisation is not None:
        action = request.POST.get("action", "save")
        if action == "withdraw" and current is not None:
            try:
                services.submission_withdraw(actor=request.user, submission=current)
            except ValidationError as error:
                form.is_valid()
                apply_errors(form, error)
            else:
                messages.success(request, "Withdrawn. You can submit again before the deadline.")
                return redirect(request.path + _where(organisation, lot))
        elif form.is_valid():
            try:
                made = services.submission_save(
                    actor=request.user,
                    process=process,
                    organisation=organisation,
                    lot=lot,
                    answers=form.answers(),
                    price=form.cleaned_data.get("price"),
                    add_files=form.cleaned_data.get("files") or [],
                    remove_files=form.cleaned_data.get("remove_files") or [],
                    submit=action == "submit",
                )
            except ValidationError as error:
                _answer_errors(form, error)
            else:
                if action == "submit":
                    messages.success(
                        request,
                        f"Submitted and sealed. Your receipt is {made.receipt}. We have emailed "
                        "it to you too.",
                    )
                else:
                    messages.success(request, "Draft saved, sealed. Nobody else can read it.")
                return redirect(request.path + _where(organisation, lot))
    receipts = list(current.receipts.all()) if current else []
    return render(
        request,
        "processes/submission_form.html",
        {
            "process": process,
            "form": form,
            "submission": current,
            "content": content,
            "receipts": receipts,
            "status": status,
            "open": allowed(status, Event.SUBMIT),
            "organisation": organisation,
            "lot": lot,
        },
    )


def _where(organisation, lot) -> str:
    query = f"?organisation={organisation.slug}"
    return query + (f"&lot={lot.number}" if lot else "")


def _answer_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            name = field.replace("answers.", "answer_")
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def submissions(request, pk: int):
    """After opening: who submitted, when, and the receipts. Before: nothing at all."""
    process = _process(request, pk)
    runs = can(request.user, "processes.run", process)
    phases = [(phase, selectors.opened(phase)) for phase in process.phases.all() if phase.opened_at]
    return render(
        request,
        "processes/submissions.html",
        {"process": process, "phases": phases, "runs": runs, "has_lots": process.lots.exists()},
    )


def _readable(request, process: Process, ref: str) -> Submission:
    found = (
        Submission.objects.select_related("phase", "organisation", "lot")
        .filter(public_id=ref, phase__process=process)
        .first()
    )
    # Not found and not allowed look the same, so nobody learns that a sealed one exists.
    if found is None or not selectors.may_read(request.user, found):
        raise Http404
    return found


@login_required
def submission_detail(request, pk: int, ref: str):
    process = _process(request, pk)
    found = _readable(request, process, ref)
    content = selectors.content(request.user, found)
    answers = [
        (c, content["answers"].get(str(c.number), ""))
        for c in process.criteria.exclude(kind="price")
    ]
    return render(
        request,
        "processes/submission_detail.html",
        {"process": process, "submission": found, "content": content, "answers": answers},
    )


@login_required
def submission_file(request, pk: int, ref: str, file_ref: str):
    process = _process(request, pk)
    found = _readable(request, process, ref)
    try:
        entry, data = services.file_content(found, file_ref)
    except (LookupError, ValueError, SubmissionFile.DoesNotExist, sealing.SealError):
        raise Http404 from None
    response = HttpResponse(data, content_type=entry["type"])
    response["Content-Disposition"] = f'attachment; filename="{_safe_name(entry["name"])}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _safe_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "._- " else "_" for c in name)[:100] or "file"


def receipt(request):
    form = f.ReceiptForm(request.GET or None)
    found, checked = None, False
    if form.is_bound and form.is_valid():
        checked = True
        found = selectors.check_receipt(form.cleaned_data["sha256"])
    return render(
        request, "processes/receipt.html", {"form": form, "found": found, "checked": checked}
    )


@login_required
def mine(request):
    rows = list(selectors.own_submissions(request.user))
    return render(request, "processes/mine.html", {"submissions": rows})


@login_required
def invitations(request):
    return render(
        request,
        "processes/invitations.html",
        {"invitations": list(selectors.invitations_for(request.user))},
    )


@login_required
@require_POST
def invitation_respond(request, pk: int):
    invitation = get_object_or_404(
        selectors.invitations_for(request.user), pk=pk, state=Invitation.State.PENDING
    )
    try:
        services.invitation_respond(
            actor=request.user,
            invitation=invitation,
            accept=request.POST.get("answer") == "accept",
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Thank you: your answer is recorded.")
    return redirect("processes:invitations")


@login_required
def invite(request, pk: int):
    process = _process(request, pk)
    _runner(request, process)
    bidders = [row.organisation for row in selectors.opened(process.current_phase)]
    form = f.InviteForm(_posted(request), bidders=bidders)
    if attempt(
        request,
        form,
        lambda data: services.invite(
            actor=request.user,
            process=process,
            organisations=[o for o in bidders if o.slug in data["organisations"]],
        ),
        "Invitations sent.",
    ):
        return _back(process, "#phases")
    return render(
        request,
        "processes/invite.html",
        {"form": form, "process": process, "invitations": list(selectors.invitations_of(process))},
    )


@login_required
def invitation_revoke(request, pk: int, invitation_pk: int):
    process = _process(request, pk)
    _runner(request, process)
    invitation = get_object_or_404(
        Invitation.objects.select_related("organisation", "phase"),
        pk=invitation_pk,
        phase__process=process,
    )
    form = f.ReasonForm(_posted(request))
    if attempt(
        request,
        form,
        lambda data: services.invitation_revoke(
            actor=request.user, invitation=invitation, reason=data["reason"]
        ),
        "Invitation revoked. The supplier has been told.",
    ):
        return redirect("processes:invite", pk=process.pk)
    return _form_page(
        request,
        form,
        process=process,
        heading=f"Revoke the invitation of {invitation.organisation}",
        intro=f"{invitation.organisation} was invited to phase {invitation.phase.number}. The "
        "revocation and its reason are public.",
        button="Revoke the invitation",
        danger=True,
    )


@login_required
@require_POST
def next_phase(request, pk: int):
    process = _process(request, pk)
    _runner(request, process)
    try:
        services.phase_start_next(actor=request.user, process=process)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The next phase has started.")
    return _back(process)
