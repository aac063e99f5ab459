"""Follows, notifications, emails (immediate and daily digest) and Atom feeds."""

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from openbuy.discussion import notifications, services
from openbuy.discussion.models import Notification
from openbuy.needs import services as needs
from openbuy.needs.areas import load_cpv_divisions
from openbuy.needs.models import Area

PERSONAS = ["anonymous", "resident", "frontline", "buyer", "supplier", "moderator"]


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


def messages_for(user):
    return list(Notification.objects.filter(user=user).values_list("message", flat=True))


def test_an_answer_reaches_supporters_followers_and_the_author(personas, need):
    needs.need_support(actor=personas["supplier"], need=need)
    notifications.follow(actor=personas["evaluator"], target=need)
    needs.need_answer(actor=personas["buyer"], need=need, status="adopted", reason="Yes")
    for who in ["supplier", "evaluator", "resident"]:
        assert messages_for(personas[who]) == [
            "Riverside Borough Council marked “Broken lift” adopted"
        ]
    assert messages_for(personas["buyer"]) == []  # not told about their own act


def test_supporters_of_a_duplicate_are_told_they_can_move(personas, need):
    copy = needs.need_raise(
        actor=personas["frontline"],
        title="Lift broken",
        description="d",
        affects="a",
        area=Area.objects.first(),
        organisation=personas["council"],
    )
    needs.need_support(actor=personas["supplier"], need=copy)
    needs.need_answer(
        actor=personas["buyer"], need=copy, status="duplicate", reason="Same", duplicate_of=need
    )
    [message] = messages_for(personas["supplier"])
    assert "move your support to the original" in message


def test_comments_reach_followers_and_the_person_replied_to(personas, need):
    first = services.comment_post(actor=personas["supplier"], target=need, body="Hi")
    assert messages_for(personas["resident"]) == ["Sam Patel commented on “Broken lift”"]
    services.comment_post(actor=personas["frontline"], target=need, body="Re", parent=first)
    assert len(messages_for(personas["supplier"])) == 1


def test_new_needs_reach_the_organisations_followers(personas, need):
    notifications.follow(actor=personas["evaluator"], target=personas["council"])
    needs.need_raise(
        actor=personas["resident"],
        title="Bins",
        description="d",
        affects="a",
        area=Area.objects.first(),
        organisation=personas["council"],
    )
    assert messages_for(personas["evaluator"]) == ["New need for Riverside Borough Council: Bins"]


def test_immediate_and_daily_email(personas, need, django_capture_on_commit_callbacks):
    personas["supplier"].email_notifications = "immediate"
    personas["supplier"].save()
    needs.need_support(actor=personas["supplier"], need=need)
    needs.need_support(actor=personas["evaluator"], need=need)  # daily, the default
    with django_capture_on_commit_callbacks(execute=True):
        needs.need_answer(
            actor=personas["buyer"], need=need, status="considering", reason="Looking"
        )
    assert [m.to for m in mail.outbox] == [["sam@example.org"]]
    assert "marked “Broken lift” under consideration" in mail.outbox[0].body
    call_command("send_digests")
    assert mail.outbox[-1].to == ["eve@example.org"] and len(mail.outbox) == 3  # + author
    assert "1 update for you" in mail.outbox[-1].subject
    call_command("send_digests")
    assert len(mail.outbox) == 3  # nothing is sent twice


@pytest.mark.parametrize("who", PERSONAS)
def test_follow_and_notification_pages_by_persona(client, personas, need, who):
    if who != "anonymous":
        client.force_login(personas[who])
    url = reverse("discussion:follow", args=["needs.need", need.pk])
    response = client.post(url, {"action": "follow", "next": "https://evil.example/"})
    page = client.get(reverse("discussion:notifications"))
    if who == "anonymous":
        assert response.status_code == 302 and "/account/login/" in response["Location"]
        assert page.status_code == 302
        return
    assert response["Location"] == "/"  # never redirected off the site
    assert notifications.is_following(personas[who], need)
    assert page.status_code == 200
    client.post(url, {"action": "unfollow"})
    assert not notifications.is_following(personas[who], need)


def test_following_an_organisation_and_junk_targets(client, personas):
    client.force_login(personas["supplier"])
    url = reverse("discussion:follow", args=["accounts.organisation", personas["council"].pk])
    assert client.post(url, {"action": "follow"}).status_code == 302
    assert notifications.is_following(personas["supplier"], personas["council"])
    assert client.post(reverse("discussion:follow", args=["accounts.user", 1])).status_code == 404


def test_atom_feeds(client, personas, need):
    body = client.get(reverse("needs:feed")).content.decode()
    assert "<feed" in body and "Broken lift" in body
    area = Area.objects.first()
    assert (
        "Broken lift"
        in client.get(reverse("needs:feed-filtered", args=["area", area.slug])).content.decode()
    )
    assert (
        "Broken lift"
        not in client.get(
            reverse("needs:feed-filtered", args=["organisation", "hillside-health-trust"])
        ).content.decode()
    )
    assert client.get(reverse("needs:feed-filtered", args=["area", "nope"])).status_code == 404
