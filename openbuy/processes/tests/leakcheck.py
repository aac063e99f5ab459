"""The machinery of the leak suites (processes/tests/sealed_leaks.py for sealed bids,
evaluation/tests/test_score_leaks.py for the panel's scores): every read path of the project,
requested as a persona, recorded so that two worlds can be compared byte for byte.

* :func:`read_paths` walks ``get_resolver()`` and turns every URL pattern — pages, the JSON API,
  feeds, open data, search, the activity log, notifications, organisation pages and the Django
  admin — into concrete paths, each URL parameter filled by :func:`values` (or :func:`pairs`)
  with the ids of the :class:`Scene`. A parameter it does not know how to fill fails the test,
  so a new route cannot go unvisited.
* :func:`sweep` requests every path (GET, redirects not followed) as each viewer: with the
  session, and API paths once more with a personal token.
* :func:`compare` lists every (viewer, path) whose response differs between two sweeps: one in
  a world with the secret, one in the same database with it rolled back.
"""

from __future__ import annotations

import itertools
import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.test import Client
from django.urls import URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

from openbuy.accounts import services as accounts
from openbuy.accounts.models import Membership, Organisation
from openbuy.processes.models import Process, Question, Receipt, Submission, SubmissionFile

ANONYMOUS = "anonymous"
NOPE = 999_999  # an id nothing has
NOISE = [
    (re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*'), rb"\1-"),
    (re.compile(rb'(data-csrf-token=")[^"]*'), rb"\1-"),
    (re.compile(rb'(nonce=")[^"]*'), rb"\1-"),
]
COMPARED_HEADERS = ("Content-Type", "Location", "Content-Disposition")
# Pages that depend neither on the clock nor on a process's status (nor show a process): a suite
# with several stages may sweep them once and leave them out of the later sweeps (:func:`later`).
UNCHANGING = re.compile(
    r"^/(account/|specifications/|api/v1/specifications|ideas/\d|api/v1/ideas/\d|rankings/"
    r"|api/v1/rankings/|api/v1/areas|api/v1/tokens|api/v1/me$|comments/|follow/|healthz"
    r"|needs/(\d|new|similar|awaiting|policy)|api/v1/needs/\d|api/v1/(openapi|docs)"
    r"|admin/(jsi18n|login|logout|password_change|autocomplete)"
    r"|organisations/(new|[^/]+/(edit|members|lessons))|api/v1/organisations/[^/]+/members"
    r"|lessons/|api/v1/lessons)"
)
# The same for everyone and slow to make: asked for by the anonymous visitor and the admin only.
STATIC = {"/api/v1/openapi.json", "/api/v1/docs", "/admin/jsi18n/", "/healthz"}
# Public data the same for every viewer (open data, dashboards): asked for at every moment, but by
# the anonymous visitor and the admin only.
FOR_EVERYONE = re.compile(r"^/(open-data/|insights/|api/v1/ocds/|api/v1/insights/)")


@dataclass
class Scene:
    """What the paths are made from and who asks for them."""

    personas: dict
    process: Process
    question: Question
    tokens: dict[str, str] = field(default_factory=dict)  # a personal API token per persona
    submissions: dict[str, Submission] = field(default_factory=dict)
    files: list[SubmissionFile] = field(default_factory=list)
    receipts: list[Receipt] = field(default_factory=list)
    before: dict[str, set] = field(default_factory=dict)  # each admin model's rows, before
    made: set[str] = field(default_factory=set)  # admin pages of the rows made since ``before``


# --- the read paths -----------------------------------------------------------------------------

_CHOICES: dict[str, list[str]] = {}  # a regex group's alternatives (the admin's app labels)


def template(pattern) -> str:
    if isinstance(pattern, RoutePattern):
        return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern))
    assert isinstance(pattern, RegexPattern), pattern
    regex = pattern._regex

    def group(match):
        name, body = match.group(1), match.group(2)
        if re.fullmatch(r"[\w|]+", body):
            _CHOICES[name] = body.split("|")
        return "{" + name + "}"

    return re.sub(r"\(\?P<(\w+)>([^)]*)\)", group, regex).lstrip("^").rstrip("$")


def templates() -> list[str]:
    found = []

    def walk(patterns, prefix):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + template(pattern.pattern))
            else:
                found.append("/" + prefix + template(pattern.pattern))

    walk(get_resolver().url_patterns, "")
    return found


def admin_key(model) -> str:
    return f"{model._meta.app_label}/{model._meta.model_name}"


def admin_rows() -> dict[str, set]:
    return {
        admin_key(model): set(model._default_manager.values_list("pk", flat=True))
        for model in admin.site._registry
    }


def admin_ids(scene: Scene, app: str, model_name: str) -> list[str]:
    """For a model's admin pages: every row made since ``scene.before``, and one that was there."""
    model = next(m for m in admin.site._registry if admin_key(m) == f"{app}/{model_name}")
    made = set(model._default_manager.values_list("pk", flat=True)) - scene.before[admin_key(model)]
    first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
    scene.made |= {f"/admin/{app}/{model_name}/{pk}/" for pk in made}
    ids = [first, *sorted(made, key=str)] if first is not None else sorted(made, key=str)
    return [str(pk) for pk in dict.fromkeys(ids)] or [str(NOPE)]


def slugs(*, every: bool) -> list[str]:
    """Every organisation's page; for what hangs off one, a buyer's and a supplier's."""
    organisations = Organisation.objects.order_by("pk")
    if not every:
        organisations = organisations.filter(
            slug__in=["riverside-borough-council", "patel-mobility-co-operative"]
        )
    return [o.slug for o in organisations]


def _refs(scene: Scene) -> list[str]:
    return [s.public_id for s in scene.submissions.values()]


def _pks(label: str, **lookup) -> list:
    from django.apps import apps

    return list(apps.get_model(label).objects.filter(**lookup).values_list("pk", flat=True))


def _ocids(label: str, field: str = "ocid") -> list[str]:
    from django.apps import apps

    return list(apps.get_model(label).objects.values_list(field, flat=True))


def values(scene: Scene, template: str, name: str) -> list:
    """What to put in one URL parameter, by the path segment before it."""
    p, personas = scene.process, scene.personas
    before = template[: template.index("{" + name + "}")].rstrip("/").rsplit("/", 1)[-1]
    subs = _refs(scene)
    need = p.specification.needs.first().pk
    known = {
        ("processes", "pk"): [p.pk],
        ("invitations", "pk"): [NOPE],
        ("new", "spec_pk"): [p.specification_id],
        ("phases", "number"): [1],
        ("gates", "number"): [ph.number for ph in p.phases.all()],
        ("criteria", "number"): [c.number for c in p.criteria.all()],
        ("questions", "question_pk"): [scene.question.pk],
        ("questions", "question_id"): [scene.question.pk],
        ("decide", "decision"): ["cancel", "unsuccessful"],
        ("submissions", "ref"): [*subs, "0" * 32],
        ("evaluation", "ref"): [*subs, "0" * 32],
        ("debriefs", "ref"): [*subs, "0" * 32],
        ("files", "file_ref"): [*(f.public_id for f in scene.files), "0" * 32],
        ("invitations", "invitation_pk"): [NOPE],
        ("invitations", "invitation_id"): [NOPE],
        ("receipts", "sha256"): [*(r.sha256 for r in scene.receipts), "0" * 64],
        ("organisations", "slug"): slugs(every=template.endswith(("{slug}/", "{slug}"))),
        ("members", "membership_id"): [Membership.objects.order_by("pk").first().pk],
        ("members", "member_id"): [personas["supplier"].pk],
        ("tokens", "token_id"): [NOPE],
        ("comments", "pk"): [NOPE],
        ("needs", "pk"): [need],
        ("files", "attachment_id"): [NOPE],
        ("policy", "slug"): slugs(every=False),
        ("new", "slug"): slugs(every=False),
        ("ideas", "pk"): [NOPE],
        ("lessons", "pk"): [*_pks("lessons.Lesson"), NOPE],
        ("rankings", "pk"): [NOPE],
        ("specifications", "pk"): [p.specification_id],
        ("suggestions", "suggestion_id"): [NOPE],
        ("annotations", "annotation_id"): [NOPE],
        ("sections", "key"): ["outcomes"],
        ("versions", "number"): [1],
        ("confirm-email", "key"): ["no-such-key"],
        ("admin", "url"): ["processes/submission/", "processes/"],
        ("sign", "award_pk"): [*_pks("evaluation.Award", process=p), NOPE],
        ("awards", "award_id"): [*_pks("evaluation.Award", process=p), NOPE],
        ("contracts", "pk"): [*_pks("contracts.Contract", process=p), NOPE],
        ("milestones", "milestone_pk"): [*_pks("contracts.Milestone", contract__process=p), NOPE],
        ("milestones", "milestone_id"): [*_pks("contracts.Milestone", contract__process=p), NOPE],
        ("{milestone_pk}", "verdict"): ["accept", "reject"],
        ("outcomes", "outcome_pk"): [*_pks("contracts.Outcome", contract__process=p), NOPE],
        ("flat", "kind"): ["csv", "xlsx", "nothing"],
        ("records", "ocid"): [*_ocids("opendata.Record"), "ocds-nothing"],
        ("releases", "release_id"): [*_ocids("opendata.Release", "release_id"), "nothing"],
        ("buyers", "slug"): slugs(every=True),
        ("outcomes", "outcome_id"): [*_pks("contracts.Outcome", contract__process=p), NOPE],
    }
    if (before, name) in known:
        return known[(before, name)]
    if name in _CHOICES:
        return _CHOICES[name]
    if name in ("uidb36", "key") and "password/reset/key" in template:
        return ["1"] if name == "uidb36" else ["no-such-key"]
    if name == "object_id" and template.startswith("/admin/"):
        app, model_name = template.split("/")[2:4]
        return admin_ids(scene, app, model_name)
    raise AssertionError(f"Fill the parameter {name!r} of {template} in leakcheck.values")


def pairs(scene: Scene, names: set[str]) -> list[dict] | None:
    """Parameters that only make sense together."""
    p = scene.process
    nope = "0" * 32
    ids = {
        "processes.process": [p.pk],
        "processes.submission": [s.pk for s in scene.submissions.values()],
        "processes.submissionfile": [f.pk for f in scene.files],
        "processes.receipt": [r.pk for r in scene.receipts],
        "processes.question": [scene.question.pk],
    }
    if names == {"pk", "ref", "file_ref"}:
        subs = _refs(scene)
        files = [f.public_id for f in scene.files]
        wrong = [(subs[0], nope), *((nope, f) for f in files[:1])]
        return [
            {"pk": p.pk, "ref": s, "file_ref": f}
            for s, f in [*itertools.product(subs, files), *wrong]
        ]
    if names == {"pk", "ref", "number"}:  # a submission's criterion (moderation)
        numbers = [c.number for c in p.criteria.all()]
        return [
            {"pk": p.pk, "ref": s, "number": n}
            for s, n in [*itertools.product(_refs(scene), numbers), (nope, numbers[0])]
        ]
    if names == {"label", "object_id"}:
        return [{"label": k, "object_id": v} for k, vs in ids.items() for v in vs]
    if names == {"content_type_id", "object_id"}:
        types = {
            f"{ct.app_label}.{ct.model}": ct.pk
            for ct in ContentType.objects.filter(app_label__in=["processes", "needs"])
        }
        return [
            {"content_type_id": types[k], "object_id": v}
            for k, vs in ids.items()
            if k in types
            for v in vs
        ]
    if names == {"kind", "slug"}:
        area = p.specification.needs.first().area.slug
        return [{"kind": "organisation", "slug": s} for s in slugs(every=False)] + [
            {"kind": "area", "slug": area}
        ]
    return None


def read_paths(scene: Scene, words: Iterable[str], extra: Iterable[str] = ()) -> dict[str, str]:
    """Every path to try, with the route it was made from. ``words`` are searched for (parts of
    the secrets: a search for the whole of one would only be echoed back); ``extra`` are further
    paths with query strings."""
    found = {}
    for made in templates():
        if made == "/account/logout/":
            continue  # a GET here may end the session the rest of the sweep uses
        names = re.findall(r"{(\w+)}", made)
        combos = pairs(scene, set(names))
        if combos is None:
            lists = [[(n, v) for v in values(scene, made, n)] for n in names]
            combos = [dict(c) for c in itertools.product(*lists)]
        for combo in combos:
            found.setdefault(made.format(**combo), made)
    p = scene.process.pk
    more = []
    for word in words:
        more += [
            f"/search/?q={word}",
            f"/api/v1/search?q={word}",
            f"/processes/?q={word}",
            f"/api/v1/processes?q={word}",
            f"/needs/?q={word}",
            f"/ideas/?q={word}",
            f"/admin/audit/auditevent/?q={word}",
        ]
    more += [f"/processes/receipts/?sha256={r.sha256}" for r in scene.receipts]
    more += [
        f"/processes/{p}/submission/?organisation={o.slug}"
        for o in Organisation.objects.filter(kind="supplier")
    ]
    more += [
        f"/admin/audit/auditevent/?q={scene.process.title.replace(' ', '+')}",
        "/admin/audit/auditevent/?is_public__exact=0",
        "/processes/feed/?kind=tender",
        f"/processes/?buyer={scene.process.organisation.slug}",
        "/processes/?status=open_for_submissions",
        f"/processes/{p}/evaluation/results/?phase=1",
        f"/api/v1/processes/{p}/evaluation/results?phase=1&limit=200",
        "/api/v1/activity?limit=200",
        "/api/v1/notifications?limit=200",
        "/api/v1/processes/submissions/mine?limit=200",
        *extra,
    ]
    for path in more:
        found.setdefault(path, "?" + path.split("?")[0])
    return found


def later(paths: dict[str, str]) -> dict[str, str]:
    return {path: route for path, route in paths.items() if not UNCHANGING.match(path)}


# --- requesting them ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    status: int
    headers: tuple
    body: bytes

    def text(self) -> bytes:
        return b"\n".join(v.encode() for _, v in self.headers) + b"\n" + self.body


def clients(scene: Scene, viewer: str) -> dict[str, Client]:
    session = Client(raise_request_exception=False)
    made = {"session": session}
    if viewer != ANONYMOUS:
        session.force_login(scene.personas[viewer])
        made["token"] = Client(
            raise_request_exception=False,
            HTTP_AUTHORIZATION=f"Bearer {scene.tokens[viewer]}",
        )
    return made


def prime(scene: Scene) -> None:
    """What signing in leaves behind (last sign-in, token last used), the same in both worlds
    whoever has or has not been active in one of them."""
    for who, secret in scene.tokens.items():
        accounts.api_token_authenticate(secret)
        Client().force_login(scene.personas[who])


def get(client: Client, path: str) -> Seen:
    response = client.get(path)
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    for pattern, blank in NOISE:
        body = pattern.sub(blank, body)
    headers = tuple((h, response[h]) for h in COMPARED_HEADERS if response.has_header(h))
    if getattr(getattr(response.wsgi_request, "_messages", None), "_queued_messages", None):
        # A flash message (the admin's "… doesn't exist") belongs to this response, not to
        # whatever page the sweep asks for next.
        session = client.session
        session.pop("_messages", None)
        session.save()
    return Seen(response.status_code, headers, body)


def sweep(scene: Scene, paths: dict[str, str], viewers: list[str]) -> dict[tuple, Seen]:
    """Every path as every viewer: ``{(viewer, "session" or "token", path): Seen}``."""
    # Thousands of expected 403s and 404s: their logged tracebacks would take longer than the
    # requests. Server errors are still logged, and the suites fail on them.
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        t0 = time.perf_counter()
        seen = _sweep_quietly(scene, paths, viewers)
        print("SWEEP", len(viewers), len(seen), round(time.perf_counter() - t0, 1))
        return seen
    finally:
        logger.setLevel(level)


def _sweep_quietly(scene: Scene, paths: dict[str, str], viewers: list[str]) -> dict[tuple, Seen]:
    cache.clear()
    seen = {}
    for viewer in viewers:
        made = clients(scene, viewer)
        admin_routes = set()
        for path, route in paths.items():
            if viewer not in (ANONYMOUS, "admin") and (
                path.split("?")[0] in STATIC or FOR_EVERYONE.match(path)
            ):
                continue
            if path.startswith("/admin/") and viewer != "admin":
                # The admin turns away whoever is not staff, whatever the path: its lists are
                # enough to show it, once each.
                if route in admin_routes or "{object_id}" in route:
                    continue
                admin_routes.add(route)
            response = seen[(viewer, "session", path)] = get(made["session"], path)
            if "token" in made and path.startswith("/api/") and response.status != 405:
                seen[(viewer, "token", path)] = get(made["token"], path)
    return seen


def compare(
    with_secret: dict,
    without: dict,
    when: str,
    *,
    skip: Callable[[str, str], bool] = lambda viewer, path: False,
    differs: str = "differs",
) -> list[str]:
    """Every (viewer, path) whose response is not byte-identical in the two worlds, but those
    ``skip(viewer, path)`` leaves out."""
    problems = []
    for key, seen in with_secret.items():
        viewer, auth, path = key
        if skip(viewer, path):
            continue
        none = without[key]
        if seen != none:
            detail = first_difference(none.text(), seen.text())
            problems.append(
                f"{when}: {viewer} ({auth}) GET {path}: {differs} "
                f"({none.status} -> {seen.status}): {detail}"
            )
    return problems


def first_difference(a: bytes, b: bytes) -> str:
    at = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    return f"without: {a[max(0, at - 60) : at + 60]!r} / with: {b[max(0, at - 60) : at + 60]!r}"
