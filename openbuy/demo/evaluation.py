"""Demo evaluation, award and contract, run through the same services as real ones (so every
step is audited, and public where the real step is public):

- on the staged competition about step-free access, in evaluation: a panel of two (Femi, the
  council's frontline staff, and Eve, an invited expert) declared no conflict with either
  submission and scored both in full. On one criterion they disagree (3 against 8), and that is
  left for the buyer to moderate;
- a fourth process, a small tender for text reminders of bin-collection changes, that has gone
  all the way: published, two submissions, opened, scored with one disagreement moderated,
  awarded to the co-operative with a rationale, the contract signed after the standstill, with
  two milestones (one accepted, one pending), an outcome measured against its target, one
  amendment, and the co-operative's rating of how the council ran it.

As in :mod:`openbuy.demo.processes`, the dates that must look older than they are get there by
moving them into the past directly, after the service has set them: the tender's deadline, and
the end of the award's standstill period. That is for the demo only: real processes get there
because time passes.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from openbuy import clock
from openbuy.accounts.models import User
from openbuy.contracts import services as contracts
from openbuy.demo.processes import _plan, _publish, _spec, _submit, create_rival
from openbuy.evaluation import services as evaluation
from openbuy.evaluation.models import Award, Evaluator
from openbuy.processes import services
from openbuy.processes.models import Criterion, Phase, Process, Submission

STAGED = "Step-free journeys from Riverside station"
REMINDERS = "Text reminders for bin collection changes"

NO_CONFLICT = False


def create_evaluation(personas: dict) -> int:
    """Score the staged competition and run the fourth process to a contract, once each; return
    how many of the two were done now."""
    council = personas["council"]
    personas = {**personas, "rival": create_rival(personas)}
    done = 0
    with transaction.atomic():
        staged = Process.objects.filter(
            organisation=council, kind=Process.Kind.STAGED, title=STAGED
        ).first()
        if staged is not None and not Evaluator.objects.filter(process=staged).exists():
            _panel(personas, staged)
            _score_staged(personas, staged)
            done += 1
        if (
            staged is not None  # the rest of the demo's processes are there
            and not Process.objects.filter(organisation=council, title=REMINDERS).exists()
        ):
            _reminders(personas)
            done += 1
    return done


# --- helpers ------------------------------------------------------------------------------------


def _panel(personas: dict, process: Process) -> None:
    buyer = personas["buyer"]
    evaluation.evaluator_add(
        actor=buyer, process=process, user=personas["frontline"], kind=Evaluator.Kind.STAFF
    )
    evaluation.evaluator_add(
        actor=buyer, process=process, user=personas["evaluator"], kind=Evaluator.Kind.EXPERT
    )


def _criterion(process: Process, kind: str) -> Criterion:
    return process.criteria.get(kind=kind)


def _submission(process: Process, organisation) -> Submission:
    return Submission.objects.get(
        phase=process.current_phase, organisation=organisation, opened__isnull=False
    )


def _score(evaluator: User, scores: list[tuple[Submission, Criterion, str, str]]) -> None:
    """Declare no conflict with each submission (before reading it), then score it."""
    declared: set[int] = set()
    for submission, criterion, value, justification in scores:
        if submission.pk not in declared:
            evaluation.declare(actor=evaluator, submission=submission, has_conflict=NO_CONFLICT)
            declared.add(submission.pk)
        evaluation.score_set(
            actor=evaluator,
            submission=submission,
            criterion=criterion,
            score=value,
            justification=justification,
        )


# --- the staged competition: a disagreement to moderate -----------------------------------------


def _score_staged(personas: dict, process: Process) -> None:
    process.refresh_from_db()
    quality = _criterion(process, Criterion.Kind.QUALITY)
    social = _criterion(process, Criterion.Kind.SOCIAL_VALUE)
    coop = _submission(process, personas["coop"])
    bigco = _submission(process, personas["bigco"])
    _score(
        personas["frontline"],
        [
            (
                coop,
                quality,
                "8",
                "A minibus can start within weeks and our drivers see the demand every day; the "
                "study sets out how bookings and waiting times would be measured.",
            ),
            (
                coop,
                social,
                "8",
                "Local drivers on the real living wage, and the money stays in Riverside.",
            ),
            (
                bigco,
                quality,
                "6",
                "A platform lift fixes the station itself, but the study says little about "
                "what happens while it is installed.",
            ),
            (bigco, social, "5", "Two apprenticeships, though not said to be local hires."),
        ],
    )
    _score(
        personas["evaluator"],
        [
            (
                coop,
                quality,
                "3",
                "The study covers daytime only: the outcome is 'at any time trains run', and "
                "nothing says how late-evening journeys would be served.",
            ),
            (
                coop,
                social,
                "7.5",
                "Fair pay and local members; the study could say how many drivers it needs.",
            ),
            (
                bigco,
                quality,
                "6.5",
                "Sound engineering with remote monitoring; the maintenance plan is credible.",
            ),
            (bigco, social, "5", "Two apprenticeships in lift maintenance, a useful trade."),
        ],
    )


# --- the fourth process: from tender to contract ------------------------------------------------


def _reminders(personas: dict) -> Process:
    buyer, council = personas["buyer"], personas["council"]
    spec = _spec(
        buyer,
        council,
        REMINDERS,
        "Tell residents the day before a bin collection changes, so no bin is missed.",
        "15000",
        {
            "problem": "When a bank holiday or a road closure moves a bin collection, most "
            "residents do not know. Crews see missed bins on every street the week after, and "
            "the contact centre takes hundreds of calls.",
            "outcomes": "Residents who sign up once get a text the day before any change to "
            "their collection.\n\nFewer missed bins and calls about them after a changed "
            "collection, measured against the same weeks last year.",
            "budget": "Up to £15,000 for the first year, including the texts.",
            "timeline": "Sign-up opens within a month of the contract; the first reminders go "
            "out before the spring bank holidays.",
            "judging": "Quality 50%, price 30%, social value 20%.",
        },
    )
    process = services.process_create(
        actor=buyer,
        specification=spec,
        kind=Process.Kind.TENDER,
        summary="A text the day before a changed collection, for every resident who asks.",
    )
    services.criteria_set(
        actor=buyer,
        process=process,
        criteria=[
            {"kind": "quality", "name": "Quality of the proposed approach", "weight": 50},
            {"kind": "price", "name": "Price", "weight": 30},
            {
                "kind": "social_value",
                "name": "Social value",
                "weight": 20,
                "description": "Local jobs, and reaching residents who do not use the internet.",
            },
        ],
    )
    _plan(buyer, process, [(7, 21)])
    process = _publish(buyer, process)
    _submit(
        personas["supplier"],
        personas["coop"],
        process,
        [
            "We already run a booking line by text. Residents sign up by text, phone or at the "
            "library; our members keep the round calendar up to date with the depot and send "
            "each street's reminder at 6pm the day before.",
            "Two members who sign residents up at the library and by phone, so people without "
            "the internet are not left out.",
        ],
        price="11500",
    )
    _submit(
        personas["rival"],
        personas["bigco"],
        process,
        [
            "Our national notification platform, used by thirty councils, with an online "
            "sign-up page and reminders by text and email.",
            "A donation to a local digital-skills charity.",
        ],
        price="14000",
    )
    # Demo only: the deadline passes now, after both submissions (see the module docstring).
    now = clock.now()
    Phase.objects.filter(pk=process.current_phase_id).update(enquiry_end=now, deadline=now)
    process.refresh_from_db()
    services.phase_open(actor=buyer, process=process)
    process.refresh_from_db()

    _panel(personas, process)
    quality = _criterion(process, Criterion.Kind.QUALITY)
    social = _criterion(process, Criterion.Kind.SOCIAL_VALUE)
    coop = _submission(process, personas["coop"])
    bigco = _submission(process, personas["bigco"])
    _score(
        personas["frontline"],
        [
            (
                coop,
                quality,
                "8",
                "Keeping the calendar with the depot is the hard part, and the bid says who does "
                "it and when.",
            ),
            (
                coop,
                social,
                "9",
                "Sign-up at the library and by phone reaches the residents who miss bins most.",
            ),
            (
                bigco,
                quality,
                "7",
                "A proven platform, but it relies on the council to enter every change.",
            ),
            (bigco, social, "4", "A donation, with nothing said about who it would reach."),
        ],
    )
    _score(
        personas["evaluator"],
        [
            (
                coop,
                quality,
                "7.5",
                "A clear plan for the calendar and the evening send; a small team, so cover for "
                "holidays needs checking.",
            ),
            (
                coop,
                social,
                "4",
                "Two sign-up roles, but no numbers for how many residents they would reach.",
            ),
            (bigco, quality, "7", "Reliable technology used elsewhere; online sign-up only."),
            (bigco, social, "4.5", "A one-off donation, not tied to this service."),
        ],
    )
    evaluation.moderate(
        actor=buyer,
        submission=coop,
        criterion=social,
        score="7",
        reason="The panel agreed the library and phone sign-up reaches residents without the "
        "internet, as the specification asks; with no numbers given, not the top mark.",
    )
    made = evaluation.award(
        actor=buyer,
        process=process,
        submission=coop,
        rationale="The highest score: the best plan for keeping the calendar right, sign-up "
        "for residents without the internet, and the lower price.",
    )
    # Demo only: the standstill period ends now, so the contract can be signed (see the module
    # docstring). Real awards wait the full period, when bidders may challenge them.
    Award.objects.filter(pk=made.pk).update(standstill_ends=clock.now())
    made.refresh_from_db()
    _contract(personas, made)
    process.refresh_from_db()
    evaluation.rate(
        actor=personas["supplier"],
        process=process,
        organisation=personas["coop"],
        marks={"clarity": 4, "answers": 4, "debrief": 5, "timeliness": 3},
        comment="A clear specification and a useful debrief. Three weeks to bid was tight for "
        "a small co-operative.",
    )
    return process


def _contract(personas: dict, award: Award) -> None:
    buyer = personas["buyer"]
    today = timezone.localdate(clock.now())
    contract = contracts.contract_sign(
        actor=buyer, award=award, starts_on=today, ends_on=today + timedelta(days=364)
    )
    signup = contracts.milestone_add(
        actor=buyer,
        contract=contract,
        title="Sign-up open",
        acceptance_criteria="Residents can sign up by text, by phone and at the central library, "
        "and get a text confirming their collection day.",
        due_on=today + timedelta(days=28),
    )
    contracts.milestone_add(
        actor=buyer,
        contract=contract,
        title="Reminders for the spring bank holidays",
        acceptance_criteria="Every signed-up resident whose collection moves gets a text by 6pm "
        "the day before, and the log shows each one sent.",
        due_on=today + timedelta(days=120),
    )
    contracts.milestone_decide(
        actor=buyer,
        milestone=signup,
        accept=True,
        note="Checked all three ways of signing up; confirmations arrive within a minute.",
    )
    outcome = contracts.outcome_add(
        actor=buyer,
        contract=contract,
        name="Residents signed up for reminders",
        target="2000",
        unit="residents",
    )
    contracts.outcome_record(actor=buyer, outcome=outcome, actual="640")
    contracts.amend(
        actor=buyer,
        contract=contract,
        value_change="1500",
        reason="Reminders in Welsh as well as English, which residents asked for at sign-up.",
    )
