from datetime import datetime
from typing import Literal

from ninja import Field, Schema


class OrganisationOut(Schema):
    slug: str
    name: str
    kind: Literal["buyer", "supplier"]
    size: str = Field(description="micro, small, medium or large; empty for buyers")
    is_social_enterprise: bool
    time_zone: str
    description: str
    website: str
    created_at: datetime


class OrganisationIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["buyer", "supplier"]
    size: Literal["", "micro", "small", "medium", "large"] = ""
    is_social_enterprise: bool = False
    time_zone: str = "Europe/London"
    description: str = ""
    website: str = ""


class OrganisationPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    size: Literal["", "micro", "small", "medium", "large"] | None = None
    is_social_enterprise: bool | None = None
    time_zone: str | None = None
    description: str | None = None
    website: str | None = None


class MemberOut(Schema):
    id: int
    name: str
    role: str
    role_label: str
    email: str | None = Field(None, description="Shown only to the organisation's admins")


class MemberIn(Schema):
    email: str = Field(min_length=3, max_length=254)
    role: Literal["frontline", "buyer", "supplier", "admin"]


class MemberPatch(Schema):
    role: Literal["frontline", "buyer", "supplier", "admin"]


class MembershipOut(Schema):
    organisation: str = Field(description="The organisation's slug")
    organisation_name: str
    role: str


class MeOut(Schema):
    id: int
    email: str
    name: str
    site_role: str
    memberships: list[MembershipOut]


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The secret. Shown once: store it now.")


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=100)


class ErrorItem(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    detail: str
    errors: list[ErrorItem] = []
