from datetime import datetime
from decimal import Decimal

from ninja import Field, Schema

from openbuy.specifications.services import LIMITS


class SpecificationSummaryOut(Schema):
    id: int
    title: str
    summary: str
    organisation: str = Field(description="The buyer's slug")
    status: str
    version: int = Field(description="The current version's number")
    frozen_version: int | None = Field(None, description="The version cut for publication")
    value_amount: Decimal | None
    currency: str
    updated_at: datetime

    @staticmethod
    def resolve_organisation(obj) -> str:
        return obj.organisation.slug

    @staticmethod
    def resolve_version(obj) -> int:
        return obj.version_count

    @staticmethod
    def resolve_frozen_version(obj) -> int | None:
        return obj.frozen_version.number if obj.frozen_version_id else None


class SectionOut(Schema):
    key: str
    heading: str
    body: str = Field(description="Markdown")
    origins: list[int] = Field(
        description="For each paragraph of the body, the number of the version that introduced it"
    )


class SpecificationOut(SpecificationSummaryOut):
    needs: list[int]
    ideas: list[int]
    created_at: datetime
    frozen_at: datetime | None
    published_at: datetime | None
    sections: list[SectionOut]

    @staticmethod
    def resolve_needs(obj) -> list[int]:
        return [need.pk for need in obj.needs.all()]

    @staticmethod
    def resolve_ideas(obj) -> list[int]:
        return [idea.pk for idea in obj.ideas.all()]

    @staticmethod
    def resolve_sections(obj) -> list[dict]:
        return obj.current_version.sections


class VersionOut(Schema):
    number: int
    kind: str
    note: str
    author: str = Field(description="Who the words are credited to")
    recorded_by: str = Field(description="Who made the version")
    suggestion: int | None
    reverted_to: int | None = Field(None, description="The version brought back, for a revert")
    changed_sections: list[str]
    created_at: datetime

    @staticmethod
    def resolve_author(obj) -> str:
        return obj.author.name

    @staticmethod
    def resolve_recorded_by(obj) -> str:
        return obj.recorded_by.name

    @staticmethod
    def resolve_suggestion(obj) -> int | None:
        return obj.suggestion_id

    @staticmethod
    def resolve_reverted_to(obj) -> int | None:
        return obj.reverted_to.number if obj.reverted_to_id else None


class VersionDetailOut(VersionOut):
    sections: list[SectionOut]


class SectionDiffOut(Schema):
    key: str
    heading: str
    change: str = Field(description="added, removed, changed or same")
    old_heading: str
    html: str = Field(
        description="Word-level difference of the Markdown source, with <del> and <ins>"
    )


class DiffOut(Schema):
    from_version: int
    to_version: int
    sections: list[SectionDiffOut]


class ParagraphOut(Schema):
    index: int
    text: str = Field(description="The paragraph's Markdown")
    version: int | None
    author: str | None = Field(None, description="Who the paragraph is credited to")
    suggestion: int | None = Field(None, description="The accepted suggestion it came from")
    accepted_by: str | None = None


class ProvenanceSectionOut(Schema):
    key: str
    heading: str
    paragraphs: list[ParagraphOut]


class ProvenanceOut(Schema):
    version: int
    sections: list[ProvenanceSectionOut]


class FindingOut(Schema):
    rule: str
    title: str
    passage: str
    start: int = Field(description="Offset of the passage in the section's body")
    end: int
    why: str
    fix: str


class LintSectionOut(Schema):
    key: str
    words: int
    reading_ease: float | None
    findings: list[FindingOut]


class LintOut(Schema):
    version: int
    sections: list[LintSectionOut]


class SuggestionOut(Schema):
    id: int
    section_key: str
    section_heading: str
    base_version: int
    base_text: str
    proposed_text: str
    reason: str
    author: str
    on_behalf_of: str | None = Field(None, description="The organisation's slug")
    state: str
    outdated: bool = Field(description="Whether the section changed since the base version")
    decision_reason: str
    decided_at: datetime | None
    result_version: int | None
    created_at: datetime

    @staticmethod
    def resolve_base_version(obj) -> int:
        return obj.base_version.number

    @staticmethod
    def resolve_author(obj) -> str:
        return obj.author.name

    @staticmethod
    def resolve_on_behalf_of(obj) -> str | None:
        return obj.on_behalf_of.slug if obj.on_behalf_of_id else None

    @staticmethod
    def resolve_result_version(obj) -> int | None:
        return obj.result_version.number if obj.result_version_id else None

    @staticmethod
    def resolve_outdated(obj) -> bool:
        return bool(getattr(obj, "outdated", False))


class SuggestionIn(Schema):
    section_key: str = Field(max_length=60)
    proposed_text: str = Field(max_length=LIMITS["body"])
    reason: str = Field(max_length=LIMITS["reason"])
    base_version: int | None = Field(
        None, ge=1, le=2**31 - 1, description="The version you read; the current one if empty"
    )
    on_behalf_of: str | None = Field(None, description="Slug of an organisation you belong to")


class AcceptIn(Schema):
    reason: str = Field("", max_length=LIMITS["reason"])
    resolved_text: str | None = Field(
        None,
        max_length=LIMITS["body"],
        description="For an outdated suggestion: the reviewed combination of both changes",
    )
    reviewed_version: int | None = Field(
        None, ge=1, le=2**31 - 1, description="The version the combination was reviewed against"
    )


class ReasonIn(Schema):
    reason: str = Field(max_length=LIMITS["reason"])


class OptionalReasonIn(Schema):
    reason: str = Field("", max_length=LIMITS["reason"])


class AnnotationOut(Schema):
    id: int
    version: int = Field(description="The version the passage was quoted from")
    section_key: str
    paragraph: int
    quote: str
    start: int
    body: str
    author: str
    state: str
    outdated: bool = Field(description="Whether the quoted words are gone from the current text")
    created_at: datetime

    @staticmethod
    def resolve_version(obj) -> int:
        return obj.version.number

    @staticmethod
    def resolve_author(obj) -> str:
        return obj.author.name

    @staticmethod
    def resolve_outdated(obj) -> bool:
        return getattr(obj, "anchor", None) is None


class AnnotationIn(Schema):
    section_key: str = Field(max_length=60)
    paragraph: int = Field(ge=0, le=10_000)
    quote: str = Field("", max_length=LIMITS["quote"])
    start: int | None = Field(None, ge=0, le=10**6)
    body: str = Field(max_length=LIMITS["comment"])
