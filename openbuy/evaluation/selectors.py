"""Every read of evaluation, with who may see what.

An evaluator reads a submission only after declaring no conflict with it, and then blinded:
the supplier's name and other identifying strings replaced, criterion by criterion, unless the
buyer turned blinding off for that criterion. Scores are the panel's alone until the award is
published (the award, in a later part of this work, opens them).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.safestring import SafeString

from openbuy.accounts.models import Membership, Organisation
from openbuy.accounts.rules import can
from openbuy.evaluation import blinding, parroting, scoring, services
from openbuy.evaluation.models import (
    Award,
    Declaration,
    Evaluator,
    GateDecision,
    Moderation,
    Score,
    Unblinding,
)
from openbuy.processes.models import Criterion, Phase, Process, Submission
from openbuy.specifications import texts


def evaluator_of(user, process: Process) -> Evaluator | None:
    if not user.is_authenticated:
        return None
    return Evaluator.objects.filter(process=process, user=user).first()


def scores_public(
    process: Process, phase: Phase | None = None, submission: Submission | None = None
) -> bool:
    """Scores, reasons and the ranking are published with the award — a phase's with its stage
    gate decision, and, in a tender with lots, a lot's with that lot's award (pass the
    submission to ask about its lot)."""
    if process.state == Process.State.AWARDED:
        return True
    if phase is not None and GateDecision.objects.filter(phase=phase).exists():
        return True
    return (
        submission is not None
        and submission.lot_id is not None
        and Award.objects.filter(process=process, lot_id=submission.lot_id).exists()
    )


def awarded_lots(process: Process) -> set[int]:
    """The lots whose award is made while others are still being evaluated: their scores are
    public already."""
    if process.state == Process.State.AWARDED:
        return set()
    return set(
        Award.objects.filter(process=process, lot__isnull=False).values_list("lot_id", flat=True)
    )


def may_see_scores(viewer, process: Process, phase: Phase | None = None) -> bool:
    """``viewer`` None means the public."""
    if scores_public(process, phase):
        return True
    return viewer is not None and can(viewer, "evaluation.see_scores", process)


def may_see_some_scores(viewer, process: Process, phase: Phase | None = None) -> bool:
    """All of a phase's scores, or at least those of the lots already awarded."""
    return may_see_scores(viewer, process, phase) or bool(awarded_lots(process))


def panel(viewer, process: Process) -> list[Evaluator]:
    if not may_see_scores(viewer, process):
        raise PermissionDenied("Only the panel and the buyer's officers see the panel's work.")
    return list(
        Evaluator.objects.filter(process=process).select_related("user").order_by("added_at", "id")
    )


def label(number: int) -> str:
    """A neutral label for the ``number``-th response (0-based): A … Z, then AA, AB …"""
    text = ""
    number += 1
    while number:
        number, rest = divmod(number - 1, 26)
        text = chr(ord("A") + rest) + text
    return text


def labels(phase: Phase) -> dict[int, str]:
    """Neutral labels for a phase's opened submissions, the same for everyone on the panel.
    The order is that of the submissions' random public references (lot by lot), so it says
    nothing about who the suppliers are or when they submitted."""
    order = (
        Submission.objects.filter(phase=phase, opened__isnull=False)
        .order_by("lot__number", "public_id")
        .values_list("pk", flat=True)
    )
    return {pk: label(i) for i, pk in enumerate(order)}


@dataclass(frozen=True)
class Bidder:
    """A supplier that submitted to the phase, with the evaluator's declaration about it."""

    organisation: Organisation
    declarations: list[Declaration]

    @property
    def declared(self) -> bool:
        return bool(self.declarations)

    @property
    def has_conflict(self) -> bool:
        return any(d.has_conflict for d in self.declarations)

    @property
    def details(self) -> str:
        return next((d.details for d in self.declarations if d.has_conflict), "")

    @property
    def declared_at(self):
        return min((d.declared_at for d in self.declarations), default=None)


def bidders(evaluator: Evaluator, phase: Phase) -> list[Bidder]:
    """The suppliers an evaluator declares on, by name, before seeing any response: a conflict
    with one takes the evaluator off all of its submissions in the phase."""
    submissions = list(
        Submission.objects.filter(phase=phase, opened__isnull=False).select_related("organisation")
    )
    declared: dict[int, list[Declaration]] = {}
    for d in Declaration.objects.filter(evaluator=evaluator, submission__phase=phase):
        declared.setdefault(d.submission_id, []).append(d)
    by_organisation: dict[int, Bidder] = {}
    for s in submissions:
        bidder = by_organisation.setdefault(s.organisation_id, Bidder(s.organisation, []))
        bidder.declarations.extend(declared.get(s.pk, []))
    return sorted(by_organisation.values(), key=lambda b: (b.organisation.name, b.organisation.pk))


@dataclass(frozen=True)
class Assignment:
    submission: Submission
    label: str
    scored: int  # criteria the evaluator has scored
    criteria: int  # criteria to score


def assignments(evaluator: Evaluator, phase: Phase) -> list[Assignment]:
    """The responses an evaluator scores, under neutral labels: those of the suppliers they
    declared no conflict with — and none at all until they have declared on every supplier, so
    the order in which they appear cannot tell who is who."""
    found = bidders(evaluator, phase)
    if not found or not all(b.declared for b in found):
        return []
    cleared = {d.submission_id for b in found for d in b.declarations if not d.has_conflict}
    named = labels(phase)
    criteria = (
        Criterion.objects.filter(process_id=phase.process_id)
        .exclude(kind=Criterion.Kind.PRICE)
        .count()
    )
    counts: dict[int, int] = {}
    for submission_id in Score.objects.filter(
        evaluator=evaluator, submission_id__in=cleared
    ).values_list("submission_id", flat=True):
        counts[submission_id] = counts.get(submission_id, 0) + 1
    submissions = Submission.objects.filter(pk__in=cleared).select_related("lot")
    return sorted(
        (Assignment(s, named[s.pk], counts.get(s.pk, 0), criteria) for s in submissions),
        key=lambda a: (len(a.label), a.label),
    )


def sees_names(viewer, process: Process, phase: Phase) -> bool:
    """Whether the viewer of a phase's scores sees the suppliers' names: everyone once the
    scores are public and the buyer's officers who run the panel; an evaluator before that
    sees neutral labels only (``viewer`` None means the public)."""
    if scores_public(process, phase) or viewer is None:
        return True
    # Outsiders only ever see what is public (awarded lots), with names.
    return can(viewer, "evaluation.run", process) or not can(
        viewer, "evaluation.see_scores", process
    )


def identifying(submission: Submission) -> list[str]:
    organisation = submission.organisation
    people = list(
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .values_list("user__name", flat=True)
    )
    return blinding.identifying_strings(
        name=organisation.name,
        slug=organisation.slug,
        website=organisation.website,
        people=[p for p in people if p],
    )


@dataclass(frozen=True)
class Answer:
    criterion: Criterion
    html: SafeString  # escaped, blinded where it must be, echoes of the specification marked
    blinded: bool
    echo: parroting.Echo
    echo_summary: str


def spec_text(process: Process) -> str:
    version = process.spec_version
    if version is None:
        return ""
    return "\n\n".join(texts.plain_text(s["body"]) for s in version.sections)


def _cleared(viewer, submission: Submission) -> Evaluator:
    """The viewer as an evaluator cleared to read the submission: on the panel, having declared
    no conflict with it. Else PermissionDenied."""
    process = submission.phase.process
    evaluator = evaluator_of(viewer, process)
    if evaluator is None:
        raise PermissionDenied("Only the process's evaluators read submissions to score them.")
    declared = Declaration.objects.filter(evaluator=evaluator, submission=submission).first()
    if declared is None or declared.has_conflict:
        raise PermissionDenied("Declare no conflict of interest with this submission first.")
    if submission.opened is None:
        raise PermissionDenied("This submission has not been opened.")
    return evaluator


@dataclass(frozen=True)
class Attachment:
    id: str
    name: str  # blinded
    type: str
    size: int


def attachments_for(viewer, submission: Submission) -> list[Attachment]:
    """The files attached to a submission, for a cleared evaluator: their names blinded. The
    files themselves are not: their content may name the supplier, and the page says so."""
    _cleared(viewer, submission)
    strings = identifying(submission)
    return [
        Attachment(f["id"], blinding.blind(f["name"], strings), f["type"], f["size"])
        for f in (submission.opened or {}).get("files", [])
    ]


def answers_for(viewer, submission: Submission) -> list[Answer]:
    """What an evaluator reads: each non-price answer, blinded unless blinding is off for its
    criterion, with how much of it echoes the specification. Only after declaring no conflict."""
    process = submission.phase.process
    _cleared(viewer, submission)
    strings = identifying(submission)
    unblinded = set(
        Unblinding.objects.filter(criterion__process=process).values_list("criterion_id", flat=True)
    )
    specification = spec_text(process)
    made = []
    for criterion in process.criteria.exclude(kind=Criterion.Kind.PRICE):
        text = (submission.opened or {}).get("answers", {}).get(str(criterion.number), "")
        blind = criterion.pk not in unblinded
        shown = blinding.blind(text, strings) if blind else text
        echo = parroting.echo(shown, specification)
        made.append(
            Answer(
                criterion,
                parroting.highlight_html(shown, echo),
                blind,
                echo,
                parroting.describe(echo),
            )
        )
    return made


@dataclass(frozen=True)
class CriterionResult:
    criterion: Criterion
    scores: list[Score]
    spread: Decimal
    disagrees: bool
    moderation: Moderation | None
    agreed: Decimal | None


@dataclass(frozen=True)
class SubmissionResult:
    submission: Submission
    criteria: list[CriterionResult]
    price_score: Decimal | None
    total: scoring.Total
    place: scoring.Place | None
    label: str = ""  # the neutral label evaluators know the submission by


def results(viewer, phase: Phase) -> list[SubmissionResult]:
    """The panel's scores for a phase: per submission and criterion, every evaluator's score, the
    spread, whether it is a disagreement still to moderate, the agreed score; the price score by
    formula; the weighted total (missing while anything is unagreed); the ranking."""
    process = phase.process
    whole = may_see_scores(viewer, process, phase)
    lots = awarded_lots(process) if not scores_public(process, phase) else set()
    if not whole and not lots:
        raise PermissionDenied("Scores stay with the panel until the award is published.")
    criteria = list(process.criteria.all())
    submissions = list(
        Submission.objects.filter(phase=phase, opened__isnull=False)
        .select_related("organisation", "lot")
        .order_by("organisation__name", "id")
    )
    if not whole:
        # Outside the panel, only the lots already awarded.
        submissions = [s for s in submissions if s.lot_id in lots]
    scores = Score.objects.filter(submission__in=submissions)
    moderated = Moderation.objects.filter(submission__in=submissions)
    if whole and _scores_alone(viewer, process, phase):
        # Evaluators score independently: until the scores are public, one who does not run
        # the panel sees only their own scores, so nobody anchors on another's (except in the
        # lots already awarded, whose scores everyone may read).
        scores = scores.filter(Q(evaluator__user=viewer) | Q(submission__lot__in=lots))
        moderated = moderated.filter(submission__lot__in=lots)
    all_scores = list(
        scores.select_related("evaluator__user").order_by("evaluator__added_at", "id")
    )
    moderations = {(m.submission_id, m.criterion_id): m for m in moderated}
    top = services.scale_max()
    limit = services.disagreement_range()
    # Price is scored, and submissions ranked, within each lot: bids for different lots do not
    # compete with each other.
    by_lot: dict[int | None, dict[str, Decimal]] = {}
    for s in submissions:
        price = (s.opened or {}).get("price")
        if price:
            by_lot.setdefault(s.lot_id, {})[s.public_id] = Decimal(str(price))
    price_scores: dict[str, Decimal] = {}
    for prices in by_lot.values():
        price_scores |= scoring.price_scores(prices, top)
    scheme = [
        scoring.Weighted(str(c.number), c.weight, c.kind == Criterion.Kind.PRICE) for c in criteria
    ]
    made, totals = [], {}
    for submission in submissions:
        rows, values = [], {}
        for criterion in criteria:
            if criterion.kind == Criterion.Kind.PRICE:
                values[str(criterion.number)] = price_scores.get(submission.public_id)
                continue
            given = [
                x
                for x in all_scores
                if x.submission_id == submission.pk and x.criterion_id == criterion.pk
            ]
            numbers = [x.score for x in given]
            moderation = moderations.get((submission.pk, criterion.pk))
            agreed = scoring.agreed(numbers, moderation.score if moderation else None, limit)
            values[str(criterion.number)] = agreed
            rows.append(
                CriterionResult(
                    criterion,
                    given,
                    scoring.spread(numbers),
                    scoring.disagrees(numbers, limit),
                    moderation,
                    agreed,
                )
            )
        total = scoring.final_score(values, scheme, top)
        totals[submission.public_id] = total.total
        made.append(
            SubmissionResult(submission, rows, price_scores.get(submission.public_id), total, None)
        )
    places: dict[str, scoring.Place] = {}
    for lot in {s.lot_id for s in submissions}:
        in_lot = {s.public_id: totals[s.public_id] for s in submissions if s.lot_id == lot}
        places |= {p.key: p for p in scoring.rank(in_lot)}
    withheld = _withheld(viewer, process, phase) if whole else set()
    named = labels(phase)
    shown = [
        SubmissionResult(
            r.submission,
            r.criteria,
            r.price_score,
            r.total,
            places.get(r.submission.public_id),
            named.get(r.submission.pk, ""),
        )
        for r in made
        if r.submission.pk not in withheld
    ]
    if not sees_names(viewer, process, phase):
        shown.sort(key=lambda r: (len(r.label), r.label))
    return shown


def _scores_alone(viewer, process: Process, phase: Phase) -> bool:
    return (
        viewer is not None
        and not scores_public(process, phase)
        and not can(viewer, "evaluation.run", process)
    )


def _withheld(viewer, process: Process, phase: Phase) -> set[int]:
    """Before the scores are public, an evaluator who does not run the panel sees its scores
    only for the submissions they declared no conflict with: a declared conflict takes them off
    a submission, and nobody reads the panel's reasons before declaring."""
    if viewer is None or scores_public(process, phase) or can(viewer, "evaluation.run", process):
        return set()
    evaluator = evaluator_of(viewer, process)
    cleared = set(
        Declaration.objects.filter(
            evaluator=evaluator, submission__phase=phase, has_conflict=False
        ).values_list("submission_id", flat=True)
    )
    return set(
        Submission.objects.filter(phase=phase)
        .exclude(pk__in=cleared)
        .exclude(lot__in=awarded_lots(process))
        .values_list("pk", flat=True)
    )


def awards_of(process: Process) -> list[Award]:
    return list(
        Award.objects.filter(process=process)
        .select_related("submission__organisation", "lot", "decided_by")
        .order_by("lot__number", "id")
    )


def related_block(process, user):
    """For a process page: the award notice once awarded; the way to the panel's work for the
    panel and the buyer before."""
    from django.urls import reverse

    from openbuy.ui.related import Related

    if process.published_at is None:
        return None
    awarded = [
        (
            f"Awarded to {a.submission.organisation.name}"
            f"{f' ({a.lot})' if a.lot_id else ''}: {a.currency} {a.value_amount:,.2f}",
            reverse("evaluation:award_notice", args=[process.pk]),
        )
        for a in awards_of(process)
    ]
    if scores_public(process):
        links = awarded + [
            (
                f"Prize {p.place}: {p.submission.organisation.name}, {p.currency} {p.amount:,.2f}",
                reverse("evaluation:award_notice", args=[process.pk]),
            )
            for p in prizes_of(process)
        ]
        links.append(("Scores and reasons", reverse("evaluation:results", args=[process.pk])))
        return Related(heading="Award", links=links + _gate_links(process))
    gates = _gate_links(process)
    if user is None or not can(user, "evaluation.see_scores", process):
        if awarded:  # some lots awarded, others still in evaluation
            scores = ("Scores and reasons", reverse("evaluation:results", args=[process.pk]))
            return Related(heading="Award", links=[*awarded, scores, *gates])
        return Related(heading="Stage gates", links=gates) if gates else None
    links = [*awarded, ("Evaluation panel", reverse("evaluation:panel", args=[process.pk]))]
    actions = []
    if can(user, "evaluation.run", process):
        links.append(("Scores and moderation", reverse("evaluation:results", args=[process.pk])))
        last = not process.phases.filter(number__gt=process.phase.number).exists()
        if last and process.kind == Process.Kind.CHALLENGE:
            actions.append(("Give the prizes", reverse("evaluation:prizes", args=[process.pk])))
        elif last:
            actions.append(("Award", reverse("evaluation:award", args=[process.pk])))
        elif not GateDecision.objects.filter(phase=process.phase).exists():
            actions.append(("Decide the stage gate", reverse("evaluation:gate", args=[process.pk])))
    return Related(heading="Evaluation", links=links + gates, actions=actions)


def _gate_links(process) -> list[tuple[str, str]]:
    from django.urls import reverse

    numbers = (
        GateDecision.objects.filter(phase__process=process)
        .values_list("phase__number", flat=True)
        .distinct()
        .order_by("phase__number")
    )
    return [
        (
            f"Stage gate after phase {n}",
            reverse("evaluation:gate_outcome", args=[process.pk, n]),
        )
        for n in numbers
    ]


def debrief(submission: Submission) -> tuple[SubmissionResult, SubmissionResult | None, list]:
    """A bidder's debrief, public once its phase's scores are (at the award, or at the stage
    gate that stopped it): its own scores and reasons per criterion, the scores it is compared
    with — the winner's, or at a gate the best of those who continued — and the award(s)."""
    process = submission.phase.process
    if not scores_public(process, submission.phase, submission):
        raise PermissionDenied("Debriefs are published with the award or the stage gate.")
    rows = results(None, submission.phase)
    mine = next(r for r in rows if r.submission.pk == submission.pk)
    awards = awards_of(process)
    winners = {a.submission_id for a in awards if a.lot_id == submission.lot_id}
    winner = next((r for r in rows if r.submission.pk in winners), None)
    if winner is None:
        going = set(
            GateDecision.objects.filter(
                phase=submission.phase, decision=GateDecision.Decision.CONTINUE
            ).values_list("submission_id", flat=True)
        )
        ahead = [r for r in rows if r.submission.pk in going]
        ahead.sort(key=lambda r: (r.place.position or 10**6) if r.place else 10**6)
        winner = ahead[0] if ahead else None
    return mine, winner, awards


def gate_of(phase: Phase) -> list[GateDecision]:
    """A phase's stage gate decisions: public from the moment they are made."""
    return list(
        GateDecision.objects.filter(phase=phase)
        .select_related("submission__organisation", "decided_by")
        .order_by("decision", "submission__organisation__name")
    )


def buyer_ratings(organisation) -> dict | None:
    """The averages of bidders' ratings of a buyer, and how many there are."""
    from django.db.models import Avg, Count

    from openbuy.evaluation.models import Rating

    found = Rating.objects.filter(process__organisation=organisation).aggregate(
        count=Count("id"),
        clarity=Avg("clarity"),
        answers=Avg("answers"),
        debrief=Avg("debrief"),
        timeliness=Avg("timeliness"),
    )
    return found if found["count"] else None


def organisation_block(organisation, user):
    """For a buyer's page: what bidders say about how it runs competitions."""
    from openbuy.ui.related import Related

    if organisation.kind != "buyer":
        return None
    found = buyer_ratings(organisation)
    if found is None:
        return None
    labels = {
        "clarity": "Clarity of specifications",
        "answers": "Usefulness of answers to questions",
        "debrief": "Debriefs",
        "timeliness": "Time to a decision",
    }
    count = found["count"]
    return Related(
        heading="How bidders rate its competitions",
        lines=[f"{label}: {found[key]:.1f} out of 5" for key, label in labels.items()]
        + [f"From {count} bidder{'s' if count != 1 else ''}"],
    )


def debriefs_of(process: Process) -> list[Submission]:
    """Every bidder with a published debrief: all phases (and lots) whose scores are public."""
    return [
        s
        for s in Submission.objects.filter(phase__process=process, opened__isnull=False)
        .select_related("organisation", "lot", "phase")
        .order_by("phase__number", "organisation__name")
        if scores_public(process, s.phase, s)
    ]


def prizes_of(process: Process) -> list:
    from openbuy.evaluation.models import Prize

    return list(
        Prize.objects.filter(process=process)
        .select_related("submission__organisation")
        .order_by("place", "id")
    )
