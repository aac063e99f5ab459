from datetime import datetime

from ninja import Field, Schema


class AreaOut(Schema):
    slug: str
    code: str
    name: str


class NeedOut(Schema):
    id: int
    title: str
    description: str
    affects: str
    area: str = Field(description="The area's slug")
    organisation: str | None = Field(None, description="The addressed buyer's slug")
    place: str
    evidence: list[str]
    author: str
    author_is_frontline: bool
    status: str
    created_at: datetime
    support_count: int
    frontline_support_count: int
    answer_due_at: datetime | None
    answered_at: datetime | None
    duplicate_of: int | None
    supported: bool | None = Field(None, description="Whether you support it (signed in only)")

    # Read straight from the model (and its joined area, organisation and author), so a page of
    # needs is serialised from the one query that fetched it.
    @staticmethod
    def resolve_area(obj) -> str:
        return obj.area.slug

    @staticmethod
    def resolve_organisation(obj) -> str | None:
        return obj.organisation.slug if obj.organisation_id else None

    @staticmethod
    def resolve_evidence(obj) -> list[str]:
        return [line for line in obj.evidence.splitlines() if line]

    @staticmethod
    def resolve_author(obj) -> str:
        return obj.author.name

    @staticmethod
    def resolve_duplicate_of(obj) -> int | None:
        return obj.duplicate_of_id

    @staticmethod
    def resolve_supported(obj) -> bool | None:
        return getattr(obj, "supported", None)


class NeedIn(Schema):
    title: str = Field(max_length=150)
    description: str = Field(max_length=10_000)
    affects: str = Field(max_length=300)
    area: str = Field(description="An area's slug, from GET /areas")
    organisation: str | None = Field(None, description="A buying organisation's slug")
    place: str = Field("", max_length=200)
    evidence: list[str] = Field(default_factory=list, max_length=20)


class AnswerIn(Schema):
    status: str = Field(description="considering, adopted, declined, duplicate, solved or open")
    reason: str = Field(max_length=10_000)
    link_url: str = ""
    duplicate_of: int | None = None
    organisation: str | None = Field(
        None, description="For a need addressed to nobody: the buyer you answer for"
    )


class AnswerOut(Schema):
    id: int
    from_status: str
    to_status: str
    reason: str
    link_url: str
    duplicate_of: int | None
    organisation: str
    author: str
    created_at: datetime


class SupportOut(Schema):
    supported: bool
    support_count: int
    frontline_support_count: int


class IdeaOut(Schema):
    id: int
    title: str
    description: str
    need: int | None
    cost_band: str
    proposer: str
    on_behalf_of: str | None = Field(None, description="The supplier's slug")
    status: str
    created_at: datetime
    support_count: int
    frontline_support_count: int
    adopted_by: str | None
    adopted_at: datetime | None
    status_reason: str
    supported: bool | None = None

    @staticmethod
    def resolve_need(obj) -> int | None:
        return obj.need_id

    @staticmethod
    def resolve_proposer(obj) -> str:
        return obj.proposer.name

    @staticmethod
    def resolve_on_behalf_of(obj) -> str | None:
        return obj.on_behalf_of.slug if obj.on_behalf_of_id else None

    @staticmethod
    def resolve_adopted_by(obj) -> str | None:
        return obj.adopted_by.slug if obj.adopted_by_id else None

    @staticmethod
    def resolve_supported(obj) -> bool | None:
        return getattr(obj, "supported", None)


class IdeaIn(Schema):
    title: str = Field(max_length=150)
    description: str = Field(max_length=10_000)
    need: int | None = None
    cost_band: str = "unknown"
    on_behalf_of: str | None = Field(None, description="A supplier's slug you are a member of")


class AdoptIn(Schema):
    reason: str = Field(max_length=10_000)
    organisation: str | None = None


class WithdrawIn(Schema):
    reason: str = Field("", max_length=2_000)
