"""The production server, over real HTTP, while its PostgreSQL database will not take writes:
a failover that leaves it on a standby, or ``default_transaction_read_only`` set for
maintenance. Reads carry on; every write is answered with the 503 page (or JSON under /api/)
and nothing is written; the workers are not restarted over and over; the server starts while
the database is read-only; and writes work again as soon as the database takes them, with no
restart. SQLite's read-only and full-disk cases, and PostgreSQL's disk-full answer, are tested
in process (test_write_unavailable.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests
from django.db import connection
from django.test import override_settings

from openbuy.discussion.models import Comment
from openbuy.needs.models import Support
from openbuy.pages.tests.servers import Server, raise_needs, sign_in

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="PostgreSQL's read-only mode, across connections; SQLite's is tested in process",
    ),
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(180),
]

PASSWORD = "read-only-password-2026"
TIMEOUT = 30
WORKERS = 2  # Server runs `openbuy serve --workers 2`


def _set_read_only(on: bool) -> None:
    """New sessions of the test database start read-only (or no longer do)."""
    name = connection.ops.quote_name(connection.settings_dict["NAME"])
    with connection.cursor() as cursor:
        if on:
            cursor.execute(f"ALTER DATABASE {name} SET default_transaction_read_only = on")
        else:
            cursor.execute(f"ALTER DATABASE {name} RESET default_transaction_read_only")


def _cut_other_sessions() -> None:
    """As a failover does: every other session of the test database is ended."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def _workers(server: Server) -> set[int]:
    """The gunicorn worker processes under the server's master process."""
    assert server.process is not None
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a process that ended while we looked
        if int(fields[1]) == server.process.pid:
            found.add(int(stat.parent.name))
    return found


def _boots(server: Server) -> int:
    return len(re.findall(r"Booting worker", server.log.read_text()))


class Person:
    """A resident signed in through the sign-in page, writing as a browser and an API client do."""

    def __init__(self, server: Server, email: str):
        self.server, self.session = server, requests.Session()
        sign_in(self.session, server.url, email, PASSWORD)

    def get(self, path: str) -> requests.Response:
        return self.session.get(f"{self.server.url}{path}", timeout=TIMEOUT)

    def support(self, need: int) -> requests.Response:
        return self.session.post(
            f"{self.server.url}/api/v1/needs/{need}/support",
            headers={"X-CSRFToken": self.session.cookies["csrftoken"]},
            timeout=TIMEOUT,
        )

    def comment(self, need: int, body: str) -> requests.Response:
        return self.session.post(
            f"{self.server.url}/comments/needs.need/{need}/",
            data={"body": body, "csrfmiddlewaretoken": self.session.cookies["csrftoken"]},
            allow_redirects=False,
            timeout=TIMEOUT,
        )


def _assert_refused(person: Person, need: int, body: str) -> None:
    answer = person.support(need)
    assert answer.status_code == 503, answer.text[:300]
    assert "cannot save changes" in answer.json()["detail"]
    assert answer.headers["Retry-After"]
    page = person.comment(need, body)
    assert page.status_code == 503, page.text[:300]
    assert "Sorry, you cannot save changes at the moment" in page.text
    assert "Nothing that was already saved has been lost" in page.text


def test_a_read_only_database_gets_the_503_page_reads_carry_on_and_writes_come_back(
    personas, tmp_path
):
    need, other = raise_needs(personas, 2)
    resident = personas["resident"]
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"]):
        resident.set_password(PASSWORD)
        resident.save(update_fields=["password"])
    server = Server(tmp_path)
    server.start()
    try:
        person = Person(server, resident.email)
        _set_read_only(True)
        _cut_other_sessions()

        # Reads carry on, signed in or not.
        for path in ("/healthz", "/needs/", f"/needs/{need}/", "/api/v1/needs"):
            assert person.get(path).status_code == 200, path
        assert requests.get(f"{server.url}/needs/", timeout=TIMEOUT).status_code == 200

        # Every write is refused with the page or JSON, and the workers stay up.
        workers, boots = _workers(server), _boots(server)
        assert len(workers) == WORKERS
        for attempt in range(6):
            _assert_refused(person, need, f"Written while read-only, attempt {attempt}.")
        assert server.process is not None and server.process.poll() is None
        assert _workers(server) == workers, "workers were restarted"
        assert _boots(server) == boots

        # Started again while the database is still read-only: it comes up and serves.
        server.stop()
        server.start()
        assert person.get(f"/needs/{need}/").status_code == 200
        _assert_refused(person, need, "Written after the restart, still read-only.")

        # The database takes writes again: at most one refusal per worker (each connects afresh
        # after refusing), then every write goes through, with no restart.
        _set_read_only(False)
        answers = [person.comment(other, f"Back to normal, comment {n}.") for n in range(6)]
        answers.append(person.support(other))
    finally:
        server.stop()
        _set_read_only(False)

    statuses = [answer.status_code for answer in answers]
    assert set(statuses) <= {302, 200, 503}, statuses
    assert statuses.count(503) <= WORKERS, statuses
    assert statuses[-1] == 200 and answers[-1].json()["supported"]
    saved = set(Comment.objects.filter(author=resident).values_list("body", flat=True))
    for number, answer in enumerate(answers[:-1]):
        assert (f"Back to normal, comment {number}." in saved) == (answer.status_code == 302)
    # Nothing sent while read-only was kept.
    assert not any("read-only" in body for body in saved)
    assert list(Support.objects.filter(user=resident).values_list("need_id", flat=True)) == [other]
