"""Comments: threaded, safe Markdown, a 15-minute edit window with history, frontline voice."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

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
    assert "javascript:" not in html and "<script" not in html and "<img" not in html
    # HTML typed in is shown as typed, harmlessly.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;img src=x" in html
    assert "<h1" not in html and '<h3 class="govuk-heading-s">Heading</h3>' in html


def test_an_unclosed_tag_loses_nothing_written_after_it():
    html = render("Cheaper <style> than the last one\n\nSecond paragraph", trusted_links=True)
    assert "Cheaper &lt;style&gt; than the last one" in html and "Second paragraph" in html
    assert "<style" not in html


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
    # need, answers, ideas, files, policy, the discussion's outline and its page of comments,
    # specifications written from it
    with django_assert_num_queries(8):
        client.get(reverse("needs:detail", args=[need.pk]))


@pytest.fixture
def discussion(personas, need, clock, monkeypatch):
    """Seven threads of a comment and two replies, three threads to a page; the second
    thread's author is blocked and the fourth thread's first comment is hidden."""
    monkeypatch.setattr(selectors, "THREADS_PER_PAGE", 3)
    threads = []
    for i in range(7):
        clock.shift(timedelta(minutes=11))  # within the posting limits
        first = services.comment_post(
            actor=personas["supplier"] if i == 1 else personas["resident"],
            target=need,
            body=f"thread {i}",
            stance="against" if i % 2 else "for",
        )
        reply = services.comment_post(
            actor=personas["frontline"], target=need, body=f"reply {i}", parent=first
        )
        deeper = services.comment_post(
            actor=personas["resident"], target=need, body=f"deeper {i}", parent=reply
        )
        threads.append((first, reply, deeper))
    Comment.objects.filter(pk=threads[3][0].pk).update(status="hidden")
    personas["supplier"].blocked_at = timezone.now()
    personas["supplier"].save()
    return threads


def test_a_long_discussion_is_shown_a_page_of_whole_threads_at_a_time(need, discussion):
    shown = selectors.thread_page(need, "2")
    assert [n.comment for n in shown.nodes] == [t[0] for t in discussion[3:6]]
    assert [r.comment for r in shown.nodes[0].replies] == [discussion[3][1]]
    assert [r.comment for r in shown.nodes[0].replies[0].replies] == [discussion[3][2]]
    # The counts are over the whole discussion, whatever page is shown: 21 comments less the
    # hidden one and the blocked author's.
    assert shown.counts == {"total": 19, "frontline": 7, "for": 4, "against": 1, "question": 0}
    assert selectors.thread_page(need, "2").counts == selectors.thread(need)[1]
    assert [n.comment for n in selectors.thread_page(need, "3").nodes] == [discussion[6][0]]
    # Nonsense gives the first page, a page past the end the last.
    for number, first in [("abc", 0), ("", 0), ("-4", 6), ("99", 6), ("1e9", 0)]:
        assert selectors.thread_page(need, number).nodes[0].comment == discussion[first][0]


def test_links_to_a_comment_open_the_page_its_thread_is_on(need, discussion):
    url = reverse("needs:detail", args=[need.pk])
    assert selectors.comment_url(discussion[0][2], url) == f"{url}#comment-{discussion[0][2].pk}"
    deeper = discussion[4][2]
    assert selectors.comment_url(deeper, url) == f"{url}?comments=2#comment-{deeper.pk}"
    assert selectors.comment_url(deeper, f"{url}?a=b") == (
        f"{url}?a=b&comments=2#comment-{deeper.pk}"
    )


def test_replying_on_a_later_page_comes_back_to_that_page(
    client, personas, need, discussion, clock
):
    url = reverse("needs:detail", args=[need.pk])
    html = client.get(url).content.decode()
    assert "Threads 1 to 3 of 7, oldest first." in html
    assert "thread 0" in html and "thread 4" not in html
    assert 'href="?comments=2#discussion-heading"' in html
    assert 'aria-label="Pages of the discussion"' in html
    html = client.get(f"{url}?comments=3").content.decode()
    assert "thread 6" in html and "reply 6" in html and "thread 5" not in html
    client.force_login(personas["resident"])
    clock.shift(timedelta(minutes=5))
    response = client.post(
        reverse("discussion:post", args=["needs.need", need.pk]),
        {"body": "late reply", "parent": discussion[5][1].pk},
    )
    reply = Comment.objects.get(body="late reply")
    assert response["Location"] == f"{url}?comments=2#comment-{reply.pk}"
    assert "late reply" in client.get(response["Location"]).content.decode()
    # The frontline worker replied to is told, with the same link.
    note = personas["frontline"].notifications.latest("pk")
    assert note.url == response["Location"]


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
