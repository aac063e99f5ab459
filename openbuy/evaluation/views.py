"""Pages for the evaluation panel. Thin: forms in, services out, selectors for what is shown."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from openbuy.accounts.models import User
from openbuy.accounts.rules import can
from openbuy.evaluation import forms as f
from openbuy.evaluation import selectors, services
from openbuy.evaluation.models import Score
from openbuy.processes import selectors as process_selectors
from openbuy.processes.models import Criterion, Process, Submission
from openbuy.ui.forms import apply_errors, attempt


def _posted(request):
    return request.POST if request.method == "POST" else None


def _visible(request, pk: int) -> Process:
    try:
        return process_selectors.process_for(request.user, pk)
    except Process.DoesNotExist:
        raise Http404 from None


def _process(request, pk: int) -> Process:
    """A process whose evaluation the viewer may follow: the panel and the buyer's officers,
    and — once awarded — everyone."""
    process = _visible(request, pk)
    if not selectors.may_see_scores(request.user, process):
        raise PermissionDenied
    return process


def _submission(process: Process, ref: str) -> Submission:
    found = (
        Submission.objects.select_related("phase", "organisation", "lot")
        .filter(public_id=ref, phase__process=process, opened__isnull=False)
        .first()
    )
    if found is None:
        raise Http404
    return found


@login_required
def panel(request, pk: int):
    """An evaluator first declares on every supplier by name, then scores their responses
    under neutral labels; the buyer's officers see the panel and the blinding."""
    process = _process(request, pk)
    evaluator = selectors.evaluator_of(request.user, process)
    phase = process.phase
    bidders = selectors.bidders(evaluator, phase) if evaluator is not None else []
    undeclared = [b.organisation for b in bidders if not b.declared]
    form = f.DeclarationsForm(
        _posted(request) if evaluator is not None else None, organisations=undeclared
    )
    if undeclared and attempt(
        request,
        form,
        lambda _: services.declare_organisations(
            actor=request.user, process=process, answers=form.answers()
        ),
        "Declarations recorded.",
    ):
        return redirect("evaluation:panel", pk=process.pk)
    return render(
        request,
        "evaluation/panel.html",
        {
            "process": process,
            "phase": phase,
            "evaluator": evaluator,
            "bidders": bidders,
            "undeclared": undeclared,
            "rows": selectors.assignments(evaluator, phase) if evaluator is not None else [],
            "form": form,
            "runs": can(request.user, "evaluation.run", process),
            "members": selectors.panel(request.user, process),
            "criteria": list(process.criteria.select_related("unblinding")),
        },
    )


@login_required
def evaluators(request, pk: int):
    process = _process(request, pk)
    if not can(request.user, "evaluation.run", process):
        raise PermissionDenied
    form = f.EvaluatorForm(_posted(request))

    def add(data):
        user = User.objects.filter(email__iexact=data["email"], is_active=True).first()
        if user is None:
            raise ValidationError({"email": "There is no openbuy account with that email address"})
        return services.evaluator_add(
            actor=request.user, process=process, user=user, kind=data["kind"]
        )

    if attempt(request, form, add, "Added to the panel."):
        return redirect("evaluation:panel", pk=process.pk)
    return render(
        request,
        "processes/form.html",
        {
            "process": process,
            "form": form,
            "heading": "Add an evaluator",
            "intro": "Staff of your organisation, or an invited expert with an openbuy account. "
            "They declare any conflict of interest before seeing each submission.",
            "button": "Add to the panel",
        },
    )


@login_required
def unblind(request, pk: int, number: int):
    process = _process(request, pk)
    if not can(request.user, "evaluation.run", process):
        raise PermissionDenied
    criterion = get_object_or_404(process.criteria, number=number)
    form = f.UnblindForm(_posted(request))
    if attempt(
        request,
        form,
        lambda d: services.unblind(actor=request.user, criterion=criterion, reason=d["reason"]),
        f"Blinding is off for “{criterion.name}”. The reason is recorded.",
    ):
        return redirect("evaluation:panel", pk=process.pk)
    return render(
        request,
        "processes/form.html",
        {
            "process": process,
            "form": form,
            "heading": f"Turn blinding off for “{criterion.name}”",
            "intro": "Evaluators score quality and social value without knowing who the "
            "supplier is. Turn that off only when the criterion cannot be judged without it.",
            "button": "Turn blinding off",
            "danger": True,
        },
    )


@login_required
def evaluate(request, pk: int, ref: str):
    """One submission, blinded, with a score and justification per criterion."""
    process = _process(request, pk)
    submission = _submission(process, ref)
    answers = selectors.answers_for(request.user, submission)
    evaluator = selectors.evaluator_of(request.user, process)
    given = {
        s.criterion_id: s for s in Score.objects.filter(evaluator=evaluator, submission=submission)
    }
    scale = int(services.scale_max())
    target = request.POST.get("criterion", "") if request.method == "POST" else ""
    rows = []
    for answer in answers:
        criterion = answer.criterion
        mine = given.get(criterion.pk)
        initial = {"score": mine.score, "justification": mine.justification} if mine else None
        bound = str(criterion.number) == target
        form = f.ScoreForm(
            request.POST if bound else None,
            prefix=f"c{criterion.number}",
            scale=scale,
            criterion=criterion,
            initial=initial,
        )
        if bound and form.is_valid():
            try:
                services.score_set(
                    actor=request.user,
                    submission=submission,
                    criterion=criterion,
                    score=form.cleaned_data["score"],
                    justification=form.cleaned_data["justification"],
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, f"Score for “{criterion.name}” saved.")
                return redirect("evaluation:evaluate", pk=process.pk, ref=ref)
        rows.append((answer, form, mine))
    return render(
        request,
        "evaluation/evaluate.html",
        {
            "process": process,
            "submission": submission,
            "label": selectors.labels(submission.phase).get(submission.pk, ""),
            "attachments": selectors.attachments_for(request.user, submission),
            "rows": rows,
            "scale": scale,
        },
        status=400 if target and request.method == "POST" else 200,
    )


@login_required
def attachment(request, pk: int, ref: str, file_ref: str):
    """A cleared evaluator downloads a file attached to a submission they score."""
    from openbuy.processes import sealing
    from openbuy.processes import services as process_services
    from openbuy.processes.models import SubmissionFile

    process = _process(request, pk)
    submission = _submission(process, ref)
    found = {a.id: a for a in selectors.attachments_for(request.user, submission)}
    if file_ref not in found:
        raise Http404
    try:
        entry, data = process_services.file_content(submission, file_ref)
    except (LookupError, ValueError, SubmissionFile.DoesNotExist, sealing.SealError):
        raise Http404 from None
    extension = entry["name"].rsplit(".", 1)[-1][:10] if "." in entry["name"] else "bin"
    label = selectors.labels(submission.phase).get(submission.pk, "")
    response = HttpResponse(data, content_type=entry["type"])
    # A neutral file name: the original may name the supplier.
    response["Content-Disposition"] = (
        f'attachment; filename="response-{label}-{file_ref[:8]}.{_safe(extension)}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _safe(text: str) -> str:
    return "".join(c for c in text if c.isalnum()) or "bin"


def results(request, pk: int):
    """A phase's scores (``?phase=N``, the current one by default): for the panel while it
    works, for everyone once the phase's gate is decided or the process is awarded."""
    process = _visible(request, pk)
    number = request.GET.get("phase", "")
    phase = (
        process.phases.filter(number=int(number)).first()
        if number.isascii() and number.isdigit() and len(number) < 4
        else process.phase
    )
    if phase is None:
        raise Http404
    if not selectors.may_see_some_scores(request.user, process, phase):
        if not request.user.is_authenticated:  # perhaps a panel member not yet signed in
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied
    return render(
        request,
        "evaluation/results.html",
        {
            "process": process,
            "phase": phase,
            "results": selectors.results(request.user, phase),
            "names": selectors.sees_names(request.user, process, phase),
            "runs": can(request.user, "evaluation.run", process),
            "limit": services.disagreement_range(),
            "criteria": list(process.criteria.all()),
        },
    )


@login_required
def moderate(request, pk: int, ref: str, number: int):
    process = _process(request, pk)
    if not can(request.user, "evaluation.run", process):
        raise PermissionDenied
    submission = _submission(process, ref)
    criterion = get_object_or_404(
        process.criteria.exclude(kind=Criterion.Kind.PRICE), number=number
    )
    form = f.ModerationForm(_posted(request))
    if attempt(
        request,
        form,
        lambda d: services.moderate(
            actor=request.user,
            submission=submission,
            criterion=criterion,
            score=d["score"],
            reason=d["reason"],
        ),
        "Agreed score recorded.",
    ):
        return redirect("evaluation:results", pk=process.pk)
    scores = Score.objects.filter(submission=submission, criterion=criterion).select_related(
        "evaluator__user"
    )
    return render(
        request,
        "evaluation/moderate.html",
        {
            "process": process,
            "submission": submission,
            "criterion": criterion,
            "form": form,
            "scores": scores,
        },
    )


@login_required
def award(request, pk: int):
    process = _process(request, pk)
    if not can(request.user, "evaluation.run", process):
        raise PermissionDenied
    rows = selectors.results(request.user, process.phase)
    ranked = sorted(rows, key=lambda r: r.place.position if r.place and r.place.position else 10**6)
    form = f.AwardForm(_posted(request), choices=ranked)
    by_ref = {r.submission.public_id: r.submission for r in rows}
    if attempt(
        request,
        form,
        lambda d: services.award(
            actor=request.user,
            process=process,
            submission=by_ref[d["submission"]],
            rationale=d["rationale"],
            below_top_reason=d["below_top_reason"],
        ),
        "Awarded. The notice, the scores and every debrief are public.",
    ):
        return redirect("evaluation:award_notice", pk=process.pk)
    return render(
        request,
        "evaluation/award.html",
        {
            "process": process,
            "form": form,
            "ranked": ranked,
            "standstill": settings.STANDSTILL_DAYS,
        },
    )


def award_notice(request, pk: int):
    process = _visible(request, pk)
    # Awards are public from the moment each is made (lot by lot, in a tender with lots).
    awards = selectors.awards_of(process)
    prizes = selectors.prizes_of(process) if selectors.scores_public(process) else []
    if not awards and not prizes:
        raise Http404
    return render(
        request,
        "evaluation/award_notice.html",
        {
            "process": process,
            "awards": awards,
            "prizes": prizes,
            "bidders": selectors.debriefs_of(process),
        },
    )


def debrief(request, pk: int, ref: str):
    process = _visible(request, pk)
    submission = _submission(process, ref)
    if not selectors.scores_public(process, submission.phase, submission):
        raise Http404
    mine, winner, awards = selectors.debrief(submission)
    return render(
        request,
        "evaluation/debrief.html",
        {"process": process, "mine": mine, "winner": winner, "awards": awards},
    )


@login_required
def gate(request, pk: int):
    """The buyer decides, per supplier, continue or stop, against the phase's criteria."""
    process = _process(request, pk)
    if not can(request.user, "evaluation.run", process):
        raise PermissionDenied
    phase = process.phase
    rows = selectors.results(request.user, phase)
    form = f.GateForm(_posted(request), rows=rows)
    if attempt(
        request,
        form,
        lambda _: services.gate_decide(
            actor=request.user,
            process=process,
            decisions=form.decisions(),
            lesson=form.stops_entry(),
        ),
        "The stage gate is decided and published.",
    ):
        return redirect("evaluation:gate_outcome", pk=process.pk, number=phase.number)
    return render(
        request, "evaluation/gate.html", {"process": process, "phase": phase, "form": form}
    )


def gate_outcome(request, pk: int, number: int):
    process = _visible(request, pk)
    phase = get_object_or_404(process.phases, number=number)
    decisions = selectors.gate_of(phase)
    if not decisions:
        raise Http404
    return render(
        request,
        "evaluation/gate_outcome.html",
        {"process": process, "phase": phase, "decisions": decisions},
    )


@login_required
def rate(request, pk: int):
    """A bidder rates how the buyer ran the process, after the award."""
    from openbuy.processes import selectors as process_selectors_

    process = _visible(request, pk)
    bidders = {
        s.organisation_id: s.organisation
        for s in Submission.objects.filter(
            phase__process=process, opened__isnull=False
        ).select_related("organisation")
    }
    mine = [o for o in process_selectors_.supplier_organisations(request.user) if o.pk in bidders]
    if not mine or not selectors.scores_public(process):
        raise PermissionDenied
    form = f.RatingForm(_posted(request))
    if attempt(
        request,
        form,
        lambda d: services.rate(
            actor=request.user,
            process=process,
            organisation=mine[0],
            marks=d,
            comment=d["comment"],
        ),
        "Thank you: your rating is published with the buyer's.",
    ):
        return redirect("evaluation:award_notice", pk=process.pk)
    return render(
        request,
        "processes/form.html",
        {
            "form": form,
            "process": process,
            "heading": f"Rate how {process.organisation} ran this",
            "intro": f"For {mine[0].name}. Averages are public on the buyer's page, so other "
            "suppliers know what to expect.",
            "button": "Send the rating",
        },
    )


@login_required
def prizes(request, pk: int):
    """The buyer gives a challenge's prizes, entries ranked by their scores."""
    process = _process(request, pk)
    if not can(request.user, "evaluation.run", process):
        raise PermissionDenied
    rows = selectors.results(request.user, process.phase)
    rows.sort(key=lambda r: (r.place.position or 10**6) if r.place else 10**6)
    form = f.PrizesForm(_posted(request), rows=rows)
    if request.method == "POST" and form.is_valid():
        chosen = form.prizes({r.submission.public_id: r.submission for r in rows})
        try:
            services.prizes_award(actor=request.user, process=process, prizes=chosen)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    parts = field.split(".")
                    name = field
                    if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(chosen):
                        name = f"{parts[2]}_{chosen[int(parts[1])]['ref']}"
                        name = name.replace("submission_", "amount_")
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(
                request, "Prizes given. The winners, the scores and every debrief are public."
            )
            return redirect("evaluation:award_notice", pk=process.pk)
    return render(
        request,
        "processes/form.html",
        {
            "form": form,
            "process": process,
            "heading": "Give the prizes",
            "intro": f"The prize pool is {process.currency} {process.value_amount or 0:,.2f}. "
            "Entries are listed by their scores; places follow this order. Every entry needs "
            "agreed scores first.",
            "button": "Give the prizes",
        },
    )
