"""What a visitor sees when the database will not take a write: a 503 that says nothing was
saved and nothing lost, not a 500.

The database may be read-only (a replica promoted late, a read-only mount, PostgreSQL's
``default_transaction_read_only`` during maintenance), full, or, on SQLite, still locked by
another writer after the busy timeout. Reads keep working meanwhile, so the site stays up for
them. The failed write was rolled back with its transaction (services write inside
``transaction.atomic``), so nothing half-done was kept.
"""

from __future__ import annotations

import logging
import sqlite3

from django.contrib.sessions.exceptions import SessionInterrupted
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render

logger = logging.getLogger(__name__)

# SQLite's primary result codes (https://sqlite.org/rescode.html): busy, read-only, full.
_SQLITE_CODES = {5, 8, 13}
# PostgreSQL SQLSTATEs: a write in a read-only transaction; class 53 is "insufficient
# resources" (disk full, out of memory).
_POSTGRES_READ_ONLY = "25006"
_POSTGRES_RESOURCES = "53"
RETRY_AFTER_SECONDS = 120


def cannot_write(exc: BaseException) -> bool:
    """Whether ``exc`` is the database refusing writes for now, rather than a bug."""
    if not isinstance(exc, DatabaseError):
        return False
    cause = exc.__cause__
    if isinstance(cause, sqlite3.Error):
        return (getattr(cause, "sqlite_errorcode", 0) & 0xFF) in _SQLITE_CODES
    sqlstate = getattr(cause, "sqlstate", None) or ""
    return sqlstate == _POSTGRES_READ_ONLY or sqlstate.startswith(_POSTGRES_RESOURCES)


def _refused_along(exc: BaseException | None) -> bool:
    """Whether ``exc``, or an exception it was raised from or while handling, is the database
    refusing writes (Django wraps a refused session save twice on its way out)."""
    seen = 0
    while exc is not None and seen < 10:
        if cannot_write(exc):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _connect_afresh() -> None:
    """Connect anew for the next request: this connection may be to a server that has become a
    standby, or carry the read-only default it started with (CONN_MAX_AGE keeps it), so that
    writes work again as soon as the database takes them. A transaction still open around the
    request (a test's) is its owner's to end."""
    if not connection.in_atomic_block:
        connection.close()


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's, except that a session the database cannot save now (read-only, full) does not
    turn a page that was only read into an error (Django answers 400, "session interrupted"):
    the page is sent and the session's change is not kept, a message shown once may show again.
    A write itself fails in its view first and gets the 503 page, whose session is not saved."""

    def process_response(self, request, response):
        try:
            return super().process_response(request, response)
        except (SessionInterrupted, DatabaseError) as exc:
            if not _refused_along(exc):
                raise
            logger.warning(
                "The database refused to save the session (%s %s): the page was sent without it",
                request.method,
                request.path,
            )
            _connect_afresh()
            return response


class WriteUnavailableMiddleware:
    """Answers 503 (a page, or JSON under /api/) when a view fails because the database cannot
    write. Listed last in MIDDLEWARE so that it sees a view's exception first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not cannot_write(exception):
            return None
        logger.error(
            "The database refused a write (%s %s): %s", request.method, request.path, exception
        )
        _connect_afresh()
        response: HttpResponse
        if request.path_info.startswith("/api/"):
            response = JsonResponse(
                {
                    "detail": (
                        "The service cannot save changes at the moment. Nothing was saved and "
                        "nothing was lost; try again later."
                    )
                },
                status=503,
            )
        else:
            response = render(request, "pages/503.html", status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
