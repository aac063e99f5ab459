from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated

from django.conf import settings
from django.urls import reverse
from ninja import Field, Schema
from pydantic import AfterValidator, BeforeValidator, StringConstraints, field_validator

from openbuy.contracts import selectors
from openbuy.contracts.models import Contract
from openbuy.contracts.services import LIMITS
from openbuy.lessons.schemas import CaptureIn
from openbuy.processes.schemas import MAX_ID

STATUSES = ", ".join(Contract.Status.values)
CENTS = Decimal("0.01")


def _number_as_text(value):
    """An amount may come as a JSON number or as a string; the services read both alike."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    return value


def _in_range(value: str) -> str:
    """Refuse an exponent no amount could have (like 1e999999999) before the service reads it:
    anything else, numeric or not, the service judges and names."""
    try:
        amount = Decimal(value.replace(",", "").strip())
    except (InvalidOperation, ValueError):
        return value
    if amount.is_finite() and amount.adjusted() > 20:
        raise ValueError("Enter an amount between -99,999,999,999,999 and 99,999,999,999,999")
    return value


Amount = Annotated[
    Annotated[str, StringConstraints(max_length=40)],
    BeforeValidator(_number_as_text),
    AfterValidator(_in_range),
    Field(description='A decimal amount, like "25000" or "-1234.50"'),
]


def _money(obj) -> selectors.Money:
    """The contract's value and its amendments: summed by the list's query, else read once."""
    change = getattr(obj, "amendment_change", None)
    if change is None:
        change = obj.amendment_change = selectors.money(obj).change
    # Some databases sum decimals without their places: money always has two.
    return selectors.Money(obj.value_amount, Decimal(change).quantize(CENTS))


# --- reading ------------------------------------------------------------------------------------


class ContractQuery(Schema):
    process: int | None = Field(None, ge=1, le=MAX_ID, description="The process's id")
    supplier: str = Field("", max_length=100, description="The supplier organisation's slug")
    status: str = Field("", description=f"One of: {STATUSES}")

    @field_validator("status")
    @classmethod
    def _status(cls, value: str) -> str:
        if value and value not in Contract.Status.values:
            raise ValueError(f"Choose one of: {STATUSES}")
        return value


class ContractSupplierOut(Schema):
    slug: str
    name: str
    size: str = Field(description="micro, small, medium or large")
    social_enterprise: bool

    @staticmethod
    def resolve_social_enterprise(obj) -> bool:
        return obj.is_social_enterprise


class ContractSummaryOut(Schema):
    id: int
    title: str
    process: int = Field(description="The process's id")
    process_title: str
    award: int = Field(description="The award's id")
    supplier: ContractSupplierOut
    status: str = Field(description=f"One of: {STATUSES}")
    currency: str
    value_amount: Decimal = Field(description="The value signed")
    value_change: Decimal = Field(description="The sum of every amendment's value change")
    current_value: Decimal = Field(description="The value signed plus the amendments")
    starts_on: date
    ends_on: date
    signed_at: datetime
    ended_at: datetime | None = Field(None, description="When it was completed or terminated")
    url: str = Field(description="The contract's page")

    @staticmethod
    def resolve_process(obj) -> int:
        return obj.process_id

    @staticmethod
    def resolve_process_title(obj) -> str:
        return obj.process.title

    @staticmethod
    def resolve_award(obj) -> int:
        return obj.award_id

    @staticmethod
    def resolve_value_change(obj) -> Decimal:
        return _money(obj).change

    @staticmethod
    def resolve_current_value(obj) -> Decimal:
        return _money(obj).current

    @staticmethod
    def resolve_url(obj) -> str:
        return settings.SITE_URL + reverse("contracts:detail", args=[obj.pk])


class MilestoneOut(Schema):
    id: int
    number: int
    title: str
    acceptance_criteria: str
    due_on: date
    status: str = Field(description="pending, accepted or rejected")
    decided_at: datetime | None
    note: str = Field(description="Why it was not accepted, or a note on accepting it")


class OutcomeOut(Schema):
    id: int
    name: str
    unit: str
    target: Decimal
    actual: Decimal | None = Field(None, description="The latest measurement, if any")
    measured_at: datetime | None


class AmendmentOut(Schema):
    id: int
    value_change: Decimal = Field(description="Positive or negative")
    reason: str
    made_at: datetime


class ContractOut(ContractSummaryOut):
    change_percent: Decimal = Field(
        description="The amendments' change as a percentage of the value signed"
    )
    signed_by: str = Field(description="The buyer officer who signed it")
    termination_reason: str = Field(description="Why it was terminated, when it was")
    milestones: list[MilestoneOut]
    outcomes: list[OutcomeOut]
    amendments: list[AmendmentOut] = Field(description="Oldest first")

    @staticmethod
    def resolve_change_percent(obj) -> Decimal:
        return _money(obj).change_percent

    @staticmethod
    def resolve_signed_by(obj) -> str:
        return str(obj.signed_by)


# --- writing ------------------------------------------------------------------------------------


class ContractSignIn(Schema):
    title: str = Field("", max_length=LIMITS["title"], description="The process's title if empty")
    starts_on: date
    ends_on: date


class MilestoneIn(Schema):
    title: str = Field(max_length=LIMITS["title"])
    acceptance_criteria: str = Field(
        max_length=LIMITS["text"], description="What must be true for it to be accepted"
    )
    due_on: date


class MilestoneNoteIn(CaptureIn):
    """The decision's note; and, decided more than the margin after the milestone was due, what
    missing it teaches — a ``lesson``, or (instead) the ``no_lesson_reason``, published too."""

    note: str = Field(
        "",
        max_length=LIMITS["text"],
        description="Required when not accepting: which acceptance criteria are not met",
    )


class OutcomeIn(Schema):
    name: str = Field(max_length=LIMITS["name"])
    unit: str = Field("", max_length=LIMITS["unit"])
    target: Amount


class OutcomeActualIn(Schema):
    actual: Amount


class AmendmentIn(Schema):
    value_change: Amount = Field(
        description='Negative for a reduction, like "-5000"; "0" if the value does not change'
    )
    reason: str = Field(max_length=LIMITS["text"])


class TerminationIn(CaptureIn):
    """Why the contract ends early; and what that teaches — a ``lesson``, or (instead) the
    ``no_lesson_reason``, published too."""

    reason: str = Field(max_length=LIMITS["text"], description="Why it ends early (published)")
