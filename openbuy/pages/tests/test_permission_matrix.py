"""Who may reach what: every URL pattern and every API operation, asked for by every persona,
compared with the table in ``permission_matrix.py``.

The routes are not listed by hand: the URL resolver and the OpenAPI document are walked, so a
new page or operation without a row fails the first test below; a cell that differs fails the
page or API test, which lists every differing cell at once. The world they run on (one of each
kind of object, all the council's) is built once per module and rolled back after it.

Also here: the posting limits, met through the API, and the Django admin's own sign-in form,
which a signed-in user could once reach without the throttle (found by this matrix).
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, TestCase, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from openbuy.accounts import services as accounts
from openbuy.accounts.models import Membership
from openbuy.api import api
from openbuy.discussion import services as discussion
from openbuy.evaluation.models import Award
from openbuy.lessons import services as lessons
from openbuy.lessons.models import Lesson
from openbuy.needs import ranking
from openbuy.needs import services as needs
from openbuy.needs.models import Area
from openbuy.opendata.mapping import ocid
from openbuy.opendata.models import Release
from openbuy.opendata.tests.conftest import START, World, build
from openbuy.pages.tests.permission_matrix import (
    ANONYMOUS,
    API,
    PAGES,
    PERSONAS,
    POSTS_TABLE,
    parse,
)
from openbuy.processes import services as processes
from openbuy.processes.models import Invitation, Process, Submission
from openbuy.specifications import services as specs

# Tells pytest-django to set the test database up (the world below is built in it).
pytestmark = pytest.mark.django_db

NOPE = 999_999  # an id nothing has
UNSAFE = {"post", "put", "patch", "delete"}


# --- the world ----------------------------------------------------------------------------------


@dataclass
class Objects:
    """The open-data world (processes of every kind at every stage, a contract) and, added here,
    what it lacks: an open need with a file, comment, idea and ranking round, a specification
    being drafted with a suggestion and an annotation, a draft process, a draft lesson, an
    unanswered question and a sealed file on the live tender, and an API token for everyone."""

    world: World
    media: Any = None  # where the world's uploaded files are
    need: Any = None
    attachment: Any = None
    comment: Any = None
    idea: Any = None
    round: Any = None
    spec: Any = None
    suggestion: Any = None
    annotation: Any = None
    lessons: dict[str, Lesson] = field(default_factory=dict)
    question: Any = None
    tokens: dict[str, str] = field(default_factory=dict)
    token_ids: dict[str, int] = field(default_factory=dict)

    @property
    def personas(self) -> dict:
        return self.world.personas

    def process(self, key: str) -> Process:
        return self.world.processes[key]


def add_the_rest(world: World) -> Objects:
    p = world.personas
    buyer, council = p["buyer"], p["council"]
    o = Objects(world=world)
    area = Area.objects.get(slug="construction-work")
    raised = [
        needs.need_raise(
            actor=p[who],
            title=f"Broken lift at the library ({who})",
            description="The lift has been broken for months.",
            affects="Wheelchair users",
            area=area,
            organisation=council,
        )
        for who in ("resident", "supplier")
    ]
    o.need = raised[0]
    o.attachment = needs.attachment_add(
        actor=p["resident"],
        need=o.need,
        upload=SimpleUploadedFile("evidence.txt", b"Photos of the lift.", "text/plain"),
    )
    o.comment = discussion.comment_post(actor=p["resident"], target=o.need, body="Still broken.")
    o.idea = needs.idea_propose(
        actor=p["supplier"], title="A stair climber", description="Until it is fixed.", need=o.need
    )
    o.round = ranking.round_open(actor=buyer, organisation=council, title="Spring", needs=raised)

    o.spec = specs.specification_create(
        actor=buyer, organisation=council, title="Library lift", summary="A working lift."
    )
    specs.section_edit(actor=buyer, spec=o.spec, key="outcomes", body="People reach every floor.")
    o.spec.refresh_from_db()
    o.suggestion = specs.suggestion_create(
        actor=p["supplier"],
        spec=o.spec,
        section_key="outcomes",
        proposed_text="Everyone reaches every floor.",
        reason="Clearer.",
    )
    o.annotation = specs.annotation_create(
        actor=p["resident"], spec=o.spec, section_key="outcomes", paragraph=0, body="Which floors?"
    )
    world.processes["draft"] = processes.process_create(
        actor=buyer, specification=o.spec, kind=Process.Kind.TENDER
    )

    o.lessons["published"] = Lesson.objects.filter(status=Lesson.Status.PUBLISHED).earliest("pk")
    o.lessons["draft"] = lessons.lesson_create(
        actor=buyer,
        organisation=council,
        publish=False,
        data={
            "title": "Ask for a demonstration",
            "tried": "Buying without one.",
            "happened": "It did not work.",
            "why": "Nobody saw it work first.",
            "do_differently": "Ask for one.",
        },
    )

    live = world.processes["live"]
    o.question = processes.question_ask(actor=p["supplier"], process=live, text="Weekend work?")
    processes.submission_save(
        actor=p["supplier"],
        process=live,
        organisation=p["coop"],
        answers={str(c.number): "Our answer." for c in live.criteria.exclude(kind="price")},
        price="9567.89",
        add_files=[SimpleUploadedFile("plan.txt", b"Our plan.", "text/plain")],
        submit=True,
    )
    for who in PERSONAS:
        if who != ANONYMOUS:
            made, o.tokens[who] = accounts.api_token_create(actor=p[who], name="matrix")
            o.token_ids[who] = made.pk
    for process in world.processes.values():
        process.refresh_from_db()
    return o


@pytest.fixture(scope="module")
def objects(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once for the module inside one transaction, rolled back after it; the clock stays
    at the world's last moment while the tests run."""
    media = tmp_path_factory.mktemp("matrix-media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media),
        time_machine.travel(START, tick=False) as traveller,
        transaction.atomic(),
    ):
        world = build(traveller)
        with TestCase.captureOnCommitCallbacks(execute=True):
            built = add_the_rest(world)
        built.media = media
        yield built
        transaction.set_rollback(True)


# --- the routes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """A page (``namespace:name``) or an API operation (``METHOD /path``): how to ask for it."""

    key: str
    method: str
    template: str  # the path with its parameters in braces: /needs/{pk}/


def page_routes() -> dict[str, Route]:
    """Every named URL pattern but the API's, by ``namespace:name``."""
    found: dict[str, Route] = {}

    def walk(patterns, namespace: str, prefix: str) -> None:
        for pattern in patterns:
            text = prefix + re.sub(
                r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)", _brace, str(pattern.pattern)
            )
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                walk(pattern.url_patterns, inner, text)
            elif isinstance(pattern, URLPattern) and pattern.name:
                key = f"{namespace}:{pattern.name}" if namespace else pattern.name
                found[key] = Route(key, "get", "/" + text.replace("^", "").replace("$", ""))

    walk(get_resolver().url_patterns, "", "")
    return {key: route for key, route in found.items() if not key.startswith("api-1:")}


def _brace(match: re.Match) -> str:
    return "{" + (match.group(1) or match.group(2)) + "}"


@functools.cache
def openapi() -> dict:
    return api.get_openapi_schema()


def api_routes() -> dict[str, Route]:
    """Every operation of the OpenAPI document, by ``METHOD /path`` (without /api/v1)."""
    found = {}
    for path, methods in openapi()["paths"].items():
        for method in methods:
            key = f"{method.upper()} {path.removeprefix('/api/v1')}"
            found[key] = Route(key, method, path)
    return found


def sample_body(route: Route, objects: Objects) -> bytes:
    """A body the operation's schema accepts, made from the OpenAPI document: every required
    field with a plain value of its type. It gets an unsafe operation past the schema to the
    service, which checks permission before it judges the values. Where a field names an
    object, it names one of the world's (ids depend on what ran before on this database)."""
    document = openapi()
    operation = document["paths"][route.template][route.method]
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return b"{}"
    body = _sample(content["schema"], document["components"]["schemas"])
    if route.key == "POST /processes":
        body["specification"] = objects.spec.pk
    return json.dumps(body).encode()


def _sample(schema: dict, components: dict) -> Any:
    if "$ref" in schema:
        return _sample(components[schema["$ref"].rsplit("/", 1)[-1]], components)
    for choice in ("anyOf", "oneOf", "allOf"):
        if choice in schema:
            options = [s for s in schema[choice] if s.get("type") != "null"]
            return _sample(options[0], components)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: _sample(properties[name], components) for name in schema.get("required", [])}
    if kind == "array":
        return [_sample(schema["items"], components) for _ in range(schema.get("minItems", 0))]
    if kind in {"integer", "number"}:
        return max(1, schema.get("minimum", 1))
    if kind == "boolean":
        return False
    formats = {"date": "2027-01-04", "date-time": "2027-01-04T12:00:00Z", "email": "x@example.org"}
    return formats.get(schema.get("format", ""), "x" * max(1, schema.get("minLength", 1)))


def rows_wanted(routes: dict[str, Route], variants: dict[str, list[str]]) -> dict[str, Route]:
    """The table's rows: one per route, or one per variant where ``variants`` names some."""
    return {
        f"{key}[{variant}]" if variant else key: route
        for key, route in routes.items()
        for variant in variants.get(key, [""])
    }


# Where it matters which of several objects a route is asked about: the row ``key[variant]``.
PAGE_VARIANTS = {
    "processes:detail": ["draft", "live", "evaluating", "awarded"],
    "lessons:detail": ["draft", "published"],
}
API_VARIANTS = {
    "GET /processes/{pk}": ["draft", "live"],
    "GET /lessons/{pk}": ["draft", "published"],
}

# Which process a process route is asked about (unless its variant says), by its path: the
# first that matches. The draft for drafting, the opened tender for the panel's work, the
# awarded tender for the award's pages, the staged competition for gates and invitations, the
# challenge for prizes, and the live tender (open for submissions) for everything else.
PROCESS_KEYS = {"draft", "live", "evaluating", "awarded", "staged", "challenge"}
PROCESS_FOR = [
    (re.compile(r"/submissions/\{ref\}/files/"), "live"),  # the sealed file
    (re.compile(r"/evaluation/prizes"), "challenge"),
    (re.compile(r"/evaluation/gate|/gates/|/invite|/invitations/|/next-phase"), "staged"),
    (re.compile(r"/evaluation/|/evaluation$|/submissions"), "evaluating"),
    (re.compile(r"/award|/debriefs/|/rate|/rating"), "awarded"),
    (re.compile(r"/edit|/phases/|/criteria|/lots|/publish"), "draft"),
]


def process_key(template: str, variant: str) -> str:
    if variant in PROCESS_KEYS:
        return variant
    return next((key for regex, key in PROCESS_FOR if regex.search(template)), "live")


def _invitation(o: Objects) -> Invitation:
    return Invitation.objects.get(
        phase__process=o.process("staged"), organisation__slug=o.personas["coop"].slug
    )


def values(o: Objects, route: Route, variant: str) -> dict[str, Any]:
    """What each URL parameter of ``route`` is."""
    p = o.personas
    kind = route.template.removeprefix("/api/v1").strip("/").split("/")[0]
    if route.template.removeprefix("/api/v1").startswith("/processes/invitations/"):
        kind = "invitations"
    process = o.process(process_key(route.template, variant))
    coop = (
        Submission.objects.filter(phase__process=process, organisation=p["coop"])
        .order_by("-phase__number")
        .first()
    )
    contract = o.world.contract
    award = Award.objects.get(process=o.process("awarded"))
    milestone = contract.milestones.order_by("pk").first()
    frontline = Membership.objects.get(user=p["frontline"]).pk
    pks = {
        "needs": o.need.pk,
        "ideas": o.idea.pk,
        "rankings": o.round.pk,
        "specifications": o.spec.pk,
        "comments": o.comment.pk,
        "contracts": contract.pk,
        "invitations": _invitation(o).pk,
    }
    if kind == "lessons":
        drafting = re.search(r"/(edit|publish)/$", route.template)
        pks["lessons"] = o.lessons[variant or ("draft" if drafting else "published")].pk
    return {
        "pk": pks.get(kind, process.pk),
        "slug": p["council"].slug,
        "membership_id": frontline,
        "member_id": frontline,
        "token_id": o.token_ids["buyer"],
        "label": "needs.need",
        "object_id": o.need.pk,
        "kind": "organisation" if kind == "needs" else "csv",
        "attachment_id": o.attachment.pk,
        "key": "outcomes" if kind == "specifications" else "no-such-key",
        "uidb36": "1",
        "suggestion_id": o.suggestion.pk,
        "annotation_id": o.annotation.pk,
        "number": 1,
        "spec_pk": o.spec.pk,
        "question_pk": o.question.pk,
        "question_id": o.question.pk,
        "decision": "cancel",
        "ref": coop.public_id if coop is not None else "0" * 32,
        "file_ref": getattr(coop and coop.files.first(), "public_id", "0" * 32),
        "invitation_pk": _invitation(o).pk,
        "invitation_id": _invitation(o).pk,
        "sha256": coop.receipts.latest("pk").sha256 if coop is not None else "0" * 64,
        "award_pk": award.pk,
        "award_id": award.pk,
        "milestone_pk": milestone.pk,
        "milestone_id": milestone.pk,
        "verdict": "accept",
        "outcome_pk": NOPE,
        "outcome_id": NOPE,
        "ocid": ocid(o.process("awarded")),
        "release_id": Release.objects.earliest("pk").release_id,
    }


def path_for(o: Objects, row: str, route: Route) -> str:
    """The path to ask for, every parameter filled with the world's objects."""
    _, variant = _split(row)
    admin_page = route.key.startswith("admin:")
    known = _admin_values(route) if admin_page else values(o, route, variant)
    return re.sub(r"\{(\w+)\}", lambda m: str(known[m.group(1)]), route.template)


def _admin_values(route: Route) -> dict[str, Any]:
    """The admin's pages: each model's first row (or an id nothing has, where it has none)."""
    from django.contrib import admin

    models = {f"{m._meta.app_label}_{m._meta.model_name}": m for m in admin.site._registry}
    model = models.get(route.key.removeprefix("admin:").rsplit("_", 1)[0])
    first = model._default_manager.order_by("pk").first() if model else None
    return {"object_id": first.pk if first else NOPE, "app_label": "accounts", "content_type_id": 1}


def _split(row: str) -> tuple[str, str]:
    match = re.fullmatch(r"(.+?)(?:\[(\w+)\])?", row)
    assert match
    return match.group(1), match.group(2) or ""


# --- asking -------------------------------------------------------------------------------------


def outcome(response) -> str:
    """The outcome class of a response: its status code, or ``signin`` for a redirect to the
    sign-in page (the Django admin's included, which is the same door)."""
    if response.status_code in {301, 302}:
        location = response["Location"]
        if location.startswith((reverse("account_login"), reverse("admin:login"))):
            return "signin"
    return str(response.status_code)


def page_clients(o: Objects) -> dict[str, Client]:
    clients = {}
    for who in PERSONAS:
        client = Client()
        if who != ANONYMOUS:
            client.force_login(o.personas[who])
        clients[who] = client
    return clients


def describe(differences: list[str], missing: dict[str, dict[str, str]]) -> str:
    lines = [f"{len(differences)} cells differ from the table:", *differences]
    if missing:
        lines += ["Rows missing from the table (as the site answers today):"]
        lines += [
            f"{row:<48}" + "".join(f"{cells[who]:<12}" for who in PERSONAS).rstrip()
            for row, cells in sorted(missing.items())
        ]
    return "\n".join(lines)


def compare(table: dict[str, dict[str, str]], seen: dict[str, dict[str, str]]) -> str:
    differences = [
        f"  {row} as {who}: expected {table[row][who]}, got {got}"
        for row, cells in sorted(seen.items())
        if row in table
        for who, got in cells.items()
        if table[row][who] != got
    ]
    missing = {row: cells for row, cells in seen.items() if row not in table}
    return describe(differences, missing) if differences or missing else ""


# --- the tests ----------------------------------------------------------------------------------


def test_every_route_has_a_row_and_every_row_a_route():
    """A new page or API operation fails here until it has its row in the table."""
    for table, wanted in (
        (parse(PAGES), rows_wanted(page_routes(), PAGE_VARIANTS)),
        (parse(API), rows_wanted(api_routes(), API_VARIANTS)),
    ):
        assert sorted(wanted.keys() - table.keys()) == [], "routes without a row in the table"
        assert sorted(table.keys() - wanted.keys()) == [], "rows of the table for no route"
    assert len(parse(PAGES)) > 190 and len(parse(API)) > 120


def test_the_message_lists_every_differing_cell_and_every_missing_row():
    table = {"needs:list": dict.fromkeys(PERSONAS, "200")}
    seen = {
        "needs:list": {**table["needs:list"], ANONYMOUS: "signin", "admin": "403"},
        "needs:new-page": dict.fromkeys(PERSONAS, "200"),
    }
    message = compare(table, seen)
    assert "needs:list as anonymous: expected 200, got signin" in message
    assert "needs:list as admin: expected 200, got 403" in message
    assert "2 cells differ" in message
    assert re.search(r"needs:new-page +200 +200", message)
    assert compare(table, {"needs:list": table["needs:list"]}) == ""


def test_every_page_answers_every_persona_as_the_table_says(objects, settings):
    settings.MEDIA_ROOT = objects.media
    clients = page_clients(objects)
    seen: dict[str, dict[str, str]] = {}
    for row, route in sorted(rows_wanted(page_routes(), PAGE_VARIANTS).items()):
        path = path_for(objects, row, route)
        seen[row] = {who: outcome(clients[who].get(path)) for who in PERSONAS}
    problems = compare(parse(PAGES), seen)
    assert not problems, problems


def test_every_api_operation_answers_every_persona_as_the_table_says(objects):
    """GET operations are read; the others are sent an empty JSON object inside a savepoint
    that is rolled back, so nothing one of them does reaches the next request."""
    client = Client()
    seen: dict[str, dict[str, str]] = {}
    for row, route in sorted(rows_wanted(api_routes(), API_VARIANTS).items()):
        path = path_for(objects, row, route)
        body = sample_body(route, objects)
        seen[row] = {}
        for who in PERSONAS:
            token = objects.tokens.get(who)
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            if route.method in UNSAFE:
                with transaction.atomic():
                    response = client.generic(
                        route.method.upper(), path, body, "application/json", headers=headers
                    )
                    transaction.set_rollback(True)
            else:
                response = client.get(path, headers=headers)
            seen[row][who] = outcome(response)
    problems = compare(parse(API), seen)
    assert not problems, problems


# --- the limits ---------------------------------------------------------------------------------

POSTS = {
    "comment": lambda o, i: (
        "/api/v1/comments",
        {"target": f"needs.need:{o.need.pk}", "body": f"Still broken, day {i}."},
    ),
    "need": lambda o, i: (
        "/api/v1/needs",
        {
            "title": f"Bench number {i} is broken",
            "description": "It wobbles.",
            "affects": "People who sit down",
            "area": "construction-work",
        },
    ),
    "idea": lambda o, i: ("/api/v1/ideas", {"title": f"Idea {i}", "description": "A plan."}),
    "suggestion": lambda o, i: (
        f"/api/v1/specifications/{o.spec.pk}/suggestions",
        {"section_key": "outcomes", "proposed_text": f"Version {i}.", "reason": "Clearer."},
    ),
    "annotation": lambda o, i: (
        f"/api/v1/specifications/{o.spec.pk}/annotations",
        {"section_key": "outcomes", "paragraph": 0, "body": f"Question {i}?"},
    ),
}


@pytest.mark.parametrize("kind", POSTS)
def test_posting_limits_bite_through_the_api(objects, kind):
    """One more post than the limit allows is refused with a reason, as a person meets it."""
    from openbuy.discussion import moderation

    client = Client(headers={"Authorization": f"Bearer {objects.tokens['other_buyer']}"})
    limit, _ = moderation.LIMITS[kind]
    with transaction.atomic():
        codes = []
        for i in range(limit + 1):
            path, body = POSTS[kind](objects, i)
            response = client.post(path, body, content_type="application/json")
            codes.append(response.status_code)
        transaction.set_rollback(True)
    assert codes[:limit] == [201] * limit
    assert codes[limit] == 422 and "Please wait" in response.content.decode()


def test_the_admin_sign_in_form_is_throttled_for_the_signed_in_too(objects):
    """A signed-in resident may not guess the admin's password through the admin's own form."""
    client = Client()
    client.force_login(objects.personas["resident"])
    admin = objects.personas["admin"].email
    for _ in range(6):
        client.post("/admin/login/", {"username": admin, "password": "a wrong guess"})
    client.post("/admin/login/", {"username": admin, "password": "persona-password-123"})
    assert client.session["_auth_user_id"] == str(objects.personas["resident"].pk)


# --- posting to the pages that only take posts --------------------------------------------------


def post_only_rows() -> list[str]:
    """The page rows whose route refuses a GET from everyone signed in (405): the buttons and
    small forms that act (support, adopt, close, publish, revert, ...)."""
    return sorted(
        row
        for row, cells in parse(PAGES).items()
        if all(cells[who] == "405" for who in PERSONAS if who != ANONYMOUS)
    )


# Where the world's object is past the state the action is for: put it back, for that request.
POST_SETUP = {
    # The staged competition's invitation was answered long ago; the page takes pending ones.
    "processes:invitation_respond": lambda o: Invitation.objects.filter(
        pk=_invitation(o).pk
    ).update(state=Invitation.State.PENDING),
}


def test_every_post_only_page_has_a_row_in_the_post_table():
    assert sorted(post_only_rows()) == sorted(parse(POSTS_TABLE))
    assert len(post_only_rows()) > 20


def test_every_post_only_page_answers_every_persona_as_the_table_says(objects, settings):
    """Each is sent an empty form as each persona, inside a savepoint that is rolled back. A
    persona who may act gets past the permission check to the form's own answer (a redirect
    back with a message, or the form again); one who may not is refused (403), or is not shown
    the object (404), or, signed out, sent to sign in. CSRF is checked by test_csrf.py."""
    settings.MEDIA_ROOT = objects.media
    clients = page_clients(objects)
    routes = rows_wanted(page_routes(), PAGE_VARIANTS)
    seen: dict[str, dict[str, str]] = {}
    for row in post_only_rows():
        path = path_for(objects, row, routes[row])
        seen[row] = {}
        for who in PERSONAS:
            with transaction.atomic():
                POST_SETUP.get(row, lambda o: None)(objects)
                seen[row][who] = outcome(clients[who].post(path, {}))
                transaction.set_rollback(True)
    problems = compare(parse(POSTS_TABLE), seen)
    assert not problems, problems
