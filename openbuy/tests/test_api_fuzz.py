"""Fuzzing the JSON API against its committed OpenAPI document (schemathesis).

Every operation of ``openapi.json`` is called with generated requests, valid and invalid, as an
anonymous caller and as a supplier signed in with a personal API token, against the real WSGI
application (debug off, every middleware) over the demo data. No answer may be a server error,
and each must be documented: its status code, its content type, its body (against the response
schema) and its headers; an operation that needs authentication must refuse a request without
it, or with a token that is not valid.

Besides the generated requests, each operation gets schemathesis' "coverage" requests: the edge
values of every parameter and body field (shortest, longest, smallest, largest, each choice of
an enum).

Half the time a path parameter names a real object (a need, a process, a submission, a
release …) instead of the generated value, so operations are exercised past their 404s.
Generation is derandomised: every run sends the same requests.
"""

from __future__ import annotations

import io
import json
import zlib
from pathlib import Path

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import override_settings
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

OPENAPI = Path(__file__).resolve().parents[2] / "openapi.json"

config = schemathesis.Config.from_dict(
    {
        "generation": {"max-examples": 10, "deterministic": True},
        # The coverage requests give every parameter and body field its edge values. Their
        # invalid values too would triple the run; the generated requests are often invalid.
        "phases": {"coverage": {"generation": {"mode": "positive"}}},
    }
)
schema = schemathesis.openapi.from_path(OPENAPI, config=config)
# Requests go straight to the WSGI application, as gunicorn would hand them over, and so do the
# extra requests the authentication check sends.
schema.app = WSGIHandler()

# A schema-valid request may still be refused with a documented 422 for reasons no schema can
# say (a blank description, an area that does not exist, a deadline that has passed), so
# "valid data is accepted" is not asked; everything else schemathesis checks is.
EXCLUDED_CHECKS = [positive_data_acceptance]

# Which objects a path parameter names: (the path segment before it, its name) → model, field.
REAL_OBJECTS = {
    ("needs", "pk"): ("needs.Need", "pk"),
    ("ideas", "pk"): ("needs.Idea", "pk"),
    ("rankings", "pk"): ("needs.RankingRound", "pk"),
    ("organisations", "slug"): ("accounts.Organisation", "slug"),
    ("buyers", "slug"): ("accounts.Organisation", "slug"),
    ("members", "member_id"): ("accounts.Membership", "pk"),
    ("tokens", "token_id"): ("accounts.ApiToken", "pk"),
    ("comments", "pk"): ("discussion.Comment", "pk"),
    ("lessons", "pk"): ("lessons.Lesson", "pk"),
    ("specifications", "pk"): ("specifications.Specification", "pk"),
    ("versions", "number"): ("specifications.SpecVersion", "number"),
    ("suggestions", "suggestion_id"): ("specifications.Suggestion", "pk"),
    ("annotations", "annotation_id"): ("specifications.Annotation", "pk"),
    ("processes", "pk"): ("processes.Process", "pk"),
    ("phases", "number"): ("processes.Phase", "number"),
    ("gates", "number"): ("processes.Phase", "number"),
    ("criteria", "number"): ("processes.Criterion", "number"),
    ("questions", "question_id"): ("processes.Question", "pk"),
    ("invitations", "pk"): ("processes.Invitation", "pk"),
    ("invitations", "invitation_id"): ("processes.Invitation", "pk"),
    ("receipts", "sha256"): ("processes.Receipt", "sha256"),
    ("debriefs", "ref"): ("processes.Submission", "public_id"),
    ("submissions", "ref"): ("processes.Submission", "public_id"),
    ("awards", "award_id"): ("evaluation.Award", "pk"),
    ("contracts", "pk"): ("contracts.Contract", "pk"),
    ("milestones", "milestone_id"): ("contracts.Milestone", "pk"),
    ("outcomes", "outcome_id"): ("contracts.Outcome", "pk"),
    ("records", "ocid"): ("opendata.Record", "ocid"),
    ("releases", "release_id"): ("opendata.Release", "release_id"),
}
# Their values while the module's data is there.
REAL: dict[tuple[str, str], list] = {}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo data (every persona, needs, a ranking round, a specification, processes at
    each stage, an award and a contract, lessons, open data), made once for the module and
    rolled back after it; each test runs in a transaction of its own inside it."""
    from django.apps import apps

    from openbuy.accounts import services as accounts
    from openbuy.demo.personas import create_personas

    files = override_settings(
        MEDIA_ROOT=tmp_path_factory.mktemp("media"),
        OCDS_EXPORT_DIR=tmp_path_factory.mktemp("opendata"),
    )
    with files, django_db_blocker.unblock(), transaction.atomic():
        call_command("demo", stdout=io.StringIO())
        supplier = create_personas()["supplier"]
        token, secret = accounts.api_token_create(actor=supplier, name="fuzzing")
        # A second token, for the fuzzer to revoke without signing itself out.
        accounts.api_token_create(actor=supplier, name="laptop")
        for key, (label, field) in REAL_OBJECTS.items():
            REAL[key] = sorted(set(apps.get_model(label).objects.values_list(field, flat=True)))
        REAL[("tokens", "token_id")].remove(token.pk)
        yield {"anonymous": {}, "supplier": {"Authorization": f"Bearer {secret}"}}
        REAL.clear()
        transaction.set_rollback(True)


@pytest.fixture
def in_test_transaction(db):
    """As Django's test client does: the request must not close the database connection, which
    holds the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schemathesis.hook
def before_call(context, case, kwargs):
    """Three times in four, the path parameters name objects that exist instead of the generated
    values, so the operation is exercised past its 404. Which requests, and which objects, is
    decided by the generated values themselves, so a run sends the same requests every time.
    schemathesis checks the request again after this hook, so its checks see what is sent."""
    if not case.path_parameters:
        return
    digest = zlib.crc32(repr(sorted(case.path_parameters.items())).encode())
    if digest % 4 == 0:
        return
    segments = case.operation.path.split("/")
    for name, value in case.path_parameters.items():
        real = REAL.get((segments[segments.index("{" + name + "}") - 1], name))
        # A value of the wrong type is an invalid request on purpose: it is kept.
        if real and type(value) is type(real[0]):
            case.path_parameters[name] = real[digest // 4 % len(real)]


@pytest.mark.parametrize("who", ["anonymous", "supplier"])
@schema.parametrize()
# The module's data and the test's transaction are shared by an operation's examples on purpose:
# what one request creates, the next may find.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_api_answers_as_documented(case, who, world, in_test_transaction):
    case.call_and_validate(headers=world[who], excluded_checks=EXCLUDED_CHECKS)


# What the fuzzing found, kept as plain tests.


def test_an_api_address_that_matches_no_operation_answers_in_json(client, db):
    for path in ["/api/v1/ocds/releases/a%0Ab", "/api/v1/no-such-thing"]:
        response = client.get(path)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"detail": "Not found."}
    assert client.get("/no-such-page/")["Content-Type"].startswith("text/html")


def test_since_is_a_date_and_time_not_seconds_since_1970(client, db):
    for number in ["1700000000", "0.5", "-5"]:
        response = client.get("/api/v1/ocds/releases", {"since": number})
        assert response.status_code == 422, number
        assert [error["field"] for error in response.json()["errors"]] == ["query.since"]
    for moment in ["2026-01-31T09:00:00Z", "2026-01-31"]:
        assert client.get("/api/v1/ocds/records", {"since": moment}).status_code == 200


def test_since_may_be_in_any_time_zone_iso_8601_allows(client, db):
    # PostgreSQL refuses an offset beyond 15:59: this was a server error there.
    for moment in ["0565-03-02T00:57:11+22:16", "9052-05-29T21:54:30-16:59"]:
        assert client.get("/api/v1/ocds/records", {"since": moment}).status_code == 200
    # Moved into UTC, this one falls before the first day of the calendar.
    response = client.get("/api/v1/ocds/releases", {"since": "0001-01-01T00:00:00+10:00"})
    assert response.status_code == 422


def test_public_operations_are_documented_as_open_to_anyone():
    document = json.loads(OPENAPI.read_text())
    needs = document["paths"]["/api/v1/needs"]["get"]
    assert {} in needs["security"] and {"TokenAuth": []} in needs["security"]
    # A token that is not valid is refused even where none is needed.
    assert "401" in needs["responses"] and "422" in needs["responses"]
