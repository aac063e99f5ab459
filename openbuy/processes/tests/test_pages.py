import re

from openbuy.processes import services


def test_a_tender_from_question_to_opening_through_the_pages(
    client, personas, tender, submit, rival, clock
):
    p = tender
    for url in [
        "/processes/",
        f"/processes/{p.pk}/",
        f"/processes/{p.pk}/questions/",
        "/processes/receipts/",
        "/processes/feed/",
        f"/processes/{p.pk}/submissions/",
    ]:
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)
    client.force_login(personas["supplier"])
    r = client.post(f"/processes/{p.pk}/questions/", {"question": "Is it ok?"})
    assert r.status_code == 302, r.content.decode()[:3000]
    r = client.get(f"/processes/{p.pk}/submission/")
    assert r.status_code == 200
    names = re.findall(r'name="(answer_\d+)"', r.content.decode())
    data = {n: "Answer MARK" for n in names} | {"price": "500", "action": "submit"}
    r = client.post(f"/processes/{p.pk}/submission/", data)
    assert r.status_code == 302, r.content.decode()
    r = client.get(r.url)
    assert "Receipt" in r.content.decode()
    client.force_login(personas["buyer"])
    for url in [
        f"/processes/{p.pk}/",
        f"/processes/{p.pk}/questions/",
        f"/processes/{p.pk}/criteria/",
        f"/processes/{p.pk}/extend/",
        f"/processes/{p.pk}/decide/cancel/",
        f"/processes/{p.pk}/open/",
    ]:
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)
    from openbuy.processes.models import Question

    services.question_answer(actor=personas["buyer"], question=Question.objects.get(), answer="Yes")
    clock.shift(22 * 86400)
    client.force_login(personas["buyer"])
    r = client.post(f"/processes/{p.pk}/open/")
    assert r.status_code == 302, r.content.decode()[:2000]
    r = client.get(f"/processes/{p.pk}/submissions/")
    assert "Patel" in r.content.decode()


BUYER_PAGES = ["edit/", "phases/1/", "criteria/", "lots/", "publish/", "decide/cancel/"]
NOT_RUNNERS = [
    "resident",
    "frontline",
    "other_buyer",
    "evaluator",
    "supplier",
    "moderator",
    "admin",
]


def test_only_the_buyers_officers_run_a_draft(client, personas, draft_tender):
    base = f"/processes/{draft_tender.pk}/"
    assert client.get(base).status_code == 404  # a draft is not public
    for who in NOT_RUNNERS:
        client.force_login(personas[who])
        assert client.get(base).status_code == 404, who
        for page in BUYER_PAGES:
            assert client.get(base + page).status_code in (403, 404), (who, page)
    for who in ("buyer", "org_admin"):
        client.force_login(personas[who])
        assert client.get(base).status_code == 200, who
        for page in BUYER_PAGES:
            assert client.get(base + page).status_code == 200, (who, page)


def test_publishing_through_the_page_keeps_what_was_typed_on_error(client, personas, frozen_spec):
    client.force_login(personas["buyer"])
    response = client.post(
        f"/processes/new/{frozen_spec.pk}/", {"kind": "tender", "title": "Evening access"}
    )
    assert response.status_code == 302
    process_url = response.url
    # Criteria that do not add up to 100: a clear message, the rows kept.
    response = client.post(
        process_url + "criteria/",
        {
            "kind_0": "quality",
            "name_0": "Approach",
            "weight_0": "50",
            "kind_1": "price",
            "name_1": "Price",
            "weight_1": "30",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "must add up to 100 (they add up to 80)" in body
    assert 'value="Approach"' in body
    # Publishing without dates names the problem.
    response = client.post(process_url + "publish/", {})
    assert "Set the end of the enquiry period" in response.content.decode()


def test_the_list_filters_and_costs_the_same_queries_for_one_or_many(
    client, personas, tender, clock
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(personas["buyer"])  # drafts show to their buyer
    client.get("/processes/")
    with CaptureQueriesContext(connection) as one:
        assert client.get("/processes/").status_code == 200
    for i in range(4):
        services.process_create(
            actor=personas["buyer"],
            specification=tender.specification,
            kind="challenge",
            title=f"Challenge {i}",
        )
    with CaptureQueriesContext(connection) as many:
        body = client.get("/processes/").content.decode()
    assert "Challenge 3" in body
    client.logout()
    with CaptureQueriesContext(connection) as anonymous_many:
        body = client.get("/processes/").content.decode()
    assert "Challenge 3" not in body
    assert len(many) == len(one)  # one listed or five: the same queries
    assert len(anonymous_many) < len(one)
    assert client.get("/processes/?kind=challenge").content.decode().count("govuk-heading-s") == 0
    assert "Evening access" in client.get("/processes/?status=open_for_questions").content.decode()
    assert "Evening access" not in client.get("/processes/?status=closed").content.decode()
    assert "Evening access" in client.get("/processes/?value=100k-1m").content.decode()
    assert "Evening access" not in client.get("/processes/?closing_soon=on").content.decode()
    clock.shift(8 * 86400)  # 13 days to go
    assert "Evening access" in client.get("/processes/?closing_soon=on").content.decode()
    assert "Evening access" in client.get("/processes/?q=evening").content.decode()
    feed = client.get("/processes/feed/")
    assert feed["Content-Type"].startswith("application/atom+xml")
    assert "Evening access" in feed.content.decode()


def test_bad_input_never_crashes(client, personas, tender):
    client.force_login(personas["buyer"])
    base = f"/processes/{tender.pk}/"
    assert client.get("/processes/?status=nonsense&value=x&page=999999").status_code == 200
    assert client.get("/processes/receipts/?sha256=not-a-hash").status_code == 200
    assert client.get("/processes/99999999999999999999/").status_code == 404
    assert (
        client.post(base + "extend/", {"deadline_0": "2026-13-45", "reason": "x"}).status_code
        == 200
    )
    response = client.post(
        base + "extend/", {"deadline_0": "2026-11-20", "deadline_1": "10:00", "reason": "More time"}
    )
    assert "must be later than the current one" in response.content.decode()
    assert client.get(base + "decide/nonsense/").status_code == 404


def test_the_feed_follows_a_kind_a_buyer_or_an_area(client, personas, tender):
    from openbuy.needs.models import Area

    area = Area.objects.first()
    tender.area = area
    tender.save(update_fields=["area"])
    assert "Evening access" in client.get("/processes/feed/?kind=tender").content.decode()
    assert "Evening access" not in client.get("/processes/feed/?kind=challenge").content.decode()
    council = personas["council"].slug
    assert "Evening access" in client.get(f"/processes/feed/?buyer={council}").content.decode()
    trust = personas["trust"].slug
    assert "Evening access" not in client.get(f"/processes/feed/?buyer={trust}").content.decode()
    assert "Evening access" in client.get(f"/processes/feed/?area={area.slug}").content.decode()
    listing = client.get(f"/processes/?buyer={council}&kind=tender").content.decode()
    assert f"/processes/feed/?kind=tender&amp;buyer={council}" in listing
