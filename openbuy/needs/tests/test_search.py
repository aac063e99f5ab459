"""Full-text search, on SQLite FTS5 and PostgreSQL alike."""

import pytest
from django.urls import reverse

from openbuy.discussion import moderation
from openbuy.needs import search, services


@pytest.fixture
def content(raise_need, personas):
    lift = raise_need(
        "Broken lift at Riverside station",
        description="Wheelchair users cannot reach the platforms.",
    )
    pothole = raise_need(
        "Potholes on Mill Lane", description="Cyclists fall in the dark.", organisation=None
    )
    idea = services.idea_propose(
        actor=personas["supplier"],
        title="Step-free minibus",
        description="Runs while the lift at the station is broken.",
    )
    return lift, pothole, idea


def test_finds_needs_and_ideas_by_prefix_and_stem(content):
    lift, pothole, idea = content
    assert {(h.kind, h.item.pk) for h in search.search("lift")} == {
        ("need", lift.pk),
        ("idea", idea.pk),
    }
    assert [h.item for h in search.search("platform")] == [lift]  # "platforms", stemmed
    assert [h.item for h in search.search("pothole")] == [pothole]  # stem of "Potholes"
    assert [h.item for h in search.search("potho")] == [pothole]  # a prefix, while typing
    assert search.search("lift mill") == []  # every word must match
    assert search.search("") == [] and search.search("!!") == []


def test_title_matches_rank_first_and_are_highlighted(content):
    lift, _, _idea = content
    hits = search.search("lift")
    assert hits[0].item == lift  # the title match outranks a body match
    assert "<mark>" in str(hits[0].title)


def test_filters(content):
    _lift, _, idea = content
    assert [h.item for h in search.search("lift", kind="idea")] == [idea]
    assert search.search("lift", area="construction-work") == []


def test_user_text_is_escaped(raise_need):
    raise_need("Lift <script>alert(1)</script>")
    hit = search.search("lift")[0]
    assert "<script>" not in str(hit.title) and "&lt;script&gt;" in str(hit.title)


def test_hidden_and_blocked_content_is_not_found(content, personas):
    lift, _, _idea = content
    moderation.decide(actor=personas["moderator"], target=lift, decision="hide", reason="x")
    moderation.block(actor=personas["moderator"], user=personas["supplier"], reason="x")
    assert search.search("lift") == []


def test_search_stays_current_as_needs_are_written(raise_need):
    assert search.search("allotment") == []
    raise_need("Allotment waiting list is ten years long")
    assert len(search.search("allotments")) == 1


def test_search_page_and_api(client, content, django_assert_num_queries):
    html = client.get(reverse("needs:search"), {"q": "lift"}).content.decode()
    assert "2 results" in html and "<mark>" in html
    with django_assert_num_queries(3):  # the index, then needs, then ideas
        body = client.get("/api/v1/search", {"q": "lift"}).json()
    assert {hit["kind"] for hit in body} == {"need", "idea"}
    assert client.get(reverse("needs:search"), {"q": '" OR * NEAR('}).status_code == 200
