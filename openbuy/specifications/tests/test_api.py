"""The specifications API: the same rules as the pages, JSON errors with field paths."""

import pytest

from openbuy.accounts import services as accounts
from openbuy.specifications import services
from openbuy.specifications.models import Suggestion

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def token(personas):
    def _token(who):
        _, secret = accounts.api_token_create(actor=personas[who], name="test")
        return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    return _token


def test_reading_is_open_to_anyone(client, spec):
    listing = client.get(f"{API}/specifications").json()
    assert listing["count"] == 1 and listing["items"][0]["title"] == spec.title
    detail = client.get(f"{API}/specifications/{spec.pk}").json()
    assert [s["key"] for s in detail["sections"]][:2] == ["problem", "outcomes"]
    assert detail["needs"] and detail["version"] == spec.version_count
    versions = client.get(f"{API}/specifications/{spec.pk}/versions").json()
    assert [v["number"] for v in versions] == list(range(spec.version_count, 0, -1))
    one = client.get(f"{API}/specifications/{spec.pk}/versions/1").json()
    assert one["kind"] == "created" and one["sections"]
    diff = client.get(
        f"{API}/specifications/{spec.pk}/diff", {"from_version": 1, "to_version": 2}
    ).json()
    outcomes = next(s for s in diff["sections"] if s["key"] == "outcomes")
    assert outcomes["change"] == "changed" and "<ins" in outcomes["html"]
    provenance = client.get(f"{API}/specifications/{spec.pk}/provenance").json()
    paragraph = next(s for s in provenance["sections"] if s["key"] == "outcomes")["paragraphs"][0]
    assert paragraph["version"] == 2 and paragraph["author"]
    lint = client.get(f"{API}/specifications/{spec.pk}/lint").json()
    assert lint["version"] == spec.version_count
    assert {s["key"] for s in lint["sections"]} >= {"problem", "outcomes"}


def test_missing_things_are_404(client, spec):
    assert client.get(f"{API}/specifications/999999").status_code == 404
    assert client.get(f"{API}/specifications/{spec.pk}/versions/999").status_code == 404
    response = client.get(f"{API}/specifications/{spec.pk}/diff", {"from_version": 1})
    assert response.status_code == 422


def test_suggest_withdraw_and_decide_through_the_api(client, personas, spec, token):
    url = f"{API}/specifications/{spec.pk}/suggestions"
    body = {"section_key": "timeline", "proposed_text": "By April.", "reason": "Spring."}
    assert client.post(url, body, content_type="application/json").status_code == 401
    response = client.post(url, body, content_type="application/json", **token("supplier"))
    assert response.status_code == 201, response.content
    made = response.json()
    assert made["state"] == "open" and made["base_version"] == spec.version_count
    # Only the owning buyer decides.
    accept = f"{url}/{made['id']}/accept"
    for who in ["supplier", "resident", "other_buyer", "admin"]:
        response = client.post(accept, {}, content_type="application/json", **token(who))
        assert response.status_code == 403, who
    response = client.post(accept, {}, content_type="application/json", **token("buyer"))
    assert response.status_code == 200 and response.json()["state"] == "accepted"
    assert response.json()["result_version"] == spec.version_count + 1
    # A second suggestion, rejected without then with a reason.
    second = client.post(
        url,
        {**body, "proposed_text": "By March."},
        content_type="application/json",
        **token("resident"),
    ).json()
    reject = f"{url}/{second['id']}/reject"
    response = client.post(
        reject, {"reason": ""}, content_type="application/json", **token("buyer")
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "reason"
    response = client.post(
        reject, {"reason": "Too soon."}, content_type="application/json", **token("buyer")
    )
    assert response.json()["state"] == "rejected"
    # A third, withdrawn by its author only.
    third = client.post(
        url,
        {**body, "proposed_text": "By May."},
        content_type="application/json",
        **token("resident"),
    ).json()
    withdraw = f"{url}/{third['id']}/withdraw"
    assert (
        client.post(withdraw, {}, content_type="application/json", **token("supplier")).status_code
        == 403
    )
    response = client.post(withdraw, {}, content_type="application/json", **token("resident"))
    assert response.json()["state"] == "withdrawn"
    states = [s["state"] for s in client.get(url).json()["items"]]
    assert sorted(states) == ["accepted", "rejected", "withdrawn"]


def test_bad_suggestions_name_the_field(client, spec, token):
    url = f"{API}/specifications/{spec.pk}/suggestions"
    cases = [
        ({"section_key": "nope", "proposed_text": "x", "reason": "y"}, "section_key"),
        ({"section_key": "timeline", "proposed_text": "x", "reason": ""}, "reason"),
        ({"section_key": "timeline", "proposed_text": "x"}, "reason"),
        (
            {"section_key": "timeline", "proposed_text": "x", "reason": "y", "base_version": 99},
            "base_version",
        ),
        (
            {"section_key": "timeline", "proposed_text": "x", "reason": "y", "on_behalf_of": "zz"},
            "on_behalf_of",
        ),
    ]
    for body, field in cases:
        response = client.post(url, body, content_type="application/json", **token("supplier"))
        assert response.status_code == 422, body
        assert field in [e["field"] for e in response.json()["errors"]], response.json()
    assert not Suggestion.objects.exists()


def test_an_outdated_suggestion_needs_the_reviewed_text(client, personas, spec, token, suggest):
    base = spec.current_version.section("outcomes")["body"]
    first = suggest("supplier", "9pm", "10pm", reason="Later.")
    second = suggest("resident", "fewer", "far fewer", reason="More.")
    services.suggestion_accept(actor=personas["buyer"], suggestion=first)
    url = f"{API}/specifications/{spec.pk}/suggestions/{second.pk}"
    assert client.get(url).json()["outdated"] is True
    response = client.post(f"{url}/accept", {}, content_type="application/json", **token("buyer"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "resolved_text"
    spec.refresh_from_db()
    merged = base.replace("9pm", "10pm").replace("fewer", "far fewer")
    response = client.post(
        f"{url}/accept",
        {"resolved_text": merged, "reviewed_version": spec.version_count},
        content_type="application/json",
        **token("buyer"),
    )
    assert response.status_code == 200
    detail = client.get(f"{API}/specifications/{spec.pk}").json()
    assert next(s for s in detail["sections"] if s["key"] == "outcomes")["body"] == merged


def test_annotations_through_the_api(client, spec, token):
    url = f"{API}/specifications/{spec.pk}/annotations"
    body = {"section_key": "outcomes", "paragraph": 1, "quote": "fewer complaints", "body": "How?"}
    response = client.post(url, body, content_type="application/json", **token("resident"))
    assert response.status_code == 201
    made = response.json()
    assert made["outdated"] is False and made["quote"] == "fewer complaints"
    response = client.post(
        url, {**body, "quote": "absent words"}, content_type="application/json", **token("resident")
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "quote"
    response = client.post(
        url, {**body, "paragraph": -1}, content_type="application/json", **token("resident")
    )
    assert response.status_code == 422
    withdraw = f"{url}/{made['id']}/withdraw"
    assert client.post(withdraw, **token("supplier")).status_code == 403
    assert client.post(withdraw, **token("resident")).json()["state"] == "withdrawn"
    assert client.get(url).json()[0]["state"] == "withdrawn"


def test_the_suggestion_list_takes_constant_queries(
    client, personas, spec, bulk_posting, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = f"{API}/specifications/{spec.pk}/suggestions"

    def add(n):
        for i in range(n):
            services.suggestion_create(
                actor=personas["supplier"],
                spec=spec,
                section_key="timeline",
                proposed_text=f"Month {i}",
                reason="r",
            )

    add(2)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    add(10)
    with django_assert_max_num_queries(len(ctx)):
        assert len(client.get(url).json()["items"]) == 12
    with CaptureQueriesContext(connection) as ctx:
        client.get(f"{API}/specifications")
    for i in range(5):
        services.specification_create(
            actor=personas["buyer"], organisation=personas["council"], title=f"S{i}"
        )
    with django_assert_max_num_queries(len(ctx)):
        assert client.get(f"{API}/specifications").json()["count"] == 6
