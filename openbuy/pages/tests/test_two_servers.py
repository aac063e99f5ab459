"""Two production servers on one PostgreSQL database and one Redis, as two hosts behind a load
balancer would run: whichever server a request reaches, writes are exact and nobody sees a page
older than a write made through the other.

Both run `openbuy serve --workers 2` with the production profile (Redis cache, sessions cached
in Redis and written to the database, the anonymous page cache of ADR 022), on a database the
tests commit to (transactional tests) so that the servers see it. People sign in through the
sign-in page on one server and then send their writes to either, with real CSRF tokens, from
one thread each. Only on PostgreSQL: two app servers on one SQLite file is not a deployment.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

import pytest
import redis
import requests
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test import override_settings

from openbuy import clock
from openbuy.accounts.models import Membership, Organisation, User
from openbuy.audit.services import verify_chain
from openbuy.needs.models import Need, Support
from openbuy.pages.tests.servers import Server, raise_needs, sign_in
from openbuy.processes import services as processes
from openbuy.processes.models import Process, Submission
from openbuy.specifications import services as specs

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="two app servers share a PostgreSQL database; SQLite is for one host",
    ),
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(180),
]

REDIS_URL = "redis://127.0.0.1:6379/12"  # a database of its own, emptied before each test
PASSWORD = "two-servers-password-2026"
SUPPORTERS = 12
NEEDS = 3
SUPPLIERS = 4
REVISIONS = 4  # a draft saved, then submitted and resubmitted three times
TIMEOUT = 30


@pytest.fixture(scope="module")
def servers(django_db_setup, tmp_path_factory):
    """Servers A and B, started together; stopped before the test database is dropped."""
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError as error:
        pytest.fail(f"these tests need Redis at {REDIS_URL}: {error}")
    folder = tmp_path_factory.mktemp("two-servers")
    pair = [Server(folder / name, redis_url=REDIS_URL) for name in ("a", "b")]
    try:
        for server in pair:
            server.launch()
        for server in pair:
            server.wait_until_ready()
        yield pair
    finally:
        for server in pair:
            server.stop()


@pytest.fixture
def shared_cache():
    """Redis as a fresh deployment has it: no sessions, pages, versions or rate limits left over
    from an earlier test (whose database has since been emptied)."""
    store = redis.Redis.from_url(REDIS_URL)
    store.flushdb()
    return store


@pytest.fixture
def people(personas):
    """``people(emails, organisation=None, role=None)``: verified accounts that sign in with
    PASSWORD (hashed once, with the production hasher the servers check it against)."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"]):
        hashed = make_password(PASSWORD)

    def _people(emails, organisation=None, role=None):
        made = []
        for email in emails:
            user = User.objects.create_user(email, name=email.split("@")[0].title())
            user.password = hashed
            user.save(update_fields=["password"])
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
            if organisation is not None:
                Membership.objects.create(user=user, organisation=organisation, role=role)
            made.append(user)
        return made

    return _people


# --- supports -----------------------------------------------------------------------------------


def test_supports_through_both_servers_end_exactly_as_each_person_left_them(
    servers, shared_cache, personas, people
):
    targets = raise_needs(personas, NEEDS)
    supporters = people([f"supporter{i:02}@example.org" for i in range(SUPPORTERS)])
    frontline = {u.pk for u in supporters[::3]}
    for user in supporters[::3]:
        Membership.objects.create(
            user=user, organisation=personas["council"], role=Membership.Role.FRONTLINE
        )
    tally = Tally()
    intended: set[tuple[int, int]] = set()
    runs = []
    for index, user in enumerate(supporters):
        plan = _toggles(index)
        intended |= {(user.pk, targets[n]) for n, times in enumerate(plan) if times % 2}
        session = requests.Session()
        sign_in(session, servers[index % 2].url, user.email, PASSWORD)
        runs.append(lambda s=session, i=index, p=plan: _toggle(s, servers, i, targets, p, tally))

    _run_together(runs)

    assert tally.problems == []
    # Every write answered with success (so none with a server error), and exactly once.
    assert tally.statuses == {200: sum(sum(_toggles(i)) for i in range(SUPPORTERS))}
    assert set(Support.objects.values_list("user_id", "need_id")) == intended
    for need in Need.objects.filter(pk__in=targets):
        wanted = [person for person, pk in intended if pk == need.pk]
        assert need.support_count == need.supports.count() == len(wanted), need.pk
        assert need.frontline_support_count == need.supports.filter(is_frontline=True).count()
        assert need.frontline_support_count == len(frontline.intersection(wanted)), need.pk
    chain = verify_chain()
    assert chain.ok, chain.problem


def _toggles(index: int) -> list[int]:
    """How many times person ``index`` changes their support for each need (1 to 4): odd ends
    supporting, even ends not."""
    return [1 + (index + n) % 4 for n in range(NEEDS)]


def _toggle(session, servers, index, targets, plan, tally) -> None:
    """Support, withdraw, support… each need its planned number of times, the needs in turn;
    the writes go to the two servers in turn, half through the page's form (as htmx sends it)
    and half through the API. Each answer must say the person is now where they asked to be."""
    sent = 0
    for round_ in range(max(plan)):
        for need, times in zip(targets, plan, strict=True):
            if round_ >= times:
                continue
            support = round_ % 2 == 0
            url = servers[(index + sent) % 2].url
            if (sent // 2) % 2:
                tally.answer(
                    f"API support={support} on {need}",
                    partial(
                        session.request,
                        "POST" if support else "DELETE",
                        f"{url}/api/v1/needs/{need}/support",
                        headers={"X-CSRFToken": session.cookies["csrftoken"]},
                        timeout=TIMEOUT,
                    ),
                    lambda answer, support=support: answer.json()["supported"] is support,
                )
            else:
                tally.answer(
                    f"form support={support} on {need}",
                    partial(
                        session.post,
                        f"{url}/needs/{need}/support/",
                        data={
                            "action": "support" if support else "unsupport",
                            "csrfmiddlewaretoken": session.cookies["csrftoken"],
                        },
                        headers={"HX-Request": "true"},
                        timeout=TIMEOUT,
                    ),
                    lambda answer, support=support: (
                        ("Withdraw my support" in answer.text) is support
                    ),
                )
            sent += 1


# --- the anonymous page cache ---------------------------------------------------------------


def test_a_page_kept_by_one_server_is_not_served_after_a_write_through_the_other(
    servers, shared_cache, personas, people
):
    a, b = servers
    (need,) = raise_needs(personas, 1)
    (person,) = people(["witness@example.org"])
    session = requests.Session()
    sign_in(session, b.url, person.email, PASSWORD)

    assert _anonymous_count(a, need) == 0
    assert shared_cache.keys("*pagecache:[0-9a-f]*[0-9a-f]"), "A did not keep the page for visitors"
    assert _anonymous_count(a, need) == 0  # now from the shared cache
    assert _anonymous_count(b, need) == 0

    supported = session.post(
        f"{b.url}/api/v1/needs/{need}/support",
        headers={"X-CSRFToken": session.cookies["csrftoken"]},
        timeout=TIMEOUT,
    )
    assert supported.status_code == 200 and supported.json()["support_count"] == 1
    assert _anonymous_count(a, need) == 1
    assert _anonymous_count(b, need) == 1

    withdrawn = session.post(
        f"{a.url}/needs/{need}/support/",
        data={"action": "unsupport", "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert withdrawn.status_code == 302
    assert _anonymous_count(b, need) == 0
    assert _anonymous_count(a, need) == 0


def _anonymous_count(server: Server, need: int) -> int:
    """The support count a visitor with no session sees on the need's page."""
    page = requests.get(f"{server.url}/needs/{need}/", timeout=TIMEOUT)
    assert page.status_code == 200
    assert not page.cookies  # nothing of the visitor's in it: a page that may be kept
    found = re.search(r'(\d+)</p>\s*<p class="govuk-body">supports?: ', page.text)
    assert found, "no support count on the need's page"
    return int(found.group(1))


# --- sealed submissions -------------------------------------------------------------------------


def test_suppliers_revising_through_both_servers_keep_one_submission_with_their_last_receipt(
    servers, shared_cache, personas, people
):
    tender = _live_tender(personas)
    criteria = [str(c.number) for c in tender.criteria.exclude(kind="price")]
    tally = Tally()
    last: dict[int, dict] = {}
    receipts: dict[int, list[str]] = {}
    runs = []
    for index in range(SUPPLIERS):
        organisation = Organisation.objects.create(
            name=f"Supplier {index} Ltd",
            slug=f"supplier-{index}-ltd",
            kind="supplier",
            size="small",
        )
        (staff,) = people(
            [f"staff{index}@example.org"], organisation, role=Membership.Role.SUPPLIER
        )
        session = requests.Session()
        sign_in(session, servers[index % 2].url, staff.email, PASSWORD)
        last[organisation.pk], receipts[organisation.pk] = {}, []
        runs.append(
            lambda s=session, i=index, o=organisation: _revise(
                s, servers, i, tender, criteria, last[o.pk], receipts[o.pk], tally
            )
        )

    _run_together(runs)

    assert tally.problems == []
    assert tally.statuses == {200: SUPPLIERS * REVISIONS}
    assert Submission.objects.filter(phase__process=tender).count() == SUPPLIERS
    for organisation_pk, answered in last.items():
        submission = Submission.objects.get(phase__process=tender, organisation_id=organisation_pk)
        assert submission.state == Submission.State.SUBMITTED
        assert submission.receipt == answered["receipt"]
        assert (
            list(submission.receipts.order_by("pk").values_list("sha256", flat=True))
            == (receipts[organisation_pk])
        )
        assert processes.submission_content(submission) == answered["content"]
    chain = verify_chain()
    assert chain.ok, chain.problem


def _revise(session, servers, index, tender, criteria, last, receipts, tally) -> None:
    """Save a draft, then submit and resubmit revisions, each through the other server; keep
    the last answer and every receipt issued, checking each receipt against its content."""
    for revision in range(REVISIONS):
        url = servers[(index + revision) % 2].url
        submit = revision > 0
        payload = {
            "answers": {number: f"Revision {revision} of supplier {index}." for number in criteria},
            "price": f"{1000 + 10 * index + revision}.00",
            "submit": submit,
        }

        def keep(answer, submit=submit, payload=payload) -> bool:
            saved = answer.json()
            canonical = json.dumps(saved["content"], sort_keys=True, separators=(",", ":"))
            if saved["content"]["answers"] != payload["answers"]:
                return False
            if submit and saved["receipt"] != hashlib.sha256(canonical.encode()).hexdigest():
                return False
            last.update(saved)
            if submit:
                receipts.append(saved["receipt"])
            return saved["state"] == ("submitted" if submit else "draft")

        tally.answer(
            f"revision {revision} of supplier {index}",
            partial(
                session.put,
                f"{url}/api/v1/processes/{tender.pk}/submission",
                json=payload,
                headers={"X-CSRFToken": session.cookies["csrftoken"]},
                timeout=TIMEOUT,
            ),
            keep,
        )


# --- shared ---------------------------------------------------------------------------------


@dataclass
class Tally:
    """Every answer's status, and every answer that was not what was asked for."""

    statuses: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, what: str, send: Callable, right: Callable) -> None:
        try:
            response = send()
        except requests.RequestException as error:
            with self.lock:
                self.problems.append(f"{what}: {error}")
            return
        ok = response.status_code == 200 and right(response)
        with self.lock:
            self.statuses[response.status_code] += 1
            if not ok:
                self.problems.append(f"{what}: {response.status_code} {response.text[:300]}")


def _run_together(runs: list[Callable[[], None]]) -> None:
    threads = [threading.Thread(target=run, daemon=True) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
        assert not thread.is_alive(), "a writer did not finish"


def _live_tender(personas) -> Process:
    """A council tender published now (the servers keep real time): submissions for 21 days."""
    buyer = personas["buyer"]
    spec = specs.specification_create(
        actor=buyer,
        organisation=personas["council"],
        title="Evening access to libraries",
        summary="Let people use the library after staff go home.",
        value_amount="60000",
    )
    specs.specification_freeze(actor=buyer, spec=spec)
    spec.refresh_from_db()
    process = processes.process_create(actor=buyer, specification=spec, kind="tender")
    phase = process.phases.get()
    now = clock.now()
    processes.phase_update(
        actor=buyer,
        process=process,
        number=phase.number,
        title=phase.title,
        description=phase.description,
        enquiry_end=now + timedelta(days=7),
        deadline=now + timedelta(days=21),
    )
    processes.process_publish(actor=buyer, process=process)
    process.refresh_from_db()
    return process
