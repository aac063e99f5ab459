"""The lessons API: the same rules as the pages, the same search, JSON errors with field paths."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openbuy.accounts.models import Membership
from openbuy.lessons import index, services
from openbuy.lessons.models import Lesson, Redaction
from openbuy.lessons.tests.test_library import BRIDGE, KIOSK
from openbuy.needs.areas import load_cpv_divisions
from openbuy.needs.models import Area

pytestmark = pytest.mark.django_db
API = "/api/v1"
JSON = "application/json"
NOT_OWNERS = ["resident", "supplier", "frontline", "other_buyer", "evaluator", "moderator", "admin"]


@pytest.fixture(autouse=True)
def fresh_index():
    index.forget()
    yield
    index.forget()


# ``call`` and ``token``: the root conftest.


def fields(response) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


@pytest.fixture
def write(personas):
    def _write(data=KIOSK, *, who="buyer", organisation="council", publish=True, **changes):
        lesson = services.lesson_create(
            actor=personas[who],
            organisation=personas[organisation],
            data=data | changes,
            publish=publish,
        )
        index.build()
        return lesson

    return _write


@pytest.fixture
def lessons(write):
    return {
        "published": write(KIOSK),
        "draft": write(KIOSK | {"title": "Draft about Jo Bloggs"}, publish=False),
        "trust": write(BRIDGE, who="other_buyer", organisation="trust"),
    }


# --- reading ----------------------------------------------------------------------------------


def test_the_list_filters_searches_and_pages(call, personas, lessons):
    kiosk, trust = lessons["published"], lessons["trust"]
    body = call("get", f"{API}/lessons").json()
    assert body["count"] == 2  # not the draft
    item = next(i for i in body["items"] if i["id"] == kiosk.pk)
    assert item == item | {
        "title": KIOSK["title"],
        "organisation": "riverside-borough-council",
        "by": "Riverside Borough Council",
        "source": "written",
        "status": "published",
        "stage": "specification",
        "tags": ["kiosks", "housing"],
        "cost_amount": None,
        "about": None,
        "url": f"/lessons/{kiosk.pk}/",
        "score": None,
    }

    def ids(query: str) -> list[int]:
        response = call("get", f"{API}/lessons?{query}")
        assert response.status_code == 200, response.content
        return [i["id"] for i in response.json()["items"]]

    assert ids("organisation=hillside-health-trust") == [trust.pk]
    assert ids("stage=delivery") == [trust.pk]
    assert ids("source=written&tag=kiosks") == [kiosk.pk]
    ranked = call("get", f"{API}/lessons?q=touch screens for residents").json()["items"]
    assert ranked[0]["id"] == kiosk.pk and 0 < ranked[0]["score"] <= 1
    assert ids("limit=1&offset=1") and len(ids("limit=1")) == 1
    # The council's officers see its draft; nobody else does.
    for who in ("buyer", "org_admin"):
        assert call("get", f"{API}/lessons", who=who).json()["count"] == 3, who
    for who in NOT_OWNERS:
        assert call("get", f"{API}/lessons", who=who).json()["count"] == 2, who


def test_bad_filters_are_named(call, lessons):
    for query, field in [
        ("stage=afterwards", "query.stage"),
        ("source=rumour", "query.source"),
        ("organisation=nowhere", "query.organisation"),
        ("area=nowhere", "query.area"),
        ("offset=-1", "query.offset"),
        ("q=" + "x" * 501, "query.q"),
    ]:
        response = call("get", f"{API}/lessons?{query}")
        assert response.status_code == 422 and fields(response) == [field], query


def test_an_area_filter(call, lessons):
    load_cpv_divisions(Area)
    area = Area.objects.order_by("pk").first()
    Lesson.objects.filter(pk=lessons["trust"].pk).update(area=area)
    items = call("get", f"{API}/lessons?area={area.slug}").json()["items"]
    assert [(i["id"], i["area"]) for i in items] == [(lessons["trust"].pk, area.slug)]


def test_one_lesson(call, lessons):
    draft, kiosk = lessons["draft"], lessons["published"]
    assert call("get", f"{API}/lessons/{kiosk.pk}").json()["title"] == KIOSK["title"]
    assert call("get", f"{API}/lessons/{draft.pk}").status_code == 404
    for who in NOT_OWNERS:
        assert call("get", f"{API}/lessons/{draft.pk}", who=who).status_code == 404, who
    for who in ("buyer", "org_admin"):
        assert call("get", f"{API}/lessons/{draft.pk}", who=who).json()["status"] == "draft"
    assert call("get", f"{API}/lessons/999999").status_code == 404
    assert call("get", f"{API}/lessons/99999999999999999999999").status_code == 404


def test_similar_gives_ranked_ids_and_scores(call, lessons):
    kiosk = lessons["published"]
    response = call("get", f"{API}/lessons/similar?text=touch screen kiosks for residents")
    found = response.json()
    assert [m["id"] for m in found] == [kiosk.pk]
    assert found[0] | {"score": 0} == {
        "id": kiosk.pk,
        "score": 0,
        "title": KIOSK["title"],
        "by": "Riverside Borough Council",
        "url": f"/lessons/{kiosk.pk}/",
    }
    assert 0 < found[0]["score"] <= 1
    assert call("get", f"{API}/lessons/similar?text=quantum chromodynamics").json() == []
    for query, field in [
        ("", "query.text"),
        ("text=", "query.text"),
        ("text=x&limit=0", "query.limit"),
    ]:
        response = call("get", f"{API}/lessons/similar?{query}")
        assert response.status_code == 422 and fields(response) == [field], query


def test_root_causes(call, write):
    write(KIOSK, why="No user research with residents.")
    write(BRIDGE, why="No user research with engineers.", who="other_buyer", organisation="trust")
    causes = call("get", f"{API}/lessons/root-causes").json()
    assert {"phrase": "user research", "lessons": 2, "organisations": 2} in causes


def test_the_list_takes_constant_queries(call, personas, write):
    def count(url, who=None) -> int:
        call("get", url, who=who)
        with CaptureQueriesContext(connection) as queries:
            assert call("get", url, who=who).status_code == 200
        return len(queries)

    def counts():
        return {
            (who, url): count(url, who)
            for who in (None, "buyer")
            for url in (f"{API}/lessons", f"{API}/lessons?q=late+bridge", f"{API}/lessons?tag=x")
        }

    for i in range(3):
        write(BRIDGE, title=f"Bridge {i}", who="other_buyer", organisation="trust")
    few = counts()
    for i in range(17):
        write(BRIDGE, title=f"More bridge {i}", who="other_buyer", organisation="trust")
        write(KIOSK, title=f"Kiosk draft {i}", publish=False)
    assert counts() == few


# --- writing ----------------------------------------------------------------------------------

BODY = {
    "title": KIOSK["title"],
    "tried": KIOSK["tried"],
    "happened": KIOSK["happened"],
    "why": KIOSK["why"],
    "do_differently": KIOSK["do_differently"],
    "tags": ["kiosks", "housing"],
    "stage": "specification",
    "cost_amount": 48000,
    "cost_currency": "GBP",
}


def test_a_buyer_records_a_lesson(call, personas):
    load_cpv_divisions(Area)
    area = Area.objects.order_by("pk").first()
    assert call("post", f"{API}/lessons", BODY).status_code == 401
    for who in ["resident", "supplier", "frontline", "evaluator", "moderator", "admin"]:
        assert call("post", f"{API}/lessons", BODY, who).status_code == 403, who
    # Owen writes for the trust only.
    body = BODY | {"organisation": "riverside-borough-council"}
    assert call("post", f"{API}/lessons", body, "other_buyer").status_code == 403
    assert not Lesson.objects.exists()
    response = call("post", f"{API}/lessons", BODY | {"area": area.slug}, "buyer")
    assert response.status_code == 201, response.content
    made = response.json()
    assert made["status"] == "published" and made["organisation"] == "riverside-borough-council"
    assert made["cost_amount"] == "48000.00" and made["tags"] == ["kiosks", "housing"]
    assert made["area"] == area.slug
    response = call("post", f"{API}/lessons", BODY | {"publish": False}, "org_admin")
    assert response.status_code == 201 and response.json()["status"] == "draft"
    response = call("post", f"{API}/lessons", BODY, "other_buyer")
    assert response.json()["organisation"] == "hillside-health-trust"


def test_bad_lessons_are_refused_with_field_paths(call, personas):
    for change, field in [
        ({"title": ""}, "title"),
        ({"why": "  "}, "why"),
        ({"title": "x" * 201}, "title"),
        ({"cost_amount": "lots"}, "cost_amount"),
        ({"cost_amount": -5}, "cost_amount"),
        ({"cost_currency": "1x"}, "cost_currency"),
        ({"stage": "afterwards"}, "stage"),
        ({"area": "nowhere"}, "area"),
        ({"organisation": "nowhere"}, "organisation"),
        ({"tags": ["x" * 101]}, "tags.0"),
        ({"publish": "perhaps"}, "publish"),
    ]:
        response = call("post", f"{API}/lessons", BODY | change, "buyer")
        assert response.status_code == 422, (change, response.content)
        assert fields(response) == [field], change
    response = call("post", f"{API}/lessons", {"title": "Only a title"}, "buyer")
    assert set(fields(response)) == {"tried", "happened", "why", "do_differently"}
    assert not Lesson.objects.exists()


def test_writing_for_several_organisations_names_one(call, personas):
    Membership.objects.create(
        user=personas["buyer"], organisation=personas["trust"], role=Membership.Role.BUYER
    )
    response = call("post", f"{API}/lessons", BODY, "buyer")
    assert response.status_code == 422 and fields(response) == ["organisation"]
    response = call(
        "post", f"{API}/lessons", BODY | {"organisation": "hillside-health-trust"}, "buyer"
    )
    assert response.status_code == 201 and response.json()["by"] == "Hillside Health Trust"


def test_a_draft_is_redacted_and_published(call, personas, lessons):
    draft, kiosk = lessons["draft"], lessons["published"]
    url = f"{API}/lessons/{draft.pk}"
    body = {"names": ["Jo Bloggs"], "reason": "A named officer"}
    assert call("post", f"{url}/redactions", body).status_code == 401
    assert call("post", f"{url}/publish").status_code == 401
    for who in NOT_OWNERS:
        assert call("post", f"{url}/redactions", body, who).status_code == 404, who
        assert call("post", f"{url}/publish", None, who).status_code == 404, who
        published = f"{API}/lessons/{kiosk.pk}"
        assert call("post", f"{published}/redactions", body, who).status_code == 403, who
        assert call("post", f"{published}/publish", None, who).status_code == 403, who
    response = call("post", f"{url}/redactions", {"names": ["Zed Quux"], "reason": "x"}, "buyer")
    assert response.status_code == 422 and fields(response) == ["names"]
    response = call("post", f"{url}/redactions", {"names": [], "reason": "x"}, "buyer")
    assert response.status_code == 422 and fields(response) == ["names"]
    response = call("post", f"{url}/redactions", {"names": ["Jo Bloggs"]}, "buyer")
    assert response.status_code == 422 and fields(response) == ["reason"]
    response = call("post", f"{url}/redactions", body, "buyer")
    assert response.status_code == 201, response.content
    made = response.json()
    assert made | {"id": 0, "at": ""} == {
        "id": 0,
        "lesson": draft.pk,
        "passages": 2,  # in the title and in the why
        "reason": "A named officer",
        "by": "Bea Okafor",
        "at": "",
    }
    assert Redaction.objects.get().passages == 2
    response = call("post", f"{url}/publish", None, "org_admin")
    assert response.status_code == 200 and response.json()["status"] == "published"
    assert "Jo Bloggs" not in response.json()["title"]
    response = call("post", f"{url}/publish", None, "org_admin")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "", "message": "This lesson is already published."}
    ]
    assert call("get", url).json()["published_at"]
