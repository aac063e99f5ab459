"""Comments: threaded, safe Markdown, a 15-minute edit window with history, frontline voice."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from openbuy.discussion import selectors, services
from openbuy.discussion.markup import render
from openbuy.discussion.models import Comment
from openbuy.needs import services as needs
from openbuy.needs.areas import load_cpv_divisions
from openbuy.needs.models import Area


@pytest.fixture
def need(personas):
    load_cpv_divisions(Area)
    return needs.need_raise(
        actor=personas["resident"],
        title="Broken lift",
        description="d",
        affects="a",
        area=Area.objects.first(),
        organisation=personas["council"],
    )


def test_markdown_is_rendered_and_sanitised():
    html = render(
        "**bold** [x](javascript:alert(1)) <script>alert(1)</script> <img src=x "
        "onerror=alert(1)>\n\n# Heading",
        trusted_links=True,
    )
    assert "<strong>bold</strong>" in html
    assert "javascript:" not in html and "<script" not in html and "onerror" not in html
    assert "<h1" not in html and '<h3 class="govuk-heading-s">Heading</h3>' in html


def test_links_from_new_accounts_are_nofollow(personas, need, clock):
    comment = services.comment_post(
        actor=personas["resident"],
        target=need,
        body="See https://example.org and [this](https://e.org)",
    )
    assert 'rel="nofollow ugc' in comment.body_html
    clock.shift(timedelta(days=30))
    later = services.comment_post(
        actor=personas["resident"], target=need, body="[again](https://e.org)"
    )
    assert "nofollow" not in later.body_html


def test_threads_and_frontline_counts(personas, need):
    first = services.comment_post(
        actor=personas["resident"], target=need, body="Me too", stance="for"
    )
    reply = services.comment_post(
        actor=personas["frontline"], target=need, body="We see it", parent=first
    )
    deeper = services.comment_post(
        actor=personas["resident"], target=need, body="Thanks", parent=reply
    )
    deepest = services.comment_post(
        actor=personas["supplier"], target=need, body="Idea?", parent=deeper, stance="question"
    )
    assert reply.is_frontline and not first.is_frontline
    assert deepest.parent == reply  # never deeper than three levels
    roots, counts = selectors.thread(need)
    assert [n.comment for n in roots] == [first]
    assert [n.comment for n in roots[0].replies] == [reply]
    assert counts == {"total": 4, "frontline": 1, "for": 1, "against": 0, "question": 1}


@pytest.mark.parametrize(
    ("body", "stance", "field"),
    [("", "", "body"), ("x" * 5001, "", "body"), ("ok", "maybe", "stance")],
)
def test_bad_comments_name_the_field(personas, need, body, stance, field):
    with pytest.raises(ValidationError) as caught:
        services.comment_post(actor=personas["resident"], target=need, body=body, stance=stance)
    assert field in caught.value.message_dict
    assert not Comment.objects.exists()


def test_edit_window_and_history(personas, need, clock):
    comment = services.comment_post(actor=personas["resident"], target=need, body="Frist")
    clock.shift(timedelta(minutes=5))
    services.comment_edit(actor=personas["resident"], comment=comment, body="First")
    comment.refresh_from_db()
    assert comment.body == "First" and comment.edited_at is not None
    assert [r.body for r in comment.revisions.all()] == ["Frist"]
    with pytest.raises(PermissionDenied):
        services.comment_edit(actor=personas["supplier"], comment=comment, body="Mine now")
    clock.shift(timedelta(minutes=11))
    with pytest.raises(ValidationError, match="15 minutes"):
        services.comment_edit(actor=personas["resident"], comment=comment, body="Too late")


def test_replies_must_stay_on_the_same_page(personas, need):
    other = needs.need_raise(
        actor=personas["resident"],
        title="Other",
        description="d",
        affects="a",
        area=Area.objects.first(),
    )
    comment = services.comment_post(actor=personas["resident"], target=other, body="Hi")
    with pytest.raises(ValidationError):
        services.comment_post(actor=personas["resident"], target=need, body="x", parent=comment)


def test_comment_pages(client, personas, need):
    url = reverse("needs:detail", args=[need.pk])
    assert "Sign in to comment" in client.get(url).content.decode()
    client.force_login(personas["frontline"])
    post = reverse("discussion:post", args=["needs.need", need.pk])
    response = client.post(post, {"body": "We see this **every day**", "stance": "for"})
    comment = Comment.objects.get()
    assert response["Location"] == f"{url}#comment-{comment.pk}"
    html = client.get(url).content.decode()
    assert "<strong>every day</strong>" in html and "From the frontline" in html
    response = client.post(post, {"body": "", "stance": "for"})
    assert response.status_code == 400 and "Write your comment" in response.content.decode()
    edit = reverse("discussion:edit", args=[comment.pk])
    assert client.post(edit, {"body": "We see this daily", "stance": "for"}).status_code == 302
    history = client.get(reverse("discussion:history", args=[comment.pk])).content.decode()
    assert "every day" in history and "daily" in history
    client.force_login(personas["resident"])
    assert client.get(edit).status_code == 403
    assert (
        client.post(
            reverse("discussion:post", args=["accounts.user", 1]), {"body": "x"}
        ).status_code
        == 404
    )


@pytest.mark.parametrize("count", [1, 15])
def test_a_need_page_with_many_comments_has_constant_queries(
    client, personas, need, django_assert_num_queries, count, clock
):
    for i in range(count):
        clock.shift(timedelta(minutes=2))  # within the posting limits
        parent = services.comment_post(actor=personas["resident"], target=need, body=f"c{i}")
        services.comment_post(actor=personas["frontline"], target=need, body="r", parent=parent)
    client.get(reverse("needs:detail", args=[need.pk]))
    # need, answers, ideas, files, policy, comments, specifications written from it
    with django_assert_num_queries(7):
        client.get(reverse("needs:detail", args=[need.pk]))


def test_comments_api(client, personas, need):
    target = f"needs.need:{need.pk}"
    assert (
        client.post(
            "/api/v1/comments", {"target": target, "body": "x"}, content_type="application/json"
        ).status_code
        == 401
    )
    client.force_login(personas["frontline"])
    response = client.post(
        "/api/v1/comments",
        {"target": target, "body": "", "stance": "for"},
        content_type="application/json",
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "body"
    created = client.post(
        "/api/v1/comments", {"target": target, "body": "*Yes*"}, content_type="application/json"
    ).json()
    assert created["is_frontline"] and "<em>Yes</em>" in created["body_html"]
    reply = client.post(
        "/api/v1/comments",
        {"target": target, "body": "More", "parent": created["id"]},
        content_type="application/json",
    ).json()
    patched = client.patch(
        f"/api/v1/comments/{reply['id']}", {"body": "More detail"}, content_type="application/json"
    )
    assert patched.json()["edited_at"] is not None
    client.logout()
    listed = client.get("/api/v1/comments", {"target": target}).json()
    assert [c["id"] for c in listed] == [created["id"], reply["id"]]
    assert client.get("/api/v1/comments", {"target": "accounts.user:1"}).status_code == 404
    client.force_login(personas["supplier"])
    response = client.post(
        "/api/v1/reports",
        {"target": f"discussion.comment:{reply['id']}", "reason": "spam"},
        content_type="application/json",
    )
    assert response.status_code == 201
