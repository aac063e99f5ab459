"""The production server killed outright (SIGKILL, the whole process group) in the middle of a
write load loses nothing it confirmed and leaves nothing half-written.

`openbuy serve` (gunicorn) runs as a subprocess on a free loopback port against the test
database, which the test commits to (a transactional test) so the server sees it. Four people,
signed in through the sign-in page, support needs through the API and comment through the page
form, with real CSRF tokens, from four threads. Mid-load the server is killed and started again,
and the load carries on. Then every write that was answered with success must be in the
database, each need's support count must equal its supports, and the audit chain must verify.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import pytest
import requests
from django.test import override_settings

from openbuy.audit.services import verify_chain
from openbuy.discussion.models import Comment
from openbuy.needs.models import Need, Support
from openbuy.pages.tests.servers import READY_SECONDS, Server, raise_needs, sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]

PASSWORD = "kill-test-password-2026"
WRITERS = ["resident", "frontline", "other_buyer", "supplier"]
NEEDS = 10
COMMENTS_EACH = 6  # under the posting limit of 10 comments in 10 minutes
KILL_AFTER = 12  # confirmed writes before the server is killed


def test_killing_the_server_mid_load_loses_no_confirmed_write(personas, bulk_posting, tmp_path):
    targets = raise_needs(personas, NEEDS)
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"]):
        for key in WRITERS:
            personas[key].set_password(PASSWORD)
            personas[key].save(update_fields=["password"])

    server = Server(tmp_path)
    server.start()
    try:
        load = Load(server.url)
        writers = [Writer(load, server.url, personas[key].email, key, targets) for key in WRITERS]
        for writer in writers:
            writer.sign_in()
        load.up.set()
        threads = [threading.Thread(target=writer.run, daemon=True) for writer in writers]
        for thread in threads:
            thread.start()

        assert load.wait_for(KILL_AFTER), "the load did not get going"
        load.up.clear()
        server.kill()
        confirmed_before_kill = len(load.confirmed)
        server.start()
        load.up.set()
        for thread in threads:
            thread.join(timeout=90)
            assert not thread.is_alive(), "a writer did not finish"
    finally:
        server.stop()

    assert load.refused == []
    assert confirmed_before_kill >= KILL_AFTER
    assert len(load.confirmed) > confirmed_before_kill, "nothing was written after the restart"
    for kind, email, what in load.confirmed:
        if kind == "support":
            assert Support.objects.filter(user__email=email, need_id=what).exists(), (email, what)
        else:
            assert Comment.objects.filter(author__email=email, body=what).exists(), (email, what)
    for need in Need.objects.all():
        assert need.support_count == need.supports.count(), need.pk
        assert need.frontline_support_count == need.supports.filter(is_frontline=True).count()
    chain = verify_chain()
    assert chain.ok, chain.problem
    assert chain.checked >= len(load.confirmed)


@dataclass
class Load:
    """What the writers share: whether the server is up, and every write it confirmed."""

    url: str
    up: threading.Event = field(default_factory=threading.Event)
    confirmed: list[tuple[str, str, object]] = field(default_factory=list)
    # Answers that were neither a success nor cut off by the kill (an error page, say).
    refused: list[str] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def confirm(self, kind: str, email: str, what: object) -> None:
        with self.changed:
            self.confirmed.append((kind, email, what))
            self.changed.notify_all()

    def wait_for(self, count: int) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: len(self.confirmed) >= count, timeout=60)


class Writer:
    """One signed-in person: supports each need (API, session and CSRF header) and comments on
    the first few (the page's form, with its CSRF token)."""

    def __init__(self, load: Load, url: str, email: str, key: str, targets: list[int]):
        self.load, self.url, self.email, self.key, self.targets = load, url, email, key, targets
        self.session = requests.Session()

    def sign_in(self) -> None:
        sign_in(self.session, self.url, self.email, PASSWORD)

    def run(self) -> None:
        for index, need in enumerate(self.targets):
            self._attempt(
                "support",
                need,
                lambda need=need: self.session.post(
                    f"{self.url}/api/v1/needs/{need}/support",
                    headers={"X-CSRFToken": self.session.cookies["csrftoken"]},
                    timeout=30,
                ),
                lambda response: response.status_code == 200 and response.json()["supported"],
            )
            if index < COMMENTS_EACH:
                body = f"Comment {index} from {self.key} on need {need}."
                self._attempt(
                    "comment",
                    body,
                    lambda need=need, body=body: self.session.post(
                        f"{self.url}/comments/needs.need/{need}/",
                        data={
                            "body": body,
                            "csrfmiddlewaretoken": self.session.cookies["csrftoken"],
                        },
                        allow_redirects=False,
                        timeout=30,
                    ),
                    lambda response: (
                        response.status_code == 302 and "#comment-" in response.headers["Location"]
                    ),
                )

    def _attempt(self, kind, what, send, succeeded) -> None:
        """One write; confirmed only on a success answer. A write cut off by the kill is of
        unknown outcome and is not retried (a retried comment would be posted twice)."""
        if not self.load.up.wait(timeout=READY_SECONDS):
            return
        try:
            response = send()
        except requests.RequestException:
            return
        if succeeded(response):
            self.load.confirm(kind, self.email, what)
        else:
            self.load.refused.append(
                f"{kind} by {self.email}: {response.status_code} {response.text[:300]}"
            )
