"""The score leak suite: before the award is published, no persona outside the panel reads any
score on any path (issue #6).

It reuses the sealed-bid leak suite's machinery (``openbuy.processes.tests.leakcheck``):

* Every URL pattern of the project becomes concrete paths, each parameter filled with the
  tender, its submissions and criteria, its question, the organisations, the admin's rows —
  the audit events the scoring made included — plus searches for part of each marker and the
  results page asked for by phase. A route nobody knows how to fill fails the test.
* The panel (Femi, council staff, and Eve, an invited expert) declared no conflict with either
  opened submission. Inside a savepoint they score every quality and social-value criterion
  of both, with a unique marker in each justification ("SCOREMARK-9x") and half-point values,
  one pair 4 points apart (7.5 and 3.5); the buyer moderates that disagreement with a marked
  reason ("MODMARK-44"). Then every path is requested: anonymously and as the resident, the
  other buyer, both bidders (Sam's co-op and Rhys's Northgate), the moderator and the site
  admin, each with their session and, for the API, a personal token. Every one follows the
  tender, so a notice to followers would show.
* No response may hold a marker; none may be a server error. The savepoint is rolled back —
  the same database, the same ids, the same frozen clock, no scores — and the same requests
  are made again: every response must be byte-identical, so a page that does not change when
  the panel scores can tell nobody a score, a reason, a spread or a ranking.
* The site admin reads the private audit log: decided here, they may see *that* the panel
  scored and moderated (who, when, which criterion: those audit pages differ between the
  worlds and are left out of the comparison), but never a value, a justification or a
  reason: on those pages no marker, no score value, no ``score``/``reason``/``justification``
  key. Every evaluation event is private until the award, and scoring tells or e-mails nobody.
* Positive controls: before the award the buyer's officers read every marker on the results
  page and in the API, each evaluator their own, and the admin reaches the scoring events'
  pages (so the checks above are not vacuous); after ``services.award`` the anonymous visitor
  reads the justifications and the moderation reason on the results page, in the API and on
  each bidder's debrief (page and API).
"""

from __future__ import annotations

import json
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import transaction
from django.test import Client

from openbuy.accounts import services as accounts
from openbuy.audit.models import AuditEvent
from openbuy.discussion import notifications
from openbuy.discussion.models import Notification
from openbuy.evaluation import selectors, services
from openbuy.evaluation.models import Moderation, Score
from openbuy.evaluation.tests.conftest import RHYS_ANSWER, SAM_ANSWER, open_phase
from openbuy.processes import services as process_services
from openbuy.processes.models import Receipt
from openbuy.processes.tests.leakcheck import (
    ANONYMOUS,
    Scene,
    admin_key,
    admin_rows,
    clients,
    compare,
    get,
    prime,
    read_paths,
    sweep,
)

# A sweep makes thousands of requests: minutes on a loaded machine, so a longer limit than the
# suite's five minutes (which stays the guard against a test that hangs).
pytestmark = [pytest.mark.django_db, pytest.mark.timeout(900)]

OUTSIDERS = ["resident", "other_buyer", "supplier", "rival", "moderator", "admin"]
PANEL = ["frontline", "evaluator"]
RUNNERS = ["buyer", "org_admin"]
VIEWERS = [ANONYMOUS, *OUTSIDERS]
# The sweep is made by two tests, one per half of the viewers (the admin's half is the smaller:
# the admin reads every admin page), so that the two test workers share it out.
HALVES = ([ANONYMOUS, "resident", "other_buyer", "supplier"], ["rival", "moderator", "admin"])
assert sorted(HALVES[0] + HALVES[1]) == sorted(VIEWERS)

# (evaluator, bidder, criterion kind): (score, justification). Sam's quality scores are 4 points
# apart (a disagreement: the default range is 2), the rest agree.
SCORES = {
    ("frontline", "supplier", "quality"): ("7.5", "SCOREMARK-91 justification: a clear plan."),
    ("evaluator", "supplier", "quality"): ("3.5", "SCOREMARK-92 justification: thin on risk."),
    ("frontline", "supplier", "social_value"): ("6.5", "SCOREMARK-93 justification: local."),
    ("evaluator", "supplier", "social_value"): ("7.5", "SCOREMARK-94 justification: apprentices."),
    ("frontline", "rival", "quality"): ("4.5", "SCOREMARK-95 justification: generic."),
    ("evaluator", "rival", "quality"): ("5.5", "SCOREMARK-96 justification: a help desk."),
    ("frontline", "rival", "social_value"): ("2.5", "SCOREMARK-97 justification: none offered."),
    ("evaluator", "rival", "social_value"): ("3.5", "SCOREMARK-98 justification: little."),
}
MODERATED = ("supplier", "quality", "5.5", "MODMARK-44 reason: the plan outweighs the risk.")


def _marks(bidder: str | None = None, by: str | None = None) -> list[str]:
    """The markers of a bidder's scores (or all), given by one evaluator (or all); the
    moderation's with all of them."""
    found = [
        j.split()[0]
        for (who, b, _), (_, j) in SCORES.items()
        if bidder in (None, b) and by in (None, who)
    ]
    return found + (["MODMARK-44"] if bidder in (None, MODERATED[0]) and by is None else [])


MARKS = _marks()
WORDS = ("SCOREMARK", "MODMARK")  # searched for: part of every marker
VALUES = sorted({v for v, _ in SCORES.values()} | {MODERATED[2]})
AUDIT = "/admin/audit/auditevent/"
# What an audit event must not carry before the award: a score's value or reason, by name.
SCORE_KEYS = re.compile(rb"(score|scores|agreed|reason|justification)(&quot;|&#x27;|\"|')\s*:")


@pytest.fixture
def opened(personas, tender, submit, rival, clock):
    """As the evaluation ``opened`` fixture, with an answered question first (so its pages and
    the follow/comment routes that take it are swept with real ids too)."""
    question = process_services.question_ask(
        actor=personas["supplier"], process=tender, text="Is evening staffing in scope?"
    )
    process_services.question_answer(actor=personas["buyer"], question=question, answer="No.")
    submit(tender, "supplier", text=SAM_ANSWER, price="1000")
    submit(tender, "rival", text=RHYS_ANSWER, price="800")
    return open_phase(personas, tender, clock)


def _scene(personas, process, submissions) -> Scene:
    """The panel has declared; every persona follows the tender and has an API token."""
    rival = personas["rival"]  # as for every persona (allauth would add it on first visit)
    EmailAddress.objects.create(user=rival, email=rival.email, verified=True, primary=True)
    scene = Scene(
        personas=personas,
        process=process,
        question=process.questions.get(),
        submissions=submissions,
        receipts=list(Receipt.objects.filter(submission__in=submissions.values())),
    )
    for who in [*OUTSIDERS, *PANEL, *RUNNERS]:
        notifications.follow(actor=personas[who], target=process)
        scene.tokens[who] = accounts.api_token_create(actor=personas[who], name="leaks")[1]
    from openbuy.opendata import flags, publish

    publish.everything()  # the open data as it stands, swept with everything else
    flags.refresh()
    scene.before = admin_rows()
    return scene


def _score(scene: Scene) -> None:
    """Every quality and social-value criterion of both submissions scored by both evaluators;
    the one disagreement moderated by the buyer."""
    personas, criteria = scene.personas, {c.kind: c for c in scene.process.criteria.all()}
    for (who, bidder, kind), (value, justification) in SCORES.items():
        services.score_set(
            actor=personas[who],
            submission=scene.submissions[bidder],
            criterion=criteria[kind],
            score=value,
            justification=justification,
        )
    bidder, kind, value, reason = MODERATED
    services.moderate(
        actor=personas["buyer"],
        submission=scene.submissions[bidder],
        criterion=criteria[kind],
        score=value,
        reason=reason,
    )
    assert Score.objects.count() == len(SCORES) and Moderation.objects.count() == 1


# --- checks -------------------------------------------------------------------------------------


def _check(scene: Scene, seen: dict) -> list[str]:
    """No marker anywhere, no server error; on the admin's pages of the events the scoring made,
    no score value or score key either."""
    problems = []
    for (viewer, auth, path), response in seen.items():
        where = f"before the award: {viewer} ({auth}) GET {path} -> {response.status}"
        if response.status >= 500:
            problems.append(f"{where}: server error, nothing proved")
            continue
        text = response.text()
        problems += [f"{where}: shows {m!r}" for m in MARKS if m.encode() in text]
        if any(path.startswith(made) for made in scene.made):
            if found := SCORE_KEYS.search(text):
                problems.append(f"{where}: shows a score field {found.group(0)!r}")
            for value in VALUES:
                for quoted in (f"&quot;{value}&quot;", f'"{value}"'):
                    if quoted.encode() in text:
                        problems.append(f"{where}: shows the score value {quoted!r}")
    return problems


def _admins_audit(viewer: str, path: str) -> bool:
    """The site admin's audit log may show that the panel scored (not what): left out of the
    comparison, and checked by ``_check`` instead."""
    return viewer == "admin" and path.startswith(AUDIT)


def _audit_problems(scene: Scene, notified: int) -> list[str]:
    """Evaluation events are private until the award and carry no value or reason; scoring
    notifies and e-mails nobody."""
    problems = []
    made = AuditEvent.objects.exclude(pk__in=scene.before[admin_key(AuditEvent)])
    if not made.filter(action="evaluation.scored").exists():
        problems.append("scoring left no audit event: the audit checks prove nothing")
    for event in AuditEvent.objects.filter(action__startswith="evaluation."):
        if event.is_public:
            problems.append(f"audit event {event.pk} ({event.action}) is public before the award")
    for event in made:
        text = json.dumps(event.content(), ensure_ascii=False).encode()
        if not event.action.startswith("evaluation."):
            problems.append(f"audit event {event.pk} ({event.action}) from scoring")
        if found := SCORE_KEYS.search(text):
            problems.append(f"audit event {event.pk} ({event.action}) has {found.group(0)!r}")
        problems += [
            f"audit event {event.pk} ({event.action}) shows {m!r}"
            for m in MARKS
            if m.encode() in text
        ]
        problems += [
            f"audit event {event.pk} ({event.action}) shows the score {v!r}"
            for v in VALUES
            if f'"{v}"'.encode() in text
        ]
    for note in Notification.objects.filter(pk__gt=notified):
        problems.append(f"scoring notified user {note.user_id}: {note.message}")
    problems += [f"scoring e-mailed {m.to}: {m.subject}" for m in mail.outbox]
    return problems


def _read(client: Client, path: str, wanted: list[str], who: str) -> list[str]:
    response = get(client, path)
    if response.status != 200:
        return [f"{who} cannot open {path} ({response.status})"]
    return [
        f"{who} does not see {m!r} at {path}" for m in wanted if m.encode() not in response.body
    ]


def _panel_reads(scene: Scene) -> list[str]:
    """Positive control: the markers are there, for the panel and the buyer's officers — all of
    them for the officers, who moderate; an evaluator's own at least (evaluators score
    independently: whether they see each other's is the evaluation tests' business)."""
    p = scene.process.pk
    problems = []
    for who in [*PANEL, *RUNNERS]:
        wanted = _marks(by=who if who in PANEL else None)
        made = clients(scene, who)
        problems += _read(made["session"], f"/processes/{p}/evaluation/results/", wanted, who)
        problems += _read(made["token"], f"/api/v1/processes/{p}/evaluation/results", wanted, who)
    return problems


# --- the test -----------------------------------------------------------------------------------


class _Half:
    viewers: list[str]

    def test_before_the_award_no_read_path_shows_anyone_outside_the_panel_a_score(
        self,
        personas,
        opened,
        sam_sub,
        rhys_sub,
        declared,
        clock,
        django_capture_on_commit_callbacks,
    ):
        _before_the_award(
            self.viewers, personas, opened, sam_sub, rhys_sub, django_capture_on_commit_callbacks
        )


class TestFirstHalfOfTheViewers(_Half):
    viewers = HALVES[0]


class TestSecondHalfOfTheViewers(_Half):
    viewers = HALVES[1]


def _before_the_award(viewers, personas, process, sam_sub, rhys_sub, capture):
    scene = _scene(personas, process, {"supplier": sam_sub, "rival": rhys_sub})
    notified = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    problems: list[str] = []
    with transaction.atomic():
        with capture(execute=True):
            _score(scene)
        paths = read_paths(scene, WORDS)
        problems += _audit_problems(scene, notified)
        prime(scene)
        scored = sweep(scene, paths, viewers)
        problems += _check(scene, scored)
        problems += _panel_reads(scene)
        transaction.set_rollback(True)
    # The same database, the same ids, the same time: without the scores.
    assert not Score.objects.exists() and not Moderation.objects.exists()
    prime(scene)
    unscored = sweep(scene, paths, viewers)
    problems += compare(scored, unscored, "before the award", skip=_admins_audit)

    # The sweep really went everywhere, and the admin really reached the scoring's audit events.
    p, sam, rhys = process.pk, sam_sub.public_id, rhys_sub.public_id
    quality = process.criteria.get(kind="quality").number
    for must in [
        f"/processes/{p}/",
        f"/processes/{p}/evaluation/",
        f"/processes/{p}/evaluation/results/",
        f"/processes/{p}/evaluation/results/?phase=1",
        f"/processes/{p}/evaluation/results/{sam}/{quality}/",
        f"/processes/{p}/evaluation/{sam}/",
        f"/processes/{p}/evaluation/award/",
        f"/processes/{p}/award/",
        f"/processes/{p}/debriefs/{sam}/",
        f"/processes/{p}/debriefs/{rhys}/",
        f"/processes/{p}/submissions/{rhys}/",
        f"/api/v1/processes/{p}",
        f"/api/v1/processes/{p}/timeline",
        f"/api/v1/processes/{p}/evaluation/results",
        f"/api/v1/processes/{p}/evaluation/results?phase=1&limit=200",
        f"/api/v1/processes/{p}/evaluation/panel",
        f"/api/v1/processes/{p}/evaluation/submissions/{sam}/answers",
        f"/api/v1/processes/{p}/debriefs/{rhys}",
        f"/api/v1/processes/{p}/award",
        "/processes/feed/",
        "/search/?q=SCOREMARK",
        "/activity/",
        "/api/v1/activity?limit=200",
        "/notifications/",
        "/open-data/",
        AUDIT,
    ]:
        assert must in paths, must
    made = sorted(m for m in scene.made if m.startswith(AUDIT))
    assert len(made) == len(SCORES) + 1, made  # a private event per score and the moderation
    for path in made if "admin" in viewers else ():  # the event's page, read only
        assert scored[("admin", "session", f"{path}change/")].status == 200, path
    for viewer, auth, path in [
        (ANONYMOUS, "session", f"/processes/{p}/"),
        ("supplier", "session", f"/processes/{p}/submissions/{sam}/"),
        ("rival", "token", f"/api/v1/processes/{p}"),
        ("resident", "token", "/api/v1/notifications"),
        ("admin", "session", AUDIT),
    ]:
        if viewer in viewers:
            assert scored[(viewer, auth, path)].status == 200, (viewer, auth, path)
    print(f"{len(paths)} paths; {len(scored)} requests per sweep")

    # After the award, everyone reads the scores and the reasons.
    _score(scene)
    rows = selectors.results(personas["buyer"], process.phase)
    top = max(rows, key=lambda r: r.total.total)
    with capture(execute=True):
        services.award(
            actor=personas["buyer"], process=process, submission=top.submission, rationale="Best."
        )
    anonymous = Client()
    problems += _read(anonymous, f"/processes/{p}/evaluation/results/", MARKS, "anonymous")
    problems += _read(anonymous, f"/processes/{p}/debriefs/{sam}/", _marks("supplier"), "anonymous")
    problems += _read(anonymous, f"/processes/{p}/debriefs/{rhys}/", _marks("rival"), "anonymous")
    problems += _read(anonymous, f"/api/v1/processes/{p}/evaluation/results", MARKS, "anonymous")
    for ref, bidder in ((sam, "supplier"), (rhys, "rival")):
        path = f"/api/v1/processes/{p}/debriefs/{ref}"
        problems += _read(anonymous, path, _marks(bidder), "anonymous")
    assert get(anonymous, f"/processes/{p}/award/").status == 200
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
