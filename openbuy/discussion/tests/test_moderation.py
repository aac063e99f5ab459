"""Reports, holds, moderators' decisions, blocks, the spam check and posting limits."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from openbuy.audit.models import AuditEvent
from openbuy.discussion import moderation, services
from openbuy.discussion.models import Comment, Report, Visibility
from openbuy.needs import services as needs
from openbuy.needs.areas import load_cpv_divisions
from openbuy.needs.models import Area, Need

PERSONAS = [
    "anonymous",
    "resident",
    "frontline",
    "buyer",
    "org_admin",
    "other_buyer",
    "evaluator",
    "supplier",
    "moderator",
    "admin",
]
SPAM = (
    "My cousin helped with tips on buying this item, it really worked! "
    "https://cheap-things.example/buy"
)


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


def test_three_reports_hold_a_need_until_a_moderator_decides(personas, need, client):
    for who in ["frontline", "supplier"]:
        moderation.report(actor=personas[who], target=need, reason="spam")
    need.refresh_from_db()
    assert need.visibility == Visibility.VISIBLE
    with pytest.raises(ValidationError, match="already reported"):
        moderation.report(actor=personas["supplier"], target=need, reason="spam")
    moderation.report(actor=personas["evaluator"], target=need, reason="abuse")
    need.refresh_from_db()
    assert need.visibility == Visibility.HELD
    # Held: gone from lists and the API, shown only to its author and moderators.
    assert client.get("/api/v1/needs").json()["count"] == 0
    assert (
        "Waiting for a moderator"
        in client.get(reverse("needs:detail", args=[need.pk])).content.decode()
    )
    client.force_login(personas["resident"])
    assert (
        "only you and the moderators"
        in client.get(reverse("needs:detail", args=[need.pk])).content.decode()
    )
    moderation.decide(
        actor=personas["moderator"], target=need, decision="restore", reason="Within the rules"
    )
    need.refresh_from_db()
    assert need.visibility == Visibility.VISIBLE
    assert not Report.objects.filter(resolved_at__isnull=True).exists()
    event = AuditEvent.objects.filter(action="moderation.restored").get()
    assert event.is_public and "Within the rules" in event.summary
    # Reporters are never named in the public log.
    assert not AuditEvent.objects.filter(action="moderation.reported", actor__isnull=False).exists()


@pytest.mark.parametrize("who", ["resident", "buyer", "org_admin", "supplier", "evaluator"])
def test_only_moderators_decide_and_block(personas, need, who):
    with pytest.raises(PermissionDenied):
        moderation.decide(actor=personas[who], target=need, decision="hide", reason="x")
    with pytest.raises(PermissionDenied):
        moderation.block(actor=personas[who], user=personas["resident"], reason="x")


def test_a_spam_comment_is_held_for_review(personas, need, client):
    comment = services.comment_post(actor=personas["supplier"], target=need, body=SPAM)
    assert comment.status == Visibility.HELD
    honest = services.comment_post(
        actor=personas["supplier"],
        target=need,
        body="The station lift report: https://example.org/r",
    )
    assert honest.status == Visibility.VISIBLE
    page = client.get(reverse("needs:detail", args=[need.pk])).content.decode()
    assert "tips on buying" not in page and "waiting for a moderator" in page
    client.force_login(personas["moderator"])
    queue = client.get(reverse("discussion:moderation")).content.decode()
    assert "a comment by Sam Patel" in queue and "spam check" in queue
    response = client.post(
        reverse("discussion:decide", args=["discussion.comment", comment.pk]),
        {"decision": "hide", "reason": "Advertising", "block_author": "on"},
    )
    assert response.status_code == 302
    comment.refresh_from_db()
    personas["supplier"].refresh_from_db()
    assert comment.status == Visibility.HIDDEN
    assert personas["supplier"].blocked_at is not None


def test_blocking_hides_everything_and_stops_posting(personas, need, client):
    moderation.block(actor=personas["moderator"], user=personas["resident"], reason="Trolling")
    personas["resident"].refresh_from_db()  # as the next request would load them
    assert client.get("/api/v1/needs").json()["count"] == 0
    with pytest.raises(PermissionDenied):
        services.comment_post(actor=personas["resident"], target=need, body="hello")
    with pytest.raises(PermissionDenied):
        needs.need_support(actor=personas["resident"], need=need)
    moderation.unblock(actor=personas["moderator"], user=personas["resident"], reason="Appeal")
    assert client.get("/api/v1/needs").json()["count"] == 1
    with pytest.raises(ValidationError):
        moderation.block(actor=personas["moderator"], user=personas["admin"], reason="x")


def test_posting_limits(personas, need, clock):
    for i in range(10):
        services.comment_post(actor=personas["supplier"], target=need, body=f"Comment {i}")
    with pytest.raises(ValidationError, match="Please wait"):
        services.comment_post(actor=personas["supplier"], target=need, body="One more")
    clock.shift(timedelta(minutes=11))
    services.comment_post(actor=personas["supplier"], target=need, body="One more")
    assert Comment.objects.count() == 11


def test_a_person_reports_at_most_twenty_times_an_hour(personas, need, clock):
    # Twenty-one comments to report, by three people (each may post ten in ten minutes).
    comments = [
        services.comment_post(actor=personas[who], target=need, body=f"Comment {i} by {who}")
        for who in ("resident", "frontline", "buyer")
        for i in range(7)
    ]
    for comment in comments[:20]:
        moderation.report(actor=personas["supplier"], target=comment, reason="spam")
    with pytest.raises(ValidationError, match="Please wait"):
        moderation.report(actor=personas["supplier"], target=comments[20], reason="spam")
    assert Report.objects.count() == 20
    clock.shift(timedelta(hours=1, seconds=1))
    moderation.report(actor=personas["supplier"], target=comments[20], reason="spam")
    assert Report.objects.count() == 21


@pytest.mark.parametrize("who", PERSONAS)
def test_moderation_queue_by_persona(client, personas, who):
    if who != "anonymous":
        client.force_login(personas[who])
    response = client.get(reverse("discussion:moderation"))
    if who in {"moderator", "admin"}:
        assert response.status_code == 200
    elif who == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == 403


def test_report_page(client, personas, need):
    client.force_login(personas["supplier"])
    url = reverse("discussion:report", args=["needs.need", need.pk])
    response = client.post(url, {"detail": "keep this"})
    assert response.status_code == 400
    assert "Select why you are reporting it" in response.content.decode()
    assert "keep this" in response.content.decode()
    response = client.post(url, {"reason": "off_topic"})
    assert response["Location"] == reverse("needs:detail", args=[need.pk])
    assert Report.objects.get().reason == "off_topic"
    assert client.get(reverse("discussion:report", args=["accounts.user", 1])).status_code == 404


def test_a_spam_need_is_held(personas, area=None):
    load_cpv_divisions(Area)
    need = needs.need_raise(
        actor=personas["supplier"],
        title="Great deals",
        description=SPAM,
        affects="everyone",
        area=Area.objects.first(),
    )
    assert Need.objects.get(pk=need.pk).visibility == Visibility.HELD
