"""Every list page and list endpoint runs the same number of queries for 2 items or 20."""

import pytest

from openbuy.discussion import moderation, notifications
from openbuy.needs import ranking, services


@pytest.fixture
def many(personas, raise_need, bulk_posting, low_threshold):
    def build(count):
        made = []
        for i in range(count):
            need = raise_need(f"Lift problem number {i}")
            services.need_support(actor=personas["frontline"], need=need)
            services.need_support(actor=personas["supplier"], need=need)  # reaches threshold
            moderation.report(actor=personas["evaluator"], target=need, reason="spam")
            notifications.notify(user_ids=[personas["resident"].pk], message=f"m{i}", url="/")
            made.append(need)
        ranking.round_open(
            actor=personas["buyer"],
            organisation=personas["council"],
            title=f"Round of {count}",
            needs=made[:2],
        )
        return made

    return build


@pytest.mark.parametrize("count", [2, 20])
@pytest.mark.parametrize(
    ("who", "url", "queries"),
    [
        ("anonymous", "/needs/awaiting-answer/", 1),
        ("anonymous", "/rankings/", 1),
        ("anonymous", "/search/?q=lift", 4),  # areas, buyers, index, needs (no idea matched)
        ("resident", "/notifications/", 4),  # session, user, count, page
        # session, user, reports, one per kind of content (need, idea, comment, suggestion,
        # annotation)
        ("moderator", "/moderation/", 8),
        ("anonymous", "/api/v1/search?q=lift", 2),
        ("resident", "/api/v1/notifications", 4),
    ],
)
def test_list_queries_are_constant(
    client, personas, many, django_assert_num_queries, count, who, url, queries
):
    many(count)
    if who != "anonymous":
        client.force_login(personas[who])
    client.get(url)  # warm the content-type cache and the session
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert response.status_code == 200


def test_follow_and_notification_api(client, personas, raise_need):
    need = raise_need()
    client.force_login(personas["supplier"])
    response = client.post(
        "/api/v1/follows", {"target": f"needs.need:{need.pk}"}, content_type="application/json"
    )
    assert response.json() == {"target": f"needs.need:{need.pk}", "following": True}
    assert (
        client.post(
            "/api/v1/follows", {"target": "accounts.user:1"}, content_type="application/json"
        ).status_code
        == 404
    )
    client.force_login(personas["buyer"])
    services.need_answer(actor=personas["buyer"], need=need, status="considering", reason="Looking")
    client.force_login(personas["supplier"])
    body = client.get("/api/v1/notifications").json()
    assert body["count"] == 1 and "under consideration" in body["items"][0]["message"]
    response = client.delete(f"/api/v1/follows?target=needs.need:{need.pk}")
    assert response.json()["following"] is False


@pytest.mark.parametrize("count", [2, 20])
def test_more_list_endpoints_are_constant(
    client, personas, raise_need, bulk_posting, django_assert_num_queries, count
):
    from openbuy.discussion import services as comments

    need = raise_need()
    for i in range(count):
        comments.comment_post(actor=personas["supplier"], target=need, body=f"c{i}")
        services.need_answer(
            actor=personas["buyer"],
            need=need,
            status="considering" if i % 2 == 0 else "open",
            reason=f"r{i}",
        )
    client.get(f"/api/v1/comments?target=needs.need:{need.pk}")
    with django_assert_num_queries(3):  # the need, its author (moderation), its comments
        client.get(f"/api/v1/comments?target=needs.need:{need.pk}")
    with django_assert_num_queries(2):  # the need with its author, its answers
        client.get(f"/api/v1/needs/{need.pk}/answers")
    with django_assert_num_queries(1):
        client.get("/api/v1/areas")
