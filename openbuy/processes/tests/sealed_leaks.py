"""The sealed-bid leak suite (its tests: ``test_leaks_before_the_deadline``,
``test_leaks_after_the_deadline``, ``test_leaks_after_opening``, each a test class per half of the
viewers, ``HALVES``, so that the test workers share them out): until a phase is opened, nobody but
the submitting organisation learns what was submitted to it, or how many submissions there are — on
any read path.

How it works, and why it cannot pass by accident (the machinery — paths, sweeps, comparison —
is in ``leakcheck``, shared with the evaluation's score leak suite):

* The read paths are not listed by hand. ``get_resolver()`` is walked and every URL pattern of
  the project — pages, the JSON API, feeds, open data, search, the activity log, notifications,
  organisation pages and the Django admin (every registered model's list, change, history and
  delete pages; if Submission, SubmissionFile or Receipt were ever registered, theirs too) —
  becomes concrete paths, each URL parameter filled with the ids that matter here: the tender,
  its phase, every submission and file reference, every receipt, the question, the persona
  organisations' slugs, the admin rows the submissions made. A parameter leakcheck does not
  know how to fill fails the test, so a new route cannot go unvisited. A few query strings are
  added: searches for part of a marker, receipt checks, the submission page for each supplier.
* Every path is requested (GET, redirects not followed) anonymously and as every persona; API
  paths that answer GET once with the session and once with a personal token. A server error
  fails the test: a page that crashes proves nothing. (Economies: the admin's pages are asked
  for by non-staff once per list only — the admin turns them all away alike — and the
  OpenAPI schema and docs by the anonymous visitor and the admin only.)
* The submissions hold unique markers — in the answers, the file's name and content, and the
  price — and have receipts. No response (body, Location or Content-Disposition) may hold
  another organisation's markers or receipt, nor say "2 submissions" or the like. As positive
  controls each submitting organisation does find its own marker (its submission, its file,
  the API), so the markers are really there to find; after opening the buyer's officers read
  the content, and the public sees the receipts but not the content.
* Counting is caught by comparing two worlds rather than by guessing at wording. Inside a
  savepoint two suppliers submit (one with a file) and a third saves a draft; every (viewer,
  path) response is recorded before the deadline and again after it (still unopened). The
  savepoint is rolled back — the same database, the same ids, no submissions — and the same
  requests are made again at the same frozen clock times. For every viewer who is not a
  submitter, every response must be byte-identical between the two worlds (CSRF tokens
  blanked): a page that does not change when two suppliers submit can tell neither what they
  sent nor how many they are. There are no exceptions, the site admin's audit log included.
  What signing in leaves behind (last sign-in, a token's last use) is made the same in both
  worlds first, and a redirect's flash message is dropped so it cannot colour the next page.
* After the deadline, and after opening, paths matching ``UNCHANGING`` (pages that show no
  process and do not depend on the clock: specifications, needs, ideas, accounts…) are not asked
  for again — they were at the first stage — which keeps the module to about a minute.
* E-mails run through the database queue, as in production (its admin pages are covered if it
  has any), and are checked to go to the submitters alone; so are notifications, with every
  persona following the tender so that a notice to followers would show.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from openbuy.accounts import services as accounts
from openbuy.accounts.models import Membership, Organisation, User
from openbuy.audit.models import AuditEvent
from openbuy.discussion import notifications
from openbuy.discussion.models import Notification
from openbuy.processes import services
from openbuy.processes.models import Receipt, Submission, SubmissionFile
from openbuy.processes.tests.leakcheck import (
    ANONYMOUS,
    Scene,
    Seen,
    admin_key,
    admin_rows,
    clients,
    compare,
    get,
    later,
    prime,
    read_paths,
    sweep,
)

MARK = "MARKER-7f3a"
FILE_MARK = "FILEBODY-2c9d"
FILE_NAME = f"{MARK}-plan.txt"
PRICE = "424242.17"
RIVAL_MARK = "RIVALMARK-91c2"
RIVAL_PRICE = "313131.13"
DRAFT_MARK = "DRAFTMARK-5e1d"
DRAFT_PRICE = "535353.53"

BLIND = [
    "resident",
    "frontline",
    "buyer",
    "org_admin",
    "other_buyer",
    "evaluator",
    "moderator",
    "admin",
]
OWNERS = ["supplier", "rival", "drafter"]
# Each stage's sweep is made by two tests, one per half of the viewers (a half costs about the
# same as the other), so that the two test workers share a stage out instead of one worker
# spending well over a minute on it while the other waits. The halves cover everyone.
HALVES = (
    [ANONYMOUS, "resident", "frontline", "buyer", "org_admin", "supplier"],
    ["other_buyer", "evaluator", "moderator", "admin", "rival", "drafter"],
)
assert sorted(HALVES[0] + HALVES[1]) == sorted([ANONYMOUS, *BLIND, *OWNERS])
RUNNERS = {"buyer", "org_admin"}  # may read submitted (not draft) content once opened
DAY = timedelta(days=1)
START = "2026-11-25T12:00:00Z"  # the tender fixture's publication time

# Wording that would give the number away even where a page may legitimately change: a number
# just before one of these words (looked for word first: thousands of pages are read).
COUNTED = (b"submission", b"bid", b"response", b"tenders received", b"entries", b"entrant")
NUMBER_BEFORE = re.compile(rb"\b(2|3|two|three)\s+(sealed\s+|new\s+)?$")
COUNT_FIELDS = re.compile(rb'"(submissions|submission_count|bids|entries)":\s*[1-9]')
# Searched for: part of a marker (a search for the whole of it would only be echoed back).
WORDS = (MARK.split("-")[1], DRAFT_MARK.split("-")[1])
DIFFERS = "differs with submissions"


@dataclass
class Stage(Scene):
    notified: int | None = None  # the last notification before the submissions

    def secrets(self, owner: str, *, opened: bool = False) -> list[str]:
        """What only ``owner``'s organisation may see (before opening)."""
        found = {
            "supplier": [MARK, FILE_MARK, "424242", "424,242"],
            "rival": [RIVAL_MARK, "313131", "313,131"],
            "drafter": [DRAFT_MARK, "535353", "535,353"],
        }[owner]
        submission = self.submissions.get(owner)
        if submission is not None and not opened:
            found += [r.sha256 for r in submission.receipts.all()]
        return found

    def forbidden(self, viewer: str, *, opened: bool = False) -> list[str]:
        hidden = []
        for owner in OWNERS:
            if owner == viewer:
                continue
            if opened and viewer in RUNNERS and owner != "drafter":
                continue  # the buyer's officers read what was submitted, once opened
            hidden += self.secrets(owner, opened=opened)
        return hidden


# --- setting the scene --------------------------------------------------------------------------


def set_stage(personas, tender, rival) -> Stage:
    """Everything but the submissions: a third supplier, an answered question, followers of the
    tender (so a notification to followers would show) and a token for everyone."""
    drafter = User.objects.create_user(
        "dora@example.org", "persona-password-123", name="Dora Drafter"
    )
    quiet = Organisation.objects.create(
        name="Quiet Drafts Ltd", slug="quiet-drafts-ltd", kind="supplier", size="small"
    )
    Membership.objects.create(user=drafter, organisation=quiet, role=Membership.Role.SUPPLIER)
    personas["drafter"] = drafter
    for user in (rival, drafter):  # as for every persona (allauth would add it on first visit)
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    question = services.question_ask(
        actor=personas["supplier"], process=tender, text="Is evening staffing in scope?"
    )
    services.question_answer(actor=personas["buyer"], question=question, answer="No.")
    stage = Stage(personas=personas, process=tender, question=question)
    for who in BLIND + OWNERS:
        notifications.follow(actor=personas[who], target=tender)
        _, secret = accounts.api_token_create(actor=personas[who], name="leaks")
        stage.tokens[who] = secret
    from openbuy.opendata import flags, publish

    publish.everything()  # the open data before any submission: submitting must not change it
    flags.refresh()
    stage.before = admin_rows()
    stage.notified = Notification.objects.order_by("-pk").values_list("pk", flat=True).first()
    tender.refresh_from_db()
    return stage


def submit_all(stage: Stage, submit, capture) -> None:
    process = stage.process
    plan = SimpleUploadedFile(
        FILE_NAME, f"Plan: {MARK} {FILE_MARK}\n".encode(), content_type="text/plain"
    )
    with capture(execute=True):
        stage.submissions["supplier"] = submit(
            process, "supplier", f"Our approach, {MARK}.", PRICE, add_files=[plan]
        )
        stage.submissions["rival"] = submit(process, "rival", f"Theirs, {RIVAL_MARK}.", RIVAL_PRICE)
        stage.submissions["drafter"] = submit(
            process, "drafter", f"Half-done, {DRAFT_MARK}.", DRAFT_PRICE, submit=False
        )
    ids = [s.pk for s in stage.submissions.values()]
    stage.files = list(SubmissionFile.objects.filter(submission_id__in=ids))
    stage.receipts = list(Receipt.objects.filter(submission_id__in=ids))
    assert len(stage.files) == 1 and len(stage.receipts) == 2
    # Publishing again after the submissions must change nothing anyone can see.
    from openbuy.opendata import flags, publish

    publish.everything()
    flags.refresh()


def _owner(viewer: str, path: str) -> bool:
    return viewer in OWNERS  # a submitter's own pages change when it submits


# --- checking what was seen -------------------------------------------------------------------


def check(stage: Stage, seen: dict, when: str, *, opened: bool = False) -> list[str]:
    """Every leak of a marker, a receipt or a count, and every server error."""
    problems = []
    forbidden: dict[str, list[str]] = {}
    naming = [stage.process.title, f"/processes/{stage.process.pk}/"]
    for (viewer, auth, path), response in seen.items():
        where = f"{when}: {viewer} ({auth}) GET {path} -> {response.status}"
        if response.status >= 500:
            problems.append(f"{where}: server error, nothing proved")
            continue
        text = response.text()
        if viewer not in forbidden:
            forbidden[viewer] = stage.forbidden(viewer, opened=opened)
        secrets = list(forbidden[viewer])
        if any(path.startswith(made) for made in stage.made):
            secrets += naming  # what the submissions left in the admin must not say where
        for secret in secrets:
            if secret in path:
                continue  # asked for, so echoed back: not a leak (and the worlds are compared)
            if shows(text, secret):
                problems.append(f"{where}: shows {secret!r}")
        counting = _counting(text) if not opened and viewer not in OWNERS else None
        if counting:
            problems.append(f"{where}: counts: {counting!r}")
    return problems


def shows(text: bytes, secret: str) -> bool:
    """Whether ``text`` shows ``secret``. A secret of digits alone (a price) is looked for as a
    number, not inside a run of hexadecimal digits: the activity log's SHA-256 fingerprints hold
    any given six digits now and then (seen once in CI, on PostgreSQL, whose ids, and so the
    hashes, depend on what ran before)."""
    if not secret.isdigit():
        return secret.encode() in text
    hexdigit = rb"[0-9a-fA-F]"
    return re.search(rb"(?<!%s)%s(?!%s)" % (hexdigit, secret.encode(), hexdigit), text) is not None


def _counting(text: bytes) -> str | None:
    lower = text.lower()
    for word in COUNTED:
        at = lower.find(word)
        while at != -1:
            number = NUMBER_BEFORE.search(lower, max(0, at - 24), at)
            if number:
                return (number.group(0) + word).decode()
            at = lower.find(word, at + 1)
    field = COUNT_FIELDS.search(lower)
    return field.group(0).decode() if field else None


# --- what the submitters alone see --------------------------------------------------------------


def own_views(stage: Stage, when: str) -> list[str]:
    """Positive controls: the markers are there to find, for their own organisation."""
    problems = []
    p = stage.process.pk
    own = {
        who: f"/processes/{p}/submissions/{s.public_id}/" for who, s in stage.submissions.items()
    }
    expected = {
        "supplier": [
            (own["supplier"], [MARK, FILE_NAME, PRICE]),
            (f"{own['supplier']}files/{stage.files[0].public_id}/", [FILE_MARK]),
            ("/api/v1/processes/submissions/mine", [MARK, stage.submissions["supplier"].receipt]),
            ("/processes/mine/", [stage.process.title]),
        ],
        "rival": [(own["rival"], [RIVAL_MARK])],
        "drafter": [(own["drafter"], [DRAFT_MARK])],
    }
    if when == "open":  # the form to revise it, while it can be
        expected["supplier"].append((f"/processes/{p}/submission/", [MARK, FILE_NAME, PRICE]))
        expected["rival"].append((f"/processes/{p}/submission/", [RIVAL_MARK]))
        expected["drafter"].append((f"/processes/{p}/submission/", [DRAFT_MARK]))
    for owner, checks in expected.items():
        made = clients(stage, owner)
        for path, wanted in checks:
            client = made["token" if path.startswith("/api/") else "session"]
            response = get(client, path)
            for text in wanted:
                if response.status != 200 or text.encode() not in response.body:
                    problems.append(
                        f"{when}: {owner} does not see {text!r} at {path} ({response.status})"
                    )
    return problems


def _audit_problems(stage: Stage) -> list[str]:
    """Whatever the submissions wrote to the audit chain names neither the process nor its
    buyer (the chain's admin pages are also compared between the worlds), and only the
    submitters were notified or emailed."""
    problems = []
    process = stage.process
    made = AuditEvent.objects.exclude(pk__in=stage.before[admin_key(AuditEvent)])
    naming = [process.title, f"process:{process.pk}", f"/processes/{process.pk}/"]
    for event in made:
        text = str(event.content())
        if event.object_type.startswith("processes.") or event.is_public:
            problems.append(f"audit event {event.pk} ({event.action}) is about the process")
        if event.organisation_id == process.organisation_id:
            problems.append(f"audit event {event.pk} is filed under the buyer")
        problems += [f"audit event {event.pk} names {n!r}" for n in naming if n in text]
        problems += [f"audit event {event.pk} shows {m!r}" for m in (MARK, RIVAL_MARK) if m in text]
    # Only the submitters hear (and, so the check is not empty, they do).
    submitters = {stage.personas[w].pk for w in ("supplier", "rival")}
    told = set()
    for note in Notification.objects.filter(pk__gt=stage.notified or 0):
        told.add(note.user_id)
        if note.user_id not in submitters:
            problems.append(f"notification to user {note.user_id}: {note.message}")
    if told != submitters:
        problems.append(f"the submitters were not all notified: {told}")
    emails = {stage.personas[w].email for w in ("supplier", "rival")}
    mailed = set()
    for task in DBTaskResult.objects.all():  # none before: e-mails are queued on commit
        to = set(task.args_kwargs.get("kwargs", {}).get("to", []))
        mailed |= to
        if to - emails:
            problems.append(f"e-mail about a submission to {sorted(to - emails)}")
    if mailed != emails:
        problems.append(f"the submitters were not all e-mailed their receipts: {mailed}")
    return problems


# --- the sweep before opening, in two worlds ---------------------------------------------------


@dataclass
class Sweep:
    paths: dict[str, str]
    seen: dict[tuple, Seen]  # with the submissions
    problems: list[str]


@dataclass
class World:
    """The fixtures a sealed-bid sweep starts from (the ``sealed_world`` fixture)."""

    personas: dict
    tender: Any
    submit: Callable
    rival: Any
    clock: Any
    settings: Any
    capture: Callable  # django_capture_on_commit_callbacks


def before_opening(world: World, *, after_deadline: bool, viewers: list[str]) -> Sweep:
    """Every read path as each of ``viewers`` (one of ``HALVES``), with two submissions and a
    draft, then again at the same frozen times without them (the savepoint rolled back); before
    the deadline, or after it (still unopened). Every difference a non-submitter could see is a
    problem."""
    clock, capture = world.clock, world.capture
    world.settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    stage = set_stage(world.personas, world.tender, world.rival)
    problems: list[str] = []
    when = "closed" if after_deadline else "open"
    with transaction.atomic():
        submit_all(stage, world.submit, capture)
        paths = read_paths(stage, WORDS)
        problems += _audit_problems(stage)
        if after_deadline:
            clock.shift(22 * DAY)
            # The pages that show no process and do not depend on the clock were asked for
            # before the deadline (test_leaks_before_the_deadline).
            paths = later(paths)
        prime(stage)
        problems += own_views(stage, when)
        two = sweep(stage, paths, viewers)
        problems += check(stage, two, when)
        transaction.set_rollback(True)
    # The same database, the same ids, the same times: without the submissions.
    assert not Submission.objects.exists() and not SubmissionFile.objects.exists()
    clock.move_to(START)
    if after_deadline:
        clock.shift(22 * DAY)
    prime(stage)
    none = sweep(stage, paths, [v for v in viewers if v not in OWNERS])
    problems += compare(two, none, when, skip=_owner, differs=DIFFERS)
    print(f"{len(paths)} paths; {len(two)} requests per sweep with submissions")
    return Sweep(paths, two, problems)
