"""Whole pages kept for anonymous visitors, and thrown away by any write (ADR 022).

Most requests are anonymous reads of pages that change only when someone writes. So a page
answered to a visitor with no session is kept in the shared cache, under its address, with the
**version** it was made under, and served from there to the next anonymous visitor while that is
still the version (one round trip reads both).

Correctness does not depend on anyone remembering to invalidate: every connection Django opens
watches its own statements (:func:`watch`), and when a transaction that wrote anything commits,
the version goes up, for every page at once. Only the writes listed in :data:`IGNORED` do not
count (sessions, the task queue: no page shows them). The version is read before the page is
made, so a page made from data older than a write can only be stored with a version that write
has already left behind.

What is never kept: anything for a visitor with a session or an API token, htmx fragments,
anything but a complete 200 answer, an answer that sets a cookie or says ``private`` /
``no-store``, and a page that used the CSRF token (it holds a secret of that visitor's).
Kept pages are made again after ``PAGE_CACHE_SECONDS`` (shown for up to ``LATE_SECONDS`` more
only while that is under way), which bounds how late a label worked out from the clock (“closes
in 2 hours”) can be.

It is on only where the cache is shared by every process (Redis): with a per-process cache a
write in one process could not reach the pages kept by another.

A visitor whose browser accepts gzip (every browser, most HTTP libraries) is served the kept page
compressed, compressed once when it is kept rather than on every request: an OCDS page of 100
releases is ~480 KB as it is and ~50 KB compressed, a needs list a fifth of its size. The two are
kept apart (the key says which), and both say ``Vary: Accept-Encoding``. Compressing cannot give
away a secret (BREACH guesses a secret from the compressed size of a page that also echoes the
attacker's text): a page holding one is never kept, so never compressed here.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import re
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

logger = logging.getLogger(__name__)

VERSION_KEY = "pagecache:version"
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|TRUNCATE|COPY)\b", re.IGNORECASE)
# Writes no page shows: sessions, the task queue, and the time someone last signed in.
IGNORED = (
    '"django_session"',
    '"django_tasks_db_dbtaskresult"',
    'SET "last_login" = %s WHERE',
)
NEVER_KEPT = ("private", "no-store", "no-cache")
# When a page is missing (after every write, all are), the first request for it makes it and the
# others asking at the same time wait for that one rather than each making it again: a crowd
# arriving just after a write costs one page, not one per visitor. They look every POLL_SECONDS,
# and give up and make it themselves after WAIT_SECONDS, or at once if the first request ends
# without keeping it. MAKING_SECONDS bounds the claim of a request that died while making it.
POLL_SECONDS = 0.01
WAIT_SECONDS = 3.0
MAKING_SECONDS = 10
# A page past its PAGE_CACHE_SECONDS is still right if nothing was written since (its version is
# current); only labels worked out from the clock may have moved on. For up to LATE_SECONDS more,
# while one request makes it again, the others are shown it rather than waiting.
LATE_SECONDS = 10
# What is worth compressing: text of at least a kilobyte (below that gzip's own framing and the
# work outweigh the bytes saved).
COMPRESSED_TYPES = ("text/", "application/json", "application/xml", "application/rss+xml")
COMPRESS_FROM_BYTES = 1024


def _seconds() -> int:
    return int(getattr(settings, "PAGE_CACHE_SECONDS", 0))


# -- the version ----------------------------------------------------------------------------


def _first_version() -> int:
    """Where a lost version starts again: the time in microseconds, past any version a kept page
    can have been made under (that would take more writes than microseconds went by)."""
    return time.time_ns() // 1000


def version() -> int:
    found = cache.get(VERSION_KEY)
    if found is None:
        cache.add(VERSION_KEY, _first_version(), timeout=None)
        found = cache.get(VERSION_KEY, 1)
    return int(found)


def invalidate() -> None:
    """Every kept page is out of date: the next request for each makes it anew."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # no version yet, or Redis lost it (emptied, or evicted under memory
        cache.add(VERSION_KEY, _first_version(), timeout=None)  # pressure) while pages stayed


def watch(execute, sql, params, many, context):
    """An execute wrapper on every connection: after a statement that writes, the version
    moves on when its transaction commits (at once outside a transaction), once per
    transaction however many statements it wrote, and not at all if it rolls back."""
    result = execute(sql, params, many, context)
    if isinstance(sql, str) and WRITE.match(sql) and not any(t in sql for t in IGNORED):
        connection = context["connection"]
        # Django drops a rolled-back transaction's callbacks from this list, ours included.
        if not any(entry[1] is invalidate for entry in connection.run_on_commit):
            transaction.on_commit(invalidate, using=connection.alias, robust=True)
    return result


def install(sender=None, connection=None, **kwargs) -> None:
    """``connection_created``: watch the new connection's writes."""
    if connection is not None and watch not in connection.execute_wrappers:
        connection.execute_wrappers.append(watch)


# -- the middleware -------------------------------------------------------------------------


class AnonymousPageCache:
    """Serve anonymous GETs from the shared cache, and keep what may be kept."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        seconds = _seconds()
        if not seconds or not _may_serve(request):
            return self.get_response(request)
        try:
            key = _key(request)
            number, kept = _lookup(key)  # before anything reads the database
        except Exception:  # the cache is down: serve without it
            logger.warning("page cache unavailable", exc_info=True)
            return self.get_response(request)
        if kept is not None and _fresh(kept):
            return _rebuilt(kept)
        making = f"{key}:{number}:making"
        try:
            first = cache.add(making, 1, timeout=MAKING_SECONDS)
        except Exception:
            logger.warning("page cache unavailable", exc_info=True)
            return self.get_response(request)
        if not first:
            if kept is not None:  # past its time, but nothing was written since: the others
                return _rebuilt(kept)  # see it while one request makes it again
            kept = _wait_for(key, making, number)
            if kept is not None:
                return _rebuilt(kept)
        try:
            response = self.get_response(request)
            if _may_keep(request, response):
                patch_vary_headers(response, ["Accept-Encoding"])
                kept = _kept(response, seconds, number)
                if _accepts_gzip(request) and (compressed := _compressed(kept)) is not kept:
                    kept = compressed
                    response = _rebuilt(kept)  # this visitor too is sent it compressed
                try:
                    cache.set(key, kept, timeout=seconds + LATE_SECONDS)
                except Exception:
                    logger.warning("page cache unavailable", exc_info=True)
        finally:
            if first:
                _release(making)
        return response


def _release(making: str) -> None:
    try:
        cache.delete(making)
    except Exception:  # the claim expires after MAKING_SECONDS anyway
        logger.warning("page cache unavailable", exc_info=True)


def _pause() -> None:
    time.sleep(POLL_SECONDS)


def _lookup(key: str) -> tuple[int, Kept | None]:
    """The current version, and the page kept under ``key`` if it was made under that version:
    one round trip to the cache."""
    found = cache.get_many([VERSION_KEY, key])
    number = found.get(VERSION_KEY)
    if number is None:
        number = version()
    return int(number), _of_version(found.get(key), number)


def _of_version(kept, number: int) -> Kept | None:
    """``kept`` if it is a page made under version ``number`` (older pages, and pages kept in
    an earlier format, are not)."""
    return kept if kept is not None and len(kept) == 5 and kept[0] == number else None


def _wait_for(key: str, making: str, number: int) -> Kept | None:
    """The page another request is making, once it is kept; None as soon as that request
    has finished without keeping it (or after ``WAIT_SECONDS``): then make it here too."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        _pause()
        try:
            found = cache.get_many([key, making])
        except Exception:
            return None
        kept = _of_version(found.get(key), number)
        if kept is not None:
            return kept
        if making not in found:
            return None
    return None


def _may_serve(request: HttpRequest) -> bool:
    return (
        request.method == "GET"
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "Authorization" not in request.headers
        and "HX-Request" not in request.headers
    )


def _may_keep(request: HttpRequest, response: HttpResponse) -> bool:
    control = response.get("Cache-Control", "").lower()
    user = getattr(request, "user", None)
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not any(word in control for word in NEVER_KEPT)
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and (user is None or not user.is_authenticated)
    )


def _accepts_gzip(request: HttpRequest) -> bool:
    """Does ``Accept-Encoding`` list gzip, with a quality above zero?"""
    for part in request.headers.get("Accept-Encoding", "").split(","):
        coding, _, parameters = part.partition(";")
        if coding.strip().lower() not in ("gzip", "x-gzip"):
            continue
        quality = parameters.strip().lower()
        if not quality.startswith("q="):
            return True
        try:
            return float(quality[2:]) > 0
        except ValueError:
            return False
    return False


def _key(request: HttpRequest) -> str:
    asked = "\n".join(
        [
            request.scheme or "",
            request.get_host(),
            request.get_full_path(),
            request.headers.get("Accept", ""),
            "gzip" if _accepts_gzip(request) else "",
        ]
    )
    return f"pagecache:{hashlib.sha256(asked.encode()).hexdigest()}"


# (version made under, status, headers, content, fresh until)
Kept = tuple[int, int, list[tuple[str, str]], bytes, float]


def _kept(response: HttpResponse, seconds: int, number: int) -> Kept:
    return (
        number,
        response.status_code,
        list(response.items()),
        response.content,
        time.time() + seconds,
    )


def _compressed(kept: Kept) -> Kept:
    """The page gzip-compressed, when it is text worth compressing and not already encoded."""
    number, status, headers, content, until = kept
    named = {name.lower(): value for name, value in headers}
    if (
        len(content) < COMPRESS_FROM_BYTES
        or "content-encoding" in named
        or not named.get("content-type", "").startswith(COMPRESSED_TYPES)
    ):
        return kept
    body = gzip.compress(content, compresslevel=6, mtime=0)
    if len(body) >= len(content):
        return kept
    headers = [(n, v) for n, v in headers if n.lower() != "content-length"]
    headers += [("Content-Encoding", "gzip"), ("Content-Length", str(len(body)))]
    return (number, status, headers, body, until)


def _fresh(kept: Kept) -> bool:
    return kept[4] > time.time()


def _rebuilt(kept: Kept) -> HttpResponse:
    status, headers, content = kept[1:4]
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response[name] = value
    return response
