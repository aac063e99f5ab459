"""The shared pages: home, error pages, health check, activity, the layout."""

import json
from pathlib import Path
from unittest import mock

import pytest
from django.db import DatabaseError
from django.test import RequestFactory
from django.urls import reverse

from openbuy.api import api
from openbuy.audit import services as audit
from openbuy.pages import views

ROOT = Path(__file__).resolve().parents[3]


def test_home_explains_the_platform_to_a_first_time_visitor(client, personas):
    html = client.get("/").content.decode()
    assert "<h1" in html and "Raise a need" in html and "Create an account" in html
    # Layout: skip link, service name, phase banner, footer links to open data and the API.
    assert 'href="#main-content"' in html
    assert "govuk-phase-banner" in html
    assert reverse("opendata:index") in html
    assert reverse("api-1:openapi-view") in html
    assert "govuk-header__logotype-crown" not in html and "GDS Transport" not in html


def test_home_counts_needs_and_ideas(client, personas):
    from openbuy.needs import services
    from openbuy.needs.areas import load_cpv_divisions
    from openbuy.needs.models import Area

    load_cpv_divisions(Area)
    services.need_raise(
        actor=personas["resident"],
        title="Lift",
        description="d",
        affects="a",
        area=Area.objects.first(),
    )
    html = client.get("/").content.decode()
    assert "1 need raised" in html and "0 ideas proposed" in html


def test_signed_in_home_names_the_person(client, personas):
    client.force_login(personas["resident"])
    html = client.get("/").content.decode()
    assert "Rosa Reid" in html and "Sign out" in html


def test_service_name_is_configurable(client, db, settings):
    settings.SERVICE_NAME = "Riverside Buys"
    assert "Riverside Buys" in client.get("/").content.decode()


def test_404_page_is_styled(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content and b"govuk-template" in response.content


def test_400_and_500_pages_are_styled(db):
    request = RequestFactory().get("/")
    response = views.bad_request(request)
    assert response.status_code == 400 and b"problem with that request" in response.content
    response = views.server_error(request)
    assert response.status_code == 500
    assert b"problem with the service" in response.content
    assert b"govuk-template" in response.content


def test_unexpected_errors_answer_with_the_500_page(client, db):
    client.raise_request_exception = False
    with mock.patch("openbuy.pages.views.render", side_effect=RuntimeError("boom")):
        response = client.get("/")
    assert response.status_code == 500
    assert b"Sorry, there is a problem with the service" in response.content


def test_healthz(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    with mock.patch("openbuy.pages.views.connection.cursor", side_effect=DatabaseError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def test_healthz_checks_the_shared_cache_when_there_is_one(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    with mock.patch("openbuy.pages.views.cache") as cache:
        cache.get.return_value = "ok"
        assert client.get("/healthz").json() == {"status": "ok", "database": "ok", "cache": "ok"}
        cache.set.side_effect = ConnectionError("refused")
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["cache"] == "unavailable"


def _write_events(n, public=True):
    from django.db import transaction

    for i in range(n):
        with transaction.atomic():
            audit.record(
                actor=None, action="test.event", summary=f"Event number {i}", public=public
            )


def test_activity_lists_public_events_only_newest_first(client, db):
    _write_events(3)
    _write_events(1, public=False)
    html = client.get(reverse("audit:activity")).content.decode()
    assert html.index("Event number 2") < html.index("Event number 0")
    assert html.count("Event number") == 3


@pytest.mark.parametrize("events", [5, 60])
def test_activity_page_queries_do_not_grow_with_events(
    client, db, django_assert_num_queries, events
):
    _write_events(events)
    with django_assert_num_queries(2):  # the count for the paginator, then one page of events
        response = client.get(reverse("audit:activity"))
    assert response.status_code == 200


def test_activity_is_paginated(client, db):
    _write_events(60)
    page2 = client.get(reverse("audit:activity") + "?page=2").content.decode()
    assert "Event number 9" in page2 and "Event number 59" not in page2
    assert client.get(reverse("audit:activity") + "?page=999").status_code == 200
    assert client.get(reverse("audit:activity") + "?page=abc").status_code == 200


def test_activity_api_is_public_and_paginated(client, db):
    _write_events(3)
    _write_events(1, public=False)
    body = client.get("/api/v1/activity?limit=2").json()
    assert body["count"] == 3
    assert [e["summary"] for e in body["items"]] == ["Event number 2", "Event number 1"]
    assert len(body["items"][0]["hash"]) == 64


def test_organisation_list_queries_are_constant(client, personas, django_assert_num_queries):
    from openbuy.accounts import services

    for i in range(10):
        services.organisation_create(actor=personas["admin"], name=f"Org {i}", kind="buyer")
    with django_assert_num_queries(1):
        response = client.get(reverse("accounts:organisation-list"))
    assert response.content.decode().count("Org ") >= 10


def test_organisation_page_lists_members_by_role(client, personas):
    html = client.get(
        reverse("accounts:organisation-detail", args=[personas["council"].slug])
    ).content.decode()
    for heading, name in [
        ("Frontline staff", "Femi Adeyemi"),
        ("Buyer officer", "Bea Okafor"),
        ("Organisation admin", "Nia Evans"),
    ]:
        assert heading in html and name in html
    assert html.index("Frontline staff") < html.index("Buyer officer")


def test_committed_openapi_matches_the_api(db):
    committed = json.loads((ROOT / "openapi.json").read_text())
    current = json.loads(json.dumps(api.get_openapi_schema(), sort_keys=True))
    assert current == committed, "openapi.json is out of date: run `make openapi` and commit it"


def test_openapi_is_served(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "openbuy API"


def test_production_static_files_collect_without_missing_references(tmp_path, settings):
    """What `make run` and a deployment do: hash and compress every static file. Fails when the
    built CSS points at a file that is not shipped (for example a GOV.UK image)."""
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", verbosity=0)
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())
    assert "dist/openbuy.css" in manifest["paths"]
    assert (tmp_path / manifest["paths"]["dist/openbuy.css"]).exists()
