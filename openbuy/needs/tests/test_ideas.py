"""Ideas: proposed answers, with supports, adoption by the buyer and withdrawal."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from openbuy.audit.models import AuditEvent
from openbuy.needs import services
from openbuy.needs.models import Idea

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


@pytest.fixture
def propose(personas):
    def _propose(who="supplier", **extra):
        values = {
            "title": "Shared minibus for step-free trips",
            "description": "A booked minibus between the station and the high street.",
            **extra,
        }
        return services.idea_propose(actor=personas[who], **values)

    return _propose


def test_an_idea_for_a_need_on_behalf_of_a_social_enterprise(propose, raise_need, personas):
    need = raise_need()
    idea = propose(need=need.pk, on_behalf_of="patel-mobility-co-operative", cost_band="10k_100k")
    assert idea.need == need and idea.on_behalf_of == personas["coop"]
    assert AuditEvent.objects.order_by("-id").first().action == "idea.proposed"


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"title": ""}, "title"),
        ({"description": ""}, "description"),
        ({"cost_band": "lots"}, "cost_band"),
        ({"need": 999999}, "need"),
        ({"on_behalf_of": "northgate-systems-plc"}, "on_behalf_of"),  # not a member
        ({"on_behalf_of": "riverside-borough-council"}, "on_behalf_of"),  # not a supplier
    ],
)
def test_bad_ideas_are_refused_naming_the_field(propose, extra, field):
    with pytest.raises(ValidationError) as caught:
        propose(**extra)
    assert field in caught.value.message_dict
    assert not Idea.objects.exists()


def test_supports_and_frontline_split(propose, raise_need, personas):
    idea = propose(need=raise_need().pk)
    assert services.idea_support(actor=personas["frontline"], idea=idea)
    assert not services.idea_support(actor=personas["frontline"], idea=idea)
    assert services.idea_support(actor=personas["resident"], idea=idea)
    idea.refresh_from_db()
    assert (idea.support_count, idea.frontline_support_count) == (2, 1)
    assert services.idea_unsupport(actor=personas["frontline"], idea=idea)
    idea.refresh_from_db()
    assert (idea.support_count, idea.frontline_support_count) == (1, 0)


@pytest.mark.parametrize("who", ["resident", "frontline", "supplier", "other_buyer", "admin"])
def test_only_the_needs_buyer_adopts(propose, raise_need, personas, who):
    idea = propose(need=raise_need().pk)
    with pytest.raises(PermissionDenied):
        services.idea_adopt(actor=personas[who], idea=idea, reason="x")


def test_adoption_and_withdrawal(propose, raise_need, personas):
    idea = propose(need=raise_need().pk)
    with pytest.raises(ValidationError):
        services.idea_adopt(actor=personas["buyer"], idea=idea, reason="")
    services.idea_adopt(actor=personas["buyer"], idea=idea, reason="We will specify it.")
    idea.refresh_from_db()
    assert idea.status == "adopted" and idea.adopted_by == personas["council"]
    with pytest.raises(ValidationError):
        services.idea_support(actor=personas["resident"], idea=idea)
    with pytest.raises(ValidationError):
        services.idea_withdraw(actor=personas["supplier"], idea=idea)
    other = propose(title="Another")
    with pytest.raises(PermissionDenied):
        services.idea_withdraw(actor=personas["resident"], idea=other)
    services.idea_withdraw(actor=personas["supplier"], idea=other, reason="Found a better way")
    other.refresh_from_db()
    assert other.status == "withdrawn"


def test_an_idea_without_a_need_is_adopted_by_any_buyer_for_their_organisation(propose, personas):
    idea = propose()
    services.idea_adopt(actor=personas["other_buyer"], idea=idea, reason="The trust will try it")
    idea.refresh_from_db()
    assert idea.adopted_by == personas["trust"]


@pytest.mark.parametrize("who", PERSONAS)
def test_idea_pages_by_persona(client, personas, propose, raise_need, who):
    idea = propose(need=raise_need().pk)
    if who != "anonymous":
        client.force_login(personas[who])
    assert client.get(reverse("needs:idea-list")).status_code == 200
    html = client.get(reverse("needs:idea-detail", args=[idea.pk])).content.decode()
    assert idea.title in html
    assert ("Adopt this idea" in html) is (who in {"buyer", "org_admin"})
    assert ("Withdraw my idea" in html) is (who == "supplier")
    response = client.post(reverse("needs:idea-adopt", args=[idea.pk]), {"reason": "Yes"})
    idea.refresh_from_db()
    assert (idea.status == "adopted") is (who in {"buyer", "org_admin"})
    assert response.status_code in ({302} if who in {"buyer", "org_admin", "anonymous"} else {403})


def test_idea_form_keeps_input_on_error_and_links_the_need(client, personas, raise_need):
    need = raise_need()
    client.force_login(personas["supplier"])
    html = client.get(reverse("needs:idea-create"), {"need": need.pk}).content.decode()
    assert need.title in html and "Proposed on behalf of" in html
    response = client.post(
        reverse("needs:idea-create"),
        {"title": "", "description": "Keep me", "cost_band": "unknown", "need": need.pk},
    )
    assert response.status_code == 400
    assert "Keep me" in response.content.decode()
    response = client.post(
        reverse("needs:idea-create"),
        {"title": "Minibus", "description": "d", "cost_band": "unknown", "need": need.pk},
    )
    idea = Idea.objects.get()
    assert response["Location"] == reverse("needs:idea-detail", args=[idea.pk])
    assert "Minibus" in client.get(reverse("needs:detail", args=[need.pk])).content.decode()


@pytest.mark.parametrize("count", [2, 20])
@pytest.mark.usefixtures("bulk_posting")
def test_idea_lists_have_constant_queries(
    client, personas, propose, django_assert_num_queries, count
):
    for i in range(count):
        propose(title=f"Idea {i}", on_behalf_of="patel-mobility-co-operative")
    client.force_login(personas["resident"])
    client.get(reverse("needs:idea-list"))
    with django_assert_num_queries(6):  # session, user, areas, buyers, count, page
        assert client.get(reverse("needs:idea-list"), {"sort": "hot"}).status_code == 200
    client.logout()
    with django_assert_num_queries(2):
        assert client.get("/api/v1/ideas").json()["count"] == count


def test_idea_api(client, personas, raise_need):
    need = raise_need()
    client.force_login(personas["supplier"])
    response = client.post(
        "/api/v1/ideas", {"title": "", "description": "d"}, content_type="application/json"
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "title"
    response = client.post(
        "/api/v1/ideas",
        {"title": "Minibus", "description": "d", "need": need.pk},
        content_type="application/json",
    )
    assert response.status_code == 201
    pk = response.json()["id"]
    assert client.post(f"/api/v1/ideas/{pk}/support").json()["supported"] is True
    client.force_login(personas["buyer"])
    response = client.post(
        f"/api/v1/ideas/{pk}/adopt", {"reason": "We will"}, content_type="application/json"
    )
    assert response.json()["adopted_by"] == "riverside-borough-council"


def test_idea_filters_follow_the_need(client, personas, propose, raise_need):
    need = raise_need(place="Riverside station")
    propose(title="For the station", need=need.pk)
    propose(title="On its own")
    html = client.get(reverse("needs:idea-list"), {"place": "riverside"}).content.decode()
    assert "For the station" in html and "On its own" not in html
    body = client.get("/api/v1/ideas", {"organisation": "riverside-borough-council"}).json()
    assert [i["title"] for i in body["items"]] == ["For the station"]
    assert client.get("/api/v1/ideas", {"area": "nope"}).json()["count"] == 0


def test_supporting_a_withdrawn_idea_says_why_in_the_box(client, propose, personas):
    idea = propose()
    Idea.objects.filter(pk=idea.pk).update(status="withdrawn")
    client.force_login(personas["resident"])
    url = reverse("needs:idea-support", args=[idea.pk])
    html = client.post(url, {"action": "support"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'class="govuk-error-message"' in html
    assert "Thank you" not in html
    # Without htmx the same words come back as a message on the idea's page.
    response = client.post(url, {"action": "support"}, follow=True)
    assert 'class="govuk-error-message"' not in response.content.decode()
    assert any(m.level_tag == "error" for m in response.context["messages"])
