from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import BeforeValidator, StringConstraints

from openbuy.evaluation.models import Evaluator
from openbuy.evaluation.services import LIMITS
from openbuy.lessons.schemas import CaptureIn
from openbuy.processes.schemas import MAX_NUMBER, OrganisationRefOut

REF = 64  # a submission's public reference is 32 hex digits; anything longer is no reference
KINDS = ", ".join(Evaluator.Kind.values)


def _number_as_text(value):
    """A score may come as a JSON number or as a string; the services read both alike."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    return value


ScoreValue = Annotated[
    Annotated[str, StringConstraints(max_length=20)],
    BeforeValidator(_number_as_text),
    Field(description='On the published scale, in whole or half points, like 7 or "7.5"'),
]
SubmissionRef = Annotated[
    str,
    Field(min_length=1, max_length=REF, description="A submission's public reference"),
]
CriterionNumber = Annotated[int, Field(ge=1, le=MAX_NUMBER, description="The criterion's number")]


# --- the panel ----------------------------------------------------------------------------------


class EvaluatorOut(Schema):
    id: int
    name: str
    kind: str = Field(description=f"One of: {KINDS}")
    added_at: datetime

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj.user)


class EvaluatorIn(Schema):
    email: str = Field(max_length=254, description="The email address of their openbuy account")
    kind: Literal["staff", "expert"] = Field(
        description="staff of the buying organisation, or an invited expert"
    )


class UnblindIn(Schema):
    reason: str = Field(max_length=LIMITS["reason"])


class UnblindingOut(Schema):
    criterion: int = Field(description="The criterion's number")
    name: str
    blinded: bool
    reason: str = Field(description="Why blinding was turned off (on the public record)")
    decided_at: datetime

    @staticmethod
    def resolve_criterion(obj) -> int:
        return obj.criterion.number

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.criterion.name

    @staticmethod
    def resolve_blinded(obj) -> bool:
        return False


# --- an evaluator's work ------------------------------------------------------------------------


class AssignmentOut(Schema):
    """A response to score, under its neutral label: never the supplier's name."""

    submission: str = Field(description="The submission's public reference")
    label: str = Field(description="The neutral letter the panel knows the response by")
    lot: int | None
    scored: int = Field(description="How many of its criteria you have scored")
    criteria: int = Field(description="How many criteria you score (price is by formula)")


class DeclarationIn(Schema):
    organisation: str = Field(
        min_length=1, max_length=100, description="The slug of a supplier that submitted"
    )
    has_conflict: bool
    details: str = Field(
        "", max_length=LIMITS["details"], description="Required with a conflict: what it is"
    )


class DeclarationOut(Schema):
    """Your declaration about one supplier that submitted to the phase."""

    organisation: OrganisationRefOut
    declared: Literal["not_yet", "no_conflict", "conflict"]
    details: str = Field(description="The conflict declared, if any")
    declared_at: datetime | None


class EvaluatedAnswerOut(Schema):
    """One answer as an evaluator reads it, with the evaluator's own score if given."""

    criterion: int = Field(description="The criterion's number")
    name: str
    kind: str
    weight: int
    blinded: bool = Field(description="Whether the supplier's identifying strings are replaced")
    html: str = Field(
        description="The answer as escaped HTML, blinded where it must be, with passages that "
        "echo the specification in <mark>"
    )
    echo_share: float = Field(
        description="The share (0 to 1) of the answer's word n-grams found in the specification"
    )
    echoed_words: int
    total_words: int
    echo_summary: str = Field(description="The echo, in words; it informs and never scores")
    score: Decimal | None = Field(None, description="Your score, if you have given one")
    justification: str = Field("", description="Your justification, if you have scored")


class SubmissionAnswersOut(Schema):
    submission: str
    label: str = Field(description="The neutral letter the panel knows the response by")
    phase: int
    lot: int | None
    answers: list[EvaluatedAnswerOut]


class ScoreIn(Schema):
    submission: SubmissionRef
    criterion: CriterionNumber
    score: ScoreValue
    justification: str = Field(max_length=LIMITS["justification"])


class EvaluatorScoreOut(Schema):
    """Your score for one criterion of one submission."""

    submission: str
    criterion: int
    score: Decimal
    justification: str
    scored_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_submission(obj) -> str:
        return obj.submission.public_id

    @staticmethod
    def resolve_criterion(obj) -> int:
        return obj.criterion.number


# --- results ------------------------------------------------------------------------------------


class ResultsQuery(Schema):
    phase: int | None = Field(
        None, ge=1, le=MAX_NUMBER, description="The phase's number; the current one if left out"
    )


class PanelScoreOut(Schema):
    evaluator: str = Field(description="The evaluator's name")
    score: Decimal
    justification: str


class AgreedOut(Schema):
    score: Decimal
    reason: str
    moderated_at: datetime


class CriterionResultOut(Schema):
    criterion: int = Field(description="The criterion's number")
    name: str
    kind: str
    weight: int
    scores: list[PanelScoreOut]
    spread: Decimal = Field(description="The highest score minus the lowest")
    disagrees: bool = Field(description="A spread above the allowed range, to moderate")
    moderation: AgreedOut | None = Field(None, description="The agreed score where they disagreed")
    agreed: Decimal | None = Field(
        None, description="The score that counts; none while scores are missing or unmoderated"
    )


class ScoredSubmissionOut(Schema):
    submission: str = Field(description="The submission's public reference")
    organisation: OrganisationRefOut
    lot: int | None
    criteria: list[CriterionResultOut] = Field(description="Every criterion but price")
    price: Decimal | None = Field(None, description="The opened price")
    price_score: Decimal | None = Field(None, description="The price criterion's score, by formula")
    total: Decimal | None = Field(
        None, description="Weighted, out of 100; none while any criterion has no agreed score"
    )
    missing: list[int] = Field(description="Numbers of the criteria still without a score")
    place: int | None = Field(None, description="1 is the highest total; ties share a place")
    tied: bool


class ModerationIn(Schema):
    submission: SubmissionRef
    criterion: CriterionNumber
    score: ScoreValue
    reason: str = Field(max_length=LIMITS["reason"])


class ModerationOut(Schema):
    submission: str
    criterion: int
    score: Decimal
    reason: str
    moderated_at: datetime

    @staticmethod
    def resolve_submission(obj) -> str:
        return obj.submission.public_id

    @staticmethod
    def resolve_criterion(obj) -> int:
        return obj.criterion.number


# --- award, debriefs, gates ---------------------------------------------------------------------


class AwardIn(Schema):
    submission: SubmissionRef
    rationale: str = Field(max_length=LIMITS["reason"], description="Why it wins (published)")
    below_top_reason: str = Field(
        "",
        max_length=LIMITS["reason"],
        description="Required when it is not the highest score: why it still wins (published)",
    )


class _Won(Schema):
    """What an award and a prize share: the winning submission and who it is from."""

    @staticmethod
    def resolve_submission(obj) -> str:
        return obj.submission.public_id

    @staticmethod
    def resolve_winner(obj):
        return obj.submission.organisation

    @staticmethod
    def resolve_size(obj) -> str:
        return obj.submission.organisation.size

    @staticmethod
    def resolve_social_enterprise(obj) -> bool:
        return obj.submission.organisation.is_social_enterprise


class AwardOut(_Won):
    """One award of the public award notice."""

    submission: str = Field(description="The winning submission's public reference")
    winner: OrganisationRefOut
    size: str = Field(description="The winner's size: micro, small, medium or large")
    social_enterprise: bool
    lot: int | None
    value_amount: Decimal
    currency: str
    total: Decimal = Field(description="The winning score, out of 100")
    rationale: str
    below_top_reason: str = Field(description="Why not the highest score, when it is not")
    decided_at: datetime
    standstill_ends: datetime = Field(description="No contract is signed before then")

    @staticmethod
    def resolve_lot(obj) -> int | None:
        return obj.lot.number if obj.lot_id else None


class BidderOut(Schema):
    submission: str = Field(description="The submission's public reference, for its debrief")
    organisation: OrganisationRefOut
    lot: int | None


class PrizeOut(_Won):
    """One prize of a challenge: the place, the entry, the amount and why."""

    place: int
    submission: str = Field(description="The winning entry's public reference")
    winner: OrganisationRefOut
    size: str = Field(description="The winner's size: micro, small, medium or large")
    social_enterprise: bool
    amount: Decimal
    currency: str
    reason: str
    decided_at: datetime


class PrizeIn(Schema):
    submission: SubmissionRef
    amount: Annotated[
        Annotated[str, StringConstraints(max_length=30)],
        BeforeValidator(_number_as_text),
        Field(description='The prize, like 5000 or "5000.00", in the process\'s currency'),
    ]
    reason: str = Field(max_length=LIMITS["reason"], description="Why it wins (published)")


class PrizesIn(Schema):
    prizes: list[PrizeIn] = Field(
        min_length=1, max_length=100, description="In order of place: the first is first prize"
    )


class AwardNoticeOut(Schema):
    process: int
    title: str
    awards: list[AwardOut] = Field(description="A tender's awards (one per lot in lots)")
    prizes: list[PrizeOut] = Field(description="A challenge's prizes, by place")
    bidders: list[BidderOut] = Field(description="Every bidder, each with a public debrief")


Mark = Annotated[int, Field(ge=1, le=5, description="From 1 (poor) to 5 (excellent)")]


class RatingIn(Schema):
    organisation: str | None = Field(
        None,
        max_length=100,
        description="The bidding organisation's slug; needed only if you belong to several",
    )
    clarity: Mark
    answers: Mark
    debrief: Mark
    timeliness: Mark
    comment: str = Field("", max_length=LIMITS["reason"])


class RatingOut(Schema):
    process: int
    organisation: OrganisationRefOut
    clarity: int
    answers: int
    debrief: int
    timeliness: int
    comment: str
    rated_at: datetime

    @staticmethod
    def resolve_process(obj) -> int:
        return obj.process_id


class BuyerRatingsOut(Schema):
    """The averages of bidders' ratings of how a buyer runs its competitions."""

    organisation: OrganisationRefOut
    count: int = Field(description="How many bidders rated it")
    clarity: float | None = Field(description="Clarity of specifications, 1 to 5")
    answers: float | None = Field(description="Usefulness of answers to questions, 1 to 5")
    debrief: float | None = Field(description="Debriefs, 1 to 5")
    timeliness: float | None = Field(description="Time to a decision, 1 to 5")


class DebriefOut(Schema):
    process: int
    title: str
    mine: ScoredSubmissionOut = Field(description="This bidder's scores and the reasons")
    winner: ScoredSubmissionOut | None = Field(description="The winning submission's scores")
    won: bool
    awards: list[AwardOut]


class GateChoiceIn(Schema):
    submission: SubmissionRef
    decision: Literal["continue", "stop"]
    reason: str = Field(
        max_length=LIMITS["reason"], description="Against the phase's success and kill criteria"
    )


class GateIn(CaptureIn):
    """The decisions; and when any supplier stops, what that teaches — a ``lesson``, or
    (instead) the ``no_lesson_reason``, published too. Not needed when every supplier continues."""

    decisions: list[GateChoiceIn] = Field(
        min_length=1, max_length=1000, description="One for every opened submission of the phase"
    )


class GateDecisionOut(Schema):
    submission: str
    organisation: OrganisationRefOut
    decision: str = Field(description="continue or stop")
    reason: str
    price: Decimal | None = Field(None, description="The price it was stopped (or went on) at")
    decided_at: datetime

    @staticmethod
    def resolve_submission(obj) -> str:
        return obj.submission.public_id

    @staticmethod
    def resolve_organisation(obj):
        return obj.submission.organisation

    @staticmethod
    def resolve_price(obj) -> Decimal | None:
        price = (obj.submission.opened or {}).get("price")
        return Decimal(str(price)) if price else None


class GateOut(Schema):
    phase: int
    title: str
    success_criteria: str
    kill_criteria: str
    decisions: list[GateDecisionOut]
