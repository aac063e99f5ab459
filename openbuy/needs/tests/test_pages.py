"""The needs pages and API: persona by persona, with clear errors and constant query counts."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from openbuy import clock as openbuy_clock
from openbuy.needs import services
from openbuy.needs.models import Need, NeedsPolicy, Support

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


def as_(client, personas, who):
    if who != "anonymous":
        client.force_login(personas[who])
    return client


@pytest.mark.parametrize("who", PERSONAS)
def test_everyone_reads_needs(client, personas, raise_need, who):
    need = raise_need()
    client = as_(client, personas, who)
    assert client.get(reverse("needs:list")).status_code == 200
    html = client.get(reverse("needs:detail", args=[need.pk])).content.decode()
    assert need.title in html
    assert ("Answer this need" in html) is (who in {"buyer", "org_admin"})
    assert client.get("/api/v1/needs").json()["count"] == 1


@pytest.mark.parametrize("who", PERSONAS)
def test_raising_a_need_by_persona(client, personas, area, who):
    response = as_(client, personas, who).post(
        reverse("needs:create"),
        {
            "title": "Potholes on Mill Lane",
            "description": "Cyclists fall.",
            "affects": "Cyclists",
            "area": area.pk,
            "confirmed_new": "True",
        },
    )
    if who == "anonymous":
        assert response.status_code == 302 and "/account/login/" in response["Location"]
        assert not Need.objects.exists()
    else:
        need = Need.objects.get()
        assert response["Location"] == reverse("needs:detail", args=[need.pk])


@pytest.mark.parametrize("who", PERSONAS)
def test_answering_by_persona(client, personas, raise_need, who):
    need = raise_need()
    response = as_(client, personas, who).post(
        reverse("needs:answer", args=[need.pk]),
        {"status": "considering", "reason": "We are looking at it."},
    )
    need.refresh_from_db()
    if who in {"buyer", "org_admin"}:
        assert response.status_code == 302 and need.status == "considering"
    else:
        assert response.status_code in {302, 403}
        assert need.status == "open"


@pytest.mark.parametrize("who", PERSONAS)
def test_api_support_by_persona(client, personas, raise_need, who):
    need = raise_need()
    response = as_(client, personas, who).post(f"/api/v1/needs/{need.pk}/support")
    if who == "anonymous":
        assert response.status_code == 401
    else:
        assert response.status_code == 200
        assert response.json()["supported"] is True
        assert response.json()["frontline_support_count"] == int(who == "frontline")


def test_the_form_shows_similar_needs_before_saving_and_keeps_the_input(
    client, personas, raise_need, area
):
    existing = raise_need("Broken lift at Riverside station")
    client.force_login(personas["supplier"])
    data = {
        "title": "Riverside station lift broken",
        "description": "Again.",
        "affects": "Everyone",
        "area": area.pk,
    }
    response = client.post(reverse("needs:create"), data)
    html = response.content.decode()
    assert existing.title in html and "support this one instead" in html
    assert 'value="Riverside station lift broken"' in html
    assert Need.objects.count() == 1
    response = client.post(reverse("needs:create"), {**data, "confirmed_new": "True"})
    assert response.status_code == 302
    assert Need.objects.count() == 2


def test_similar_partial_for_htmx(client, raise_need):
    raise_need("Broken lift at Riverside station")
    html = client.get(reverse("needs:similar"), {"title": "riverside lift"}).content.decode()
    assert "Broken lift at Riverside station" in html


def test_form_errors_are_explained_and_nothing_is_lost(client, personas, area):
    client.force_login(personas["resident"])
    response = client.post(
        reverse("needs:create"),
        {
            "title": "",
            "description": "Keep this text",
            "affects": "x",
            "area": area.pk,
            "evidence": "not a link",
            "confirmed_new": "True",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a short title for the need" in html
    assert "Keep this text" in html and "not a link" in html
    response = client.post(
        reverse("needs:create"),
        {
            "title": "T",
            "description": "D",
            "affects": "A",
            "area": area.pk,
            "evidence": "not a link",
            "confirmed_new": "True",
        },
    )
    assert "Line 1 is not a web address" in response.content.decode()


def test_support_button_works_with_and_without_htmx(client, personas, raise_need):
    need = raise_need()
    client.force_login(personas["resident"])
    url = reverse("needs:support", args=[need.pk])
    response = client.post(url, {"action": "support"})
    assert response.status_code == 302
    response = client.post(url, {"action": "unsupport"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Support this need" in response.content.decode()
    assert not Support.objects.exists()


def test_the_support_box_after_a_click_shows_the_new_counts(client, personas, raise_need):
    need = raise_need()
    services.need_support(actor=personas["resident"], need=need)
    client.force_login(personas["frontline"])
    url = reverse("needs:support", args=[need.pk])
    html = client.post(url, {"action": "support"}, HTTP_HX_REQUEST="true").content.decode()
    text = " ".join(html.split())
    assert ">2</p>" in text
    assert "supports: 1 from residents and others, 1 from the frontline of " in text
    assert personas["council"].name in text
    assert "You support this need. Thank you." in text
    assert "Withdraw my support" in text and 'value="unsupport"' in text
    html = client.post(url, {"action": "unsupport"}, HTTP_HX_REQUEST="true").content.decode()
    assert ">1</p>" in html and "Support this need" in html
    # A need answered since: the box says so and offers no button.
    Need.objects.filter(pk=need.pk).update(status="solved")
    html = client.post(url, {"action": "support"}, HTTP_HX_REQUEST="true").content.decode()
    assert "no longer takes supports" in html
    assert "<form" not in html


def test_supporting_a_need_that_is_not_there_is_a_404_and_writes_nothing(client, personas):
    client.force_login(personas["resident"])
    url = reverse("needs:support", args=[987654])
    for action in ("support", "unsupport", "move"):
        assert client.post(url, {"action": action}).status_code == 404
        assert client.post(url, {"action": action}, HTTP_HX_REQUEST="true").status_code == 404
    assert not Support.objects.exists()


def test_a_support_reads_the_policy_and_the_frontline_with_the_locked_need(
    client, personas, raise_need, clock
):
    """The buyer's policy (here: answer after 2 supports, within 9 days) and whether the
    supporter is on its frontline come with the need, in the one query that locks it."""
    need = raise_need()
    NeedsPolicy.objects.update_or_create(
        organisation=personas["council"],
        defaults={"support_threshold": 2, "answer_within_days": 9},
    )
    services.need_support(actor=personas["resident"], need=need)
    client.force_login(personas["frontline"])
    url = reverse("needs:support", args=[need.pk])
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, {"action": "support"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    read = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    policy_or_staff = [s for s in read if "needs_needspolicy" in s or "accounts_membership" in s]
    assert len(policy_or_staff) == 1, read  # the need's own read, locked
    assert '"needs_need"."support_count"' in policy_or_staff[0]
    need.refresh_from_db()
    assert (need.support_count, need.frontline_support_count) == (2, 1)
    now = openbuy_clock.now()
    assert need.threshold_reached_at == now
    assert need.answer_due_at == now + timedelta(days=9)


def test_answer_errors_show_on_the_need_page(client, personas, raise_need):
    need = raise_need()
    client.force_login(personas["buyer"])
    response = client.post(
        reverse("needs:answer", args=[need.pk]), {"status": "solved", "reason": "Fixed last year"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Link to where the problem is already solved" in html
    assert "Fixed last year" in html


def _many_needs(personas, area, count):
    for i in range(count):
        need = services.need_raise(
            actor=personas["resident"],
            title=f"Need number {i}",
            description="d",
            affects="a",
            area=area,
            organisation=personas["council"],
        )
        services.need_support(actor=personas["frontline"], need=need)


@pytest.mark.parametrize("count", [2, 25])
@pytest.mark.parametrize("sort", ["random", "hot", "supported", "newest"])
@pytest.mark.usefixtures("bulk_posting")
def test_list_page_queries_are_constant(
    client, personas, area, django_assert_num_queries, count, sort
):
    _many_needs(personas, area, count)
    client.force_login(personas["resident"])
    client.get(reverse("needs:list"))  # session and seed
    # session, user, filter choices (areas, buyers), count, page
    with django_assert_num_queries(6):
        response = client.get(reverse("needs:list"), {"sort": sort})
    assert response.status_code == 200


@pytest.mark.parametrize("count", [2, 25])
@pytest.mark.usefixtures("bulk_posting")
def test_list_endpoint_queries_are_constant(
    client, personas, area, django_assert_num_queries, count
):
    _many_needs(personas, area, count)
    with django_assert_num_queries(2):
        response = client.get("/api/v1/needs", {"sort": "hot"})
    assert response.json()["count"] == count


@pytest.mark.usefixtures("bulk_posting")
def test_random_order_is_stable_per_visitor_and_differs_between_seeds(client, personas, area):
    from openbuy.needs.selectors import NeedFilters, need_list

    _many_needs(personas, area, 12)
    first = [n.pk for n in need_list(NeedFilters(seed=11))]
    assert first == [n.pk for n in need_list(NeedFilters(seed=11))]
    assert first != [n.pk for n in need_list(NeedFilters(seed=12))]
    assert sorted(first) == sorted(n.pk for n in need_list(NeedFilters(seed=12)))


@pytest.mark.usefixtures("bulk_posting")
def test_the_random_order_needs_no_session_and_links_keep_it(client, personas, area, clock):
    """The default order is the ten minutes' seed, carried by the page's links, so paging
    through keeps one order, nobody gets a session for it, and it moves on with the clock."""
    import re

    _many_needs(personas, area, 45)

    def shown(response):
        return re.findall(r'href="/needs/(\d+)/"', response.content.decode())

    first = client.get(reverse("needs:list"))
    assert "sessionid" not in first.cookies
    links = re.findall(r'href="\?([^"]*page=2)"', first.content.decode())
    assert links and all("order=" in link for link in links)
    page_two = links[0].replace("&amp;", "&")
    page_three = page_two.replace("page=2", "page=3")
    everyone = [
        *shown(first),
        *shown(client.get(f"{reverse('needs:list')}?{page_two}")),
        *shown(client.get(f"{reverse('needs:list')}?{page_three}")),
    ]
    assert len(everyone) == len(set(everyone)) == 45  # every need once across the pages
    assert shown(client.get(reverse("needs:list"))) == shown(first)  # the same ten minutes
    orders = set()
    for _ in range(6):
        clock.shift(600)
        orders.add(tuple(shown(client.get(reverse("needs:list")))))
    assert len(orders) > 1  # later, another order
    assert shown(client.get(reverse("needs:list"), {"sort": "hot"})) != []


def test_filters(client, personas, raise_need, area):
    raise_need("Council need")
    raise_need("Unaddressed need", organisation=None, place="Mill Lane")
    html = client.get(
        reverse("needs:list"), {"organisation": "riverside-borough-council"}
    ).content.decode()
    assert "Council need" in html and "Unaddressed need" not in html
    html = client.get(reverse("needs:list"), {"place": "mill"}).content.decode()
    assert "Unaddressed need" in html and "Council need" not in html
    # Bad filter values are ignored, not a crash.
    assert client.get(reverse("needs:list"), {"sort": "evil", "page": "x"}).status_code == 200


def test_api_create_and_answer_with_field_errors(client, personas, area):
    client.force_login(personas["resident"])
    response = client.post(
        "/api/v1/needs",
        {"title": "", "description": "d", "affects": "a", "area": "nope"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"title", "area"}
    response = client.post(
        "/api/v1/needs",
        {
            "title": "Lift",
            "description": "d",
            "affects": "a",
            "area": area.slug,
            "organisation": "riverside-borough-council",
            "evidence": ["https://example.org/r"],
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    need_id = response.json()["id"]
    client.force_login(personas["buyer"])
    response = client.post(
        f"/api/v1/needs/{need_id}/answers",
        {"status": "declined", "reason": ""},
        content_type="application/json",
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "reason"
    response = client.post(
        f"/api/v1/needs/{need_id}/answers",
        {"status": "adopted", "reason": "We will buy it."},
        content_type="application/json",
    )
    assert response.status_code == 201
    answers = client.get(f"/api/v1/needs/{need_id}/answers").json()
    assert [a["to_status"] for a in answers] == ["adopted"]


def test_awaiting_answer_page(client, personas, raise_need, low_threshold, clock):
    from datetime import timedelta

    need = raise_need()
    services.need_support(actor=personas["resident"], need=need)
    services.need_support(actor=personas["supplier"], need=need)
    clock.shift(timedelta(days=20))
    html = client.get(reverse("needs:awaiting")).content.decode()
    assert "Overdue (1)" in html and need.title in html


@pytest.mark.parametrize("who", PERSONAS)
def test_policy_page_by_persona(client, personas, who):
    url = reverse("needs:policy", args=["riverside-borough-council"])
    client = as_(client, personas, who)
    response = client.post(url, {"support_threshold": "10", "answer_within_days": "21"})
    from openbuy.needs.models import NeedsPolicy

    saved = NeedsPolicy.objects.filter(organisation=personas["council"]).first()
    if who in {"buyer", "org_admin", "admin"}:
        assert response.status_code == 302
        assert (saved.support_threshold, saved.answer_within_days, saved.vote_budget) == (
            10,
            21,
            None,
        )
    else:
        assert response.status_code in {302, 403}
        assert saved is None


def test_policy_errors_are_explained(client, personas):
    client.force_login(personas["buyer"])
    url = reverse("needs:policy", args=["riverside-borough-council"])
    response = client.post(url, {"support_threshold": "0", "answer_within_days": "abc"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html and 'value="abc"' in html
    assert (
        client.get(reverse("needs:policy", args=["patel-mobility-co-operative"])).status_code == 404
    )


def test_moving_support_from_a_duplicate_page(client, personas, raise_need):
    original = raise_need("Riverside station lift broken")
    copy = raise_need("Lift at Riverside station out of order")
    services.need_support(actor=personas["supplier"], need=copy)
    services.need_answer(
        actor=personas["buyer"], need=copy, status="duplicate", reason="Same", duplicate_of=original
    )
    client.force_login(personas["supplier"])
    html = client.get(reverse("needs:detail", args=[copy.pk])).content.decode()
    assert "Move my support to the original" in html
    response = client.post(reverse("needs:support", args=[copy.pk]), {"action": "move"})
    assert response["Location"] == reverse("needs:detail", args=[original.pk])
    assert Support.objects.get(user=personas["supplier"]).need == original


def test_site_admins_manage_areas_in_the_admin(client, personas):
    from openbuy.needs.models import Area

    client.force_login(personas["admin"])
    response = client.post(
        "/admin/needs/area/add/",
        {
            "code": "LOCAL-01",
            "name": "Community gardens",
            "slug": "community-gardens",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert Area.objects.filter(slug="community-gardens").exists()
    client.force_login(personas["buyer"])
    assert client.get("/admin/needs/area/").status_code == 302


def test_support_never_redirects_off_the_site(client, personas, raise_need):
    need = raise_need()
    client.force_login(personas["resident"])
    response = client.post(
        reverse("needs:support", args=[need.pk]),
        {"action": "support", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("needs:detail", args=[need.pk])


def test_absurd_numbers_are_not_found_not_errors(client, personas, raise_need):
    need = raise_need()
    huge = "9" * 30
    assert client.get(f"/needs/{huge}/").status_code == 404
    assert client.get(f"/api/v1/needs/{huge}").status_code in {404, 422}
    assert client.get(f"/api/v1/ideas?need={huge}").status_code == 422
    client.force_login(personas["resident"])
    from openbuy.needs import ranking

    round_ = ranking.round_open(
        actor=personas["buyer"],
        organisation=personas["council"],
        title="R",
        needs=[need, raise_need("Other")],
    )
    response = client.post(
        reverse("needs:round-compare", args=[round_.pk]),
        {"left": huge, "right": need.pk, "choice": "skip"},
        follow=True,
    )
    assert response.status_code == 200
    response = client.post(
        f"/api/v1/rankings/{round_.pk}/comparisons",
        {"left": int(huge), "right": need.pk, "winner": None},
        content_type="application/json",
    )
    assert response.status_code == 422


def test_hidden_needs_stay_hidden_everywhere(client, personas, raise_need):
    from openbuy.discussion import moderation
    from openbuy.discussion import services as comments
    from openbuy.needs import ranking

    need = raise_need()
    other = raise_need("Other need")
    comment = comments.comment_post(actor=personas["supplier"], target=need, body="Hello")
    round_ = ranking.round_open(
        actor=personas["buyer"], organisation=personas["council"], title="R", needs=[need, other]
    )
    moderation.decide(actor=personas["moderator"], target=need, decision="hide", reason="x")
    need.refresh_from_db()  # as the next request would load it
    assert client.get(f"/api/v1/comments?target=needs.need:{need.pk}").status_code == 404
    assert client.get(f"/api/v1/needs/{need.pk}/answers").status_code == 404
    assert client.get(reverse("discussion:history", args=[comment.pk])).status_code == 404
    assert need.title not in client.get(f"/api/v1/rankings/{round_.pk}").content.decode()
    assert need.title not in client.get(reverse("needs:round", args=[round_.pk])).content.decode()
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(PermissionDenied):
        services.need_support(actor=personas["evaluator"], need=need)
    with pytest.raises(PermissionDenied):
        comments.comment_post(actor=personas["evaluator"], target=need, body="x")
    with pytest.raises(ValidationError):
        services.idea_propose(actor=personas["evaluator"], title="x", description="y", need=need.pk)
    # Its author and the moderators still reach it.
    services.need_support(actor=personas["moderator"], need=need)
