from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.conf import settings
from ninja import Field, Schema
from pydantic import AwareDatetime, BeforeValidator, StringConstraints, field_validator

from openbuy.lessons.schemas import CaptureIn
from openbuy.processes import selectors, services
from openbuy.processes.lifecycle import Status
from openbuy.processes.models import Process
from openbuy.processes.services import LIMITS

MAX_ID = 2**63 - 1
MAX_NUMBER = 32_767  # phase and lot numbers are small integers

KINDS = ", ".join(Process.Kind.values)
STATUSES = ", ".join(Status.values)
BANDS = ", ".join(band[0] for band in selectors.VALUE_BANDS)


def _number_as_text(value):
    """An amount may come as a JSON number or as a string; the services read both alike."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    return value


Money = Annotated[
    Annotated[str, StringConstraints(max_length=40)] | None,
    BeforeValidator(_number_as_text),
    Field(description='A decimal amount, like "250000" or "1234.50"'),
]


# --- reading ------------------------------------------------------------------------------------


class ProcessQuery(Schema):
    q: str = Field("", max_length=200, description="Words in the title, summary or buyer's name")
    kind: str = Field("", description=f"One of: {KINDS}")
    status: str = Field("", description=f"One of: {STATUSES}")
    buyer: str = Field("", description="The buying organisation's slug")
    area: str = Field("", description="An area's slug, from GET /areas")
    value: str = Field("", description=f"A value band: {BANDS}")
    closing_soon: bool = Field(
        False,
        description=f"Only open processes closing within {selectors.CLOSING_SOON_DAYS} days, "
        "soonest first",
    )

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        if value and value not in Process.Kind.values:
            raise ValueError(f"Choose one of: {KINDS}")
        return value

    @field_validator("status")
    @classmethod
    def _status(cls, value: str) -> str:
        if value and value not in Status.values:
            raise ValueError(f"Choose one of: {STATUSES}")
        return value

    @field_validator("value")
    @classmethod
    def _value(cls, value: str) -> str:
        if value and value not in [band[0] for band in selectors.VALUE_BANDS]:
            raise ValueError(f"Choose one of: {BANDS}")
        return value


class OrganisationRefOut(Schema):
    slug: str
    name: str


class ProcessSummaryOut(Schema):
    id: int
    kind: str = Field(description=f"One of: {KINDS}")
    title: str
    summary: str
    organisation: OrganisationRefOut = Field(description="The buyer")
    status: str = Field(description=f"Worked out from the decisions and dates. One of: {STATUSES}")
    value_amount: Decimal | None
    currency: str
    area: str | None = Field(None, description="The area's slug")
    enquiry_end: datetime | None = Field(
        None, description="When the current phase stops taking questions"
    )
    deadline: datetime | None = Field(None, description="The current phase's submission deadline")
    published_at: datetime | None
    url: str = Field(description="The process's page")

    @staticmethod
    def resolve_status(obj) -> str:
        status = getattr(obj, "status", None)  # annotated by the list's query
        return status if status is not None else selectors.status(obj).value

    @staticmethod
    def resolve_area(obj) -> str | None:
        return obj.area.slug if obj.area_id else None

    @staticmethod
    def resolve_enquiry_end(obj) -> datetime | None:
        return obj.current_phase.enquiry_end if obj.current_phase_id else None

    @staticmethod
    def resolve_deadline(obj) -> datetime | None:
        return obj.current_phase.deadline if obj.current_phase_id else None

    @staticmethod
    def resolve_url(obj) -> str:
        return settings.SITE_URL + services.url(obj)


class SpecificationRefOut(Schema):
    id: int
    title: str
    version: int | None = Field(
        None, description="The published version (moved on by each amendment); none for a draft"
    )


class PhaseOut(Schema):
    number: int
    title: str
    description: str
    budget_amount: Decimal | None
    take_forward: int | None = Field(None, description="How many suppliers it takes forward")
    success_criteria: str
    kill_criteria: str
    enquiry_end: datetime | None
    deadline: datetime | None
    evaluation_date: date | None
    decision_date: date | None
    opened_at: datetime | None = Field(None, description="When its submissions were opened")


class LotOut(Schema):
    number: int
    title: str
    description: str
    value_amount: Decimal | None


class CriterionOut(Schema):
    number: int
    kind: str = Field(description="price, quality or social_value")
    name: str
    description: str
    weight: int = Field(description="Percent; the weights add up to 100")


class ProcessOut(ProcessSummaryOut):
    how_to_enter: str
    specification: SpecificationRefOut
    current_phase: int | None = Field(None, description="The current phase's number")
    phases: list[PhaseOut]
    lots: list[LotOut]
    criteria: list[CriterionOut]
    amendment_days: int = Field(description="Days that must remain after an amendment")
    question_days: int = Field(
        description="A question asked this many days before the deadline and still unanswered "
        "at it moves the deadline on by as many days"
    )
    decision_reason: str = Field(description="Why it was cancelled or closed without an award")

    @staticmethod
    def resolve_specification(obj) -> dict:
        spec = obj.specification
        version = obj.spec_version.number if obj.spec_version_id else None
        return {"id": spec.pk, "title": spec.title, "version": version}

    @staticmethod
    def resolve_current_phase(obj) -> int | None:
        return obj.current_phase.number if obj.current_phase_id else None

    @staticmethod
    def resolve_phases(obj) -> list:
        return list(obj.phases.all())

    @staticmethod
    def resolve_lots(obj) -> list:
        return list(obj.lots.all())

    @staticmethod
    def resolve_criteria(obj) -> list:
        return list(obj.criteria.all())


class QuestionOut(Schema):
    """A published clarification. Who asked is never shown."""

    id: int
    number: int = Field(description="Clarifications are numbered in the order they were answered")
    text: str
    answer: str
    asked_at: datetime
    answered_at: datetime


class WaitingQuestionOut(Schema):
    """A question waiting for the buyer's answer: the text, never who asked."""

    id: int
    text: str
    asked_at: datetime


class AskedOut(Schema):
    id: int
    text: str
    asked_at: datetime
    state: str = Field(description="open, answered or withdrawn")


class EventOut(Schema):
    kind: str
    at: datetime
    summary: str
    note: str
    before: dict
    after: dict
    actor: str | None = Field(None, description="Who did it; none for the rules themselves")

    @staticmethod
    def resolve_actor(obj) -> str | None:
        return obj.actor.name if obj.actor_id else None


class OpenedOut(Schema):
    """A submission to an opened phase: public from the moment it was opened."""

    phase: int
    organisation: str
    lot: int | None
    receipt: str = Field(description="SHA-256 of the canonical content that was opened")
    submitted_at: datetime
    verified: bool | None = Field(
        None, description="Whether the opened content hashes to the receipt it was given"
    )


class ReceiptOut(Schema):
    sha256: str
    issued_at: datetime
    withdrawn: bool = Field(description="Issued when a submission was withdrawn")
    final: bool = Field(
        description="The receipt of what was opened, not one superseded by a revision or a "
        "withdrawal"
    )
    matches: bool | None = Field(
        None, description="For a final receipt: whether the opened content hashes to it"
    )
    process: int
    process_title: str
    phase: int
    organisation: str
    lot: int | None


class SubmissionOut(Schema):
    """One of your organisation's submissions, unsealed for you alone."""

    id: str = Field(description="A random reference (never a sequence number)")
    process: int
    process_title: str
    phase: int
    lot: int | None
    organisation: OrganisationRefOut
    state: str = Field(description="draft, submitted or withdrawn")
    receipt: str = Field(description="SHA-256 of the content last submitted; empty for a draft")
    submitted_at: datetime | None
    updated_at: datetime
    content: dict = Field(
        description="Exactly what is sealed: the receipt is the SHA-256 of this object as "
        "canonical JSON (sorted keys, no spaces, UTF-8)"
    )

    @staticmethod
    def resolve_id(obj) -> str:
        return obj.public_id

    @staticmethod
    def resolve_process(obj) -> int:
        return obj.phase.process_id

    @staticmethod
    def resolve_process_title(obj) -> str:
        return obj.phase.process.title

    @staticmethod
    def resolve_phase(obj) -> int:
        return obj.phase.number

    @staticmethod
    def resolve_lot(obj) -> int | None:
        return obj.lot.number if obj.lot_id else None

    @staticmethod
    def resolve_content(obj, context) -> dict:
        return selectors.content(context["request"].auth, obj)


class InvitationOut(Schema):
    id: int
    process: int
    process_title: str
    phase: int
    phase_title: str
    organisation: OrganisationRefOut
    state: str = Field(description="pending, accepted, declined or revoked")
    created_at: datetime
    decided_at: datetime | None

    @staticmethod
    def resolve_process(obj) -> int:
        return obj.phase.process_id

    @staticmethod
    def resolve_process_title(obj) -> str:
        return obj.phase.process.title

    @staticmethod
    def resolve_phase(obj) -> int:
        return obj.phase.number

    @staticmethod
    def resolve_phase_title(obj) -> str:
        return obj.phase.title


# --- writing ------------------------------------------------------------------------------------


class ProcessIn(Schema):
    specification: int = Field(
        ge=1, le=MAX_ID, description="The id of a specification of your organisation"
    )
    kind: Literal["challenge", "tender", "staged"]
    title: str = Field("", max_length=LIMITS["title"], description="The specification's if empty")
    summary: str = Field(
        "", max_length=LIMITS["summary"], description="The specification's if empty"
    )
    area: str | None = Field(None, description="An area's slug, from GET /areas")
    value_amount: Money = None
    currency: str = Field("", max_length=3, description="The specification's if empty")
    how_to_enter: str = Field("", max_length=LIMITS["how_to_enter"])


class CriterionIn(Schema):
    kind: Literal["price", "quality", "social_value"]
    name: str = Field(max_length=LIMITS["name"])
    weight: int = Field(ge=1, le=100, description="Percent; the weights must add up to 100")
    description: str = Field("", max_length=LIMITS["description"])


class CriteriaIn(Schema):
    criteria: list[CriterionIn]
    note: str = Field(
        "",
        max_length=LIMITS["note"],
        description="Required once published: the public note of the amendment",
    )


class PhaseIn(Schema):
    title: str = Field(max_length=LIMITS["title"])
    description: str = Field("", max_length=LIMITS["description"])
    budget_amount: Money = None
    take_forward: int | None = Field(None, ge=1, le=100)
    success_criteria: str = Field("", max_length=LIMITS["success_criteria"])
    kill_criteria: str = Field("", max_length=LIMITS["kill_criteria"])
    enquiry_end: AwareDatetime | None = Field(
        None, description="ISO 8601 with a time zone, like 2027-01-10T12:00:00Z"
    )
    deadline: AwareDatetime | None = Field(
        None, description="ISO 8601 with a time zone, like 2027-01-31T12:00:00Z"
    )
    evaluation_date: date | None = None
    decision_date: date | None = None


class AcknowledgementIn(Schema):
    lesson: int = Field(ge=1, le=MAX_ID)
    verdict: Literal["addressed", "not-relevant"]
    text: str = Field(
        max_length=2_000, description="How it is addressed, or why it is not relevant"
    )


class PublishIn(Schema):
    acknowledgements: list[AcknowledgementIn] = Field(
        default_factory=list,
        max_length=20,
        description="One for each similar past lesson the publication must face",
    )


class QuestionAnswerIn(Schema):
    answer: str = Field(max_length=LIMITS["answer"])


class ExtendIn(Schema):
    deadline: AwareDatetime = Field(description="ISO 8601 with a time zone; later than the current")
    reason: str = Field(max_length=LIMITS["reason"])


class DecisionIn(Schema):
    reason: str = Field(max_length=LIMITS["reason"])


class EndIn(CaptureIn):
    """Cancelling, or closing without an award: the public reason, and what the failure teaches
    — a ``lesson``, or (instead) the ``no_lesson_reason``, published too."""

    reason: str = Field(max_length=LIMITS["reason"], description="Published with the decision")


class InviteIn(Schema):
    organisations: list[str] = Field(
        min_length=1, max_length=100, description="Slugs of suppliers who submitted to the phase"
    )


class QuestionIn(Schema):
    text: str = Field(max_length=LIMITS["question"])


class SubmissionIn(Schema):
    organisation: str | None = Field(
        None,
        description="The supplier's slug; may be left out when you belong to one supplier only",
    )
    lot: int | None = Field(None, ge=1, le=MAX_NUMBER, description="The lot's number, if in lots")
    answers: dict[str, str] = Field(
        default_factory=dict,
        max_length=100,
        description="Your answer to each criterion but price, by the criterion's number",
    )
    price: Money = None
    submit: bool = Field(
        False,
        description="Submit (or resubmit a revision) and get a new receipt; otherwise save a draft",
    )


class SubmissionRefIn(Schema):
    organisation: str | None = Field(
        None,
        description="The supplier's slug; may be left out when you belong to one supplier only",
    )
    lot: int | None = Field(None, ge=1, le=MAX_NUMBER, description="The lot's number, if in lots")
