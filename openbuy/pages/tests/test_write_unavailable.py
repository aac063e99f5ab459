"""When the database refuses writes (read-only, full), a write gets a 503 that says nothing was
lost, as a page or as JSON, and reads carry on; any other error is still the 500 page.

The database is made read-only for real: SQLite's ``query_only`` on the connection the test
client uses (the same "attempt to write a readonly database" a read-only file gives) and
PostgreSQL's read-only transaction (what a standby or ``default_transaction_read_only`` gives).
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.db import IntegrityError, connection, transaction

from openbuy.discussion.models import Comment
from openbuy.needs import services as needs
from openbuy.needs.areas import load_cpv_divisions
from openbuy.needs.models import Area, Support
from openbuy.pages.middleware import cannot_write


@pytest.fixture
def need(personas):
    load_cpv_divisions(Area)
    return needs.need_raise(
        actor=personas["resident"],
        title="The lift at Riverside station is broken",
        description="It has been out of order for months.",
        affects="Wheelchair users",
        area=Area.objects.first(),
        organisation=personas["council"],
    )


@contextmanager
def read_only_database():
    # Inside a savepoint: rolling back to it makes the test's transaction writable again.
    savepoint = transaction.savepoint()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA query_only = ON")
        else:
            cursor.execute("SET TRANSACTION READ ONLY")
    try:
        yield
    finally:
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA query_only = OFF")
        transaction.savepoint_rollback(savepoint)


def test_a_comment_while_the_database_is_read_only_gets_the_503_page(client, personas, need):
    client.force_login(personas["frontline"])
    with read_only_database():
        response = client.post(
            f"/comments/needs.need/{need.pk}/", {"body": "We see this every day at the desk."}
        )
        html = response.content.decode()
        assert response.status_code == 503
        assert response["Retry-After"] == "120"
        assert "Sorry, you cannot save changes at the moment" in html
        assert "Nothing that was already saved has been lost" in html
        assert "govuk-heading-l" in html and "Traceback" not in html
        # Reads carry on: the need's page, with no comment on it.
        page = client.get(f"/needs/{need.pk}/")
        assert page.status_code == 200
        assert "The lift at Riverside station is broken" in page.content.decode()
    assert not Comment.objects.exists()


def test_an_api_write_while_the_database_is_read_only_gets_a_json_503(call, personas, need, clock):
    assert call("get", "/api/v1/me", who="buyer").status_code == 200  # makes the token
    clock.shift(120)  # long enough for its next use to be noted
    with read_only_database():
        # Noting the token's use cannot be written; the read goes on regardless.
        assert call("get", "/api/v1/me", who="buyer").status_code == 200
        response = call("post", f"/api/v1/needs/{need.pk}/support", who="buyer")
        assert response.status_code == 503
        assert response["Content-Type"].startswith("application/json")
        assert "cannot save changes" in response.json()["detail"]
        assert response["Retry-After"] == "120"
        read = call("get", f"/api/v1/needs/{need.pk}", who="buyer")
        assert read.status_code == 200
        assert read.json()["support_count"] == 0
        assert call("get", "/api/v1/needs").status_code == 200
    assert not Support.objects.filter(user=personas["buyer"]).exists()


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_a_full_sqlite_database_gets_the_503_page_too(client, personas, need):
    client.force_login(personas["frontline"])
    with connection.cursor() as cursor:
        # Pages freed by earlier tests on this database would take the write: fill them first
        # (a table made inside the test's transaction, gone with it).
        cursor.execute("CREATE TABLE fill_up (b BLOB)")
        cursor.execute("PRAGMA page_size")
        (size,) = cursor.fetchone()
        for _ in range(100_000):  # bounded: one page at most per round
            cursor.execute("PRAGMA freelist_count")
            if cursor.fetchone()[0] == 0:
                break
            cursor.execute("INSERT INTO fill_up VALUES (zeroblob(%s))", [size // 2])
        cursor.execute("PRAGMA page_count")
        (pages,) = cursor.fetchone()
        # No room for another page: the next write fails with "database or disk is full".
        cursor.execute(f"PRAGMA max_page_count = {pages}")
    try:
        response = client.post(f"/comments/needs.need/{need.pk}/", {"body": "x" * 5000})
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA max_page_count = 1073741823")
    assert response.status_code == 503
    assert "Sorry, you cannot save changes at the moment" in response.content.decode()


def test_a_page_read_while_read_only_is_sent_though_its_session_cannot_be_saved(
    client, personas, need
):
    """Showing a message empties it from the session, a session write: the page must still be
    read (Django alone answers 400, "session interrupted")."""
    client.force_login(personas["frontline"])
    client.post(f"/needs/{need.pk}/support/", {"action": "support"})  # leaves a message
    with read_only_database():
        response = client.get(f"/needs/{need.pk}/")
        assert response.status_code == 200
        assert "You support this need. Thank you." in response.content.decode()
        assert client.get("/needs/").status_code == 200
    # The message was not taken away, as the session could not be saved: it shows once more.
    assert "You support this need. Thank you." in client.get(f"/needs/{need.pk}/").content.decode()
    assert "You support this need. Thank you." not in client.get("/needs/").content.decode()


def test_a_session_really_ended_elsewhere_is_still_refused(db, rf):
    """Signed out in another tab while this request ran: still Django's "session interrupted"
    (a 400), not taken for a database that cannot write."""
    from django.contrib.sessions.exceptions import SessionInterrupted
    from django.contrib.sessions.models import Session
    from django.http import HttpResponse

    from openbuy.pages.middleware import SessionMiddleware

    middleware = SessionMiddleware(lambda request: HttpResponse("page"))
    request = rf.get("/needs/")
    middleware.process_request(request)
    request.session["seen"] = True
    request.session.save()
    request.session["seen"] = False
    Session.objects.all().delete()  # the other tab signs out meanwhile
    with pytest.raises(SessionInterrupted):
        middleware.process_response(request, HttpResponse("page"))


def test_postgresql_refusals_are_told_apart_by_their_sqlstate():
    """Read-only (25006) and the insufficient-resources class (53: disk full, out of memory)
    are refusals; a constraint broken (23505) is not."""
    from django.db import IntegrityError, InternalError, OperationalError
    from psycopg import errors

    def raised(wrapper, cause):
        try:
            try:
                raise cause
            except Exception as exc:
                raise wrapper(str(exc)) from exc
        except wrapper as error:
            return error

    assert cannot_write(raised(OperationalError, errors.DiskFull("could not extend file")))
    assert cannot_write(raised(OperationalError, errors.OutOfMemory("out of memory")))
    assert cannot_write(raised(InternalError, errors.ReadOnlySqlTransaction("read-only")))
    assert not cannot_write(raised(IntegrityError, errors.UniqueViolation("duplicate key")))
    assert not cannot_write(raised(OperationalError, errors.QueryCanceled("timeout")))


def test_other_database_errors_are_not_taken_for_a_read_only_database(db):
    with pytest.raises(IntegrityError) as error, transaction.atomic(), connection.cursor() as c:
        c.execute("INSERT INTO needs_area (id) VALUES (NULL)")
    assert not cannot_write(error.value)
    assert not cannot_write(ValueError("attempt to write a readonly database"))


def test_a_write_refused_outside_a_view_gets_the_503_page_not_a_500(rf):
    """A session saved by its middleware fails after the view: Django's 500 handler runs."""
    import sqlite3

    from django.db import OperationalError

    from openbuy.pages.views import server_error

    refused = sqlite3.OperationalError("attempt to write a readonly database")
    refused.sqlite_errorcode = 8  # SQLITE_READONLY
    try:
        try:
            raise refused
        except sqlite3.OperationalError as cause:
            raise OperationalError(str(cause)) from cause
    except OperationalError:
        response = server_error(rf.get("/needs/"))
    assert response.status_code == 503
    assert response["Retry-After"] == "120"
    assert "Sorry, you cannot save changes at the moment" in response.content.decode()
    try:
        raise ValueError("a bug")
    except ValueError:
        assert server_error(rf.get("/needs/")).status_code == 500
