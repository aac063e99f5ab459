from datetime import datetime

from ninja import Router, Schema
from ninja.pagination import paginate

from openbuy.api_auth import optional_auth
from openbuy.api_pagination import Pagination
from openbuy.audit.selectors import public_events

router = Router(tags=["activity"])


class ActivityOut(Schema):
    id: int
    occurred_at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    summary: str
    changes: dict
    prev_hash: str
    hash: str

    @staticmethod
    def resolve_actor(obj) -> str:
        return obj.actor_label


@router.get(
    "/activity",
    response=list[ActivityOut],
    auth=optional_auth,
    summary="Public audit events, newest first",
)
@paginate(Pagination)
def activity_list(request):
    return public_events()
