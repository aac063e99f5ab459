"""openbuy's JSON API, /api/v1/: one django-ninja API, a router per app.

Authentication is a session cookie (with CSRF, as the pages) or a personal token in an
``Authorization: Bearer`` header. Errors are JSON: ``{"detail": …, "errors": [{"field": …,
"message": …}]}`` where ``field`` is a dotted path into the request.
"""

from __future__ import annotations

from http import HTTPStatus

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from openbuy.api_auth import OptionalAuth, signed_in


class OpenbuyAPI(NinjaAPI):
    """The API, whose OpenAPI document also lists the answers every operation shares.

    ninja documents only each operation's own ``response={...}``; the handlers below and the
    authentication add answers an operation does not declare itself, and a public operation
    also answers anonymous callers.
    """

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in schema["paths"].values():
            for operation in operations.values():
                _document_shared_answers(operation)
        # Public operations are documented with the token and session schemes instead.
        schema["components"].get("securitySchemes", {}).pop(OptionalAuth.__name__, None)
        return schema


def _document_shared_answers(operation: dict) -> None:
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    responses = operation["responses"]

    def add(status: HTTPStatus) -> None:
        responses.setdefault(int(status), {"description": status.phrase, "content": error})

    if operation.get("security") == [{OptionalAuth.__name__: []}]:
        # optional_auth: a token or a session when given, otherwise anonymous ({}).
        operation["security"] = [{"TokenAuth": []}, {"SessionAuth": []}, {}]
    if operation.get("security"):
        # A token that is not valid or has been revoked is refused, even where none is needed.
        add(HTTPStatus.UNAUTHORIZED)
    if operation.get("parameters") or operation.get("requestBody"):
        # A parameter or body that does not fit the schema: on_schema_error.
        add(HTTPStatus.UNPROCESSABLE_ENTITY)
    if operation.get("requestBody"):
        # A body that is not JSON at all: ninja's "Cannot parse request body".
        add(HTTPStatus.BAD_REQUEST)


api = OpenbuyAPI(
    title="openbuy API",
    version="1",
    description=(
        "Open, bottom-up public procurement. Public data needs no authentication; "
        "writes need a session or a personal API token (Authorization: Bearer obt_…)."
    ),
    urls_namespace="api-1",
    auth=signed_in,
)


def _field(loc) -> str:
    parts = [str(p) for p in loc]
    # ninja puts the body's parameter name after "body"; the client never sees that name.
    if len(parts) >= 2 and parts[0] == "body" and parts[1] == "payload":
        parts = parts[2:]
    elif parts and parts[0] in {"body", "query", "path"}:
        parts = parts[1:] if parts[0] == "body" else parts
    return ".".join(parts)


@api.exception_handler(NinjaValidationError)
def on_schema_error(request, exc: NinjaValidationError):
    errors = [{"field": _field(e.get("loc", [])), "message": e.get("msg", "")} for e in exc.errors]
    return api.create_response(
        request, {"detail": "The request has errors.", "errors": errors}, status=422
    )


@api.exception_handler(ValidationError)
def on_service_error(request, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        errors = [
            {"field": "" if field == "__all__" else field, "message": message}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    else:
        errors = [{"field": "", "message": message} for message in exc.messages]
    return api.create_response(
        request, {"detail": "The request has errors.", "errors": errors}, status=422
    )


@api.exception_handler(PermissionDenied)
def on_forbidden(request, exc):
    return api.create_response(
        request, {"detail": str(exc) or "You do not have permission to do that."}, status=403
    )


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return api.create_response(request, {"detail": "Not found."}, status=404)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    message = exc.message if exc.message != "Unauthorized" else "Sign in or send an API token."
    return api.create_response(request, {"detail": message}, status=401)


@api.exception_handler(OverflowError)
def on_overflow(request, exc):
    # A number in the path or query too large for the database: nothing can have that id.
    return api.create_response(request, {"detail": "Not found."}, status=404)


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


def _register_routers() -> None:
    from openbuy.accounts.api import router as accounts_router
    from openbuy.audit.api import router as audit_router
    from openbuy.contracts.api import router as contracts_router
    from openbuy.discussion.api import router as discussion_router
    from openbuy.evaluation.api import router as evaluation_router
    from openbuy.insights.api import router as insights_router
    from openbuy.lessons.api import router as lessons_router
    from openbuy.needs.api import router as needs_router
    from openbuy.opendata.api import router as opendata_router
    from openbuy.processes.api import router as processes_router
    from openbuy.specifications.api import router as specifications_router

    api.add_router("/", accounts_router)
    api.add_router("/", audit_router)
    api.add_router("/", needs_router)
    api.add_router("/", lessons_router)
    api.add_router("/", specifications_router)
    api.add_router("/", discussion_router)
    api.add_router("/", processes_router)
    api.add_router("/", evaluation_router)
    api.add_router("/", contracts_router)
    api.add_router("/", opendata_router)
    api.add_router("/", insights_router)


_register_routers()
