"""How every API list pages: limit and offset, with bounds, so an absurd offset is a 422 with
its field named rather than a database error."""

from ninja import Field, Schema
from ninja.conf import settings
from ninja.pagination import LimitOffsetPagination

MAX_OFFSET = 1_000_000_000


class Pagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(settings.PAGINATION_PER_PAGE, ge=1, le=settings.PAGINATION_MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)
