"""Specification pages for every persona: who sees what, who may do what, bad input kept."""

import pytest
from django.urls import reverse

from openbuy.specifications import services
from openbuy.specifications.models import Specification, Suggestion

pytestmark = pytest.mark.django_db
PASSWORD = "persona-password-123"
PERSONAS = [
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


def _sign_in(client, personas, who):
    if who != "anonymous":
        client.force_login(personas[who])
    return client


@pytest.fixture
def suggestion(personas, spec):
    return services.suggestion_create(
        actor=personas["supplier"],
        spec=spec,
        section_key="outcomes",
        proposed_text="Residents can use the library until 10pm.\n\nWe want fewer complaints "
        "about opening hours.",
        reason="Night shifts end at 10pm.",
    )


@pytest.fixture
def annotation(personas, spec):
    return services.annotation_create(
        actor=personas["resident"],
        spec=spec,
        section_key="outcomes",
        paragraph=0,
        quote="until 9pm",
        body="Is 9pm late enough?",
    )


def _public_pages(spec, suggestion, annotation):
    return [
        reverse("specifications:list"),
        reverse("specifications:detail", args=[spec.pk]),
        reverse("specifications:suggestions", args=[spec.pk]),
        reverse("specifications:suggestion", args=[spec.pk, suggestion.pk]),
        reverse("specifications:annotation", args=[spec.pk, annotation.pk]),
        reverse("specifications:history", args=[spec.pk]),
        reverse("specifications:version", args=[spec.pk, 1]),
        reverse("specifications:version", args=[spec.pk, spec.version_count]),
        reverse("specifications:compare", args=[spec.pk]) + "?from_version=1&to_version=2",
        reverse("specifications:provenance", args=[spec.pk]),
        reverse("specifications:provenance", args=[spec.pk]) + "?version=1",
    ]


@pytest.mark.parametrize("who", ["anonymous", *PERSONAS])
def test_everyone_reads_every_public_page(client, personas, spec, suggestion, annotation, who):
    _sign_in(client, personas, who)
    for url in _public_pages(spec, suggestion, annotation):
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(reverse("specifications:detail", args=[spec.pk])).content.decode()
    assert "Evening access to libraries" in page
    assert 'id="annotation-' in page  # the quoted words are marked
    writer = who in ("buyer", "org_admin")
    assert (reverse("specifications:freeze", args=[spec.pk]) in page) is writer
    assert (reverse("specifications:suggest", args=[spec.pk, "outcomes"]) in page) is (
        who != "anonymous"
    )


@pytest.mark.parametrize("who", ["anonymous", *PERSONAS])
def test_only_the_owning_buyer_reaches_the_writing_pages(client, personas, spec, who):
    _sign_in(client, personas, who)
    pages = [
        reverse("specifications:edit", args=[spec.pk]),
        reverse("specifications:section-edit", args=[spec.pk, "outcomes"]),
        reverse("specifications:section-add", args=[spec.pk]),
        reverse("specifications:freeze", args=[spec.pk]),
    ]
    for url in pages:
        response = client.get(url)
        if who == "anonymous":
            assert response.status_code == 302 and "/account/login/" in response.url
        elif who in ("buyer", "org_admin"):
            assert response.status_code == 200, url
        else:
            assert response.status_code == 403, url


@pytest.mark.parametrize("who", ["anonymous", *PERSONAS])
def test_starting_a_specification(client, personas, adopted_need, who):
    _sign_in(client, personas, who)
    response = client.get(reverse("specifications:create") + f"?need={adopted_need.pk}")
    if who == "anonymous":
        assert response.status_code == 302
    elif who in ("buyer", "org_admin", "other_buyer"):
        assert response.status_code == 200
    else:
        assert response.status_code == 403


def test_a_buyer_starts_one_from_the_form(client, personas, adopted_need):
    client.force_login(personas["buyer"])
    url = reverse("specifications:create")
    response = client.post(url, {"title": "", "summary": "Kept", "value_amount": "lots"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a title" in page and "Kept" in page
    response = client.post(
        url,
        {
            "title": "Evening access",
            "summary": "Kept",
            "value_amount": "120,000",
            "currency": "gbp",
            "needs": [adopted_need.pk],
        },
    )
    spec = Specification.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "specifications:detail", args=[spec.pk]
    )
    assert spec.currency == "GBP" and str(spec.value_amount) == "120000.00"
    need_page = client.get(reverse("needs:detail", args=[adopted_need.pk])).content.decode()
    assert reverse("specifications:detail", args=[spec.pk]) in need_page


def test_a_supplier_suggests_with_a_preview_and_keeps_their_text(client, personas, spec):
    client.force_login(personas["supplier"])
    url = reverse("specifications:suggest", args=[spec.pk, "outcomes"])
    typed = "Residents can use the library until 10pm, must be IBM."
    response = client.post(
        url, {"proposed_text": typed, "reason": "", "base_version": spec.version_count}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Say why the change makes the specification better" in page
    assert "until 10pm, must be IBM." in page
    response = client.post(
        url,
        {
            "proposed_text": typed,
            "reason": "Later",
            "base_version": spec.version_count,
            "action": "check",
        },
    )
    page = response.content.decode()
    assert "<ins" in page and "<del" in page
    assert "Brand name" in page  # the wording check on the draft
    response = client.post(
        url, {"proposed_text": typed, "reason": "Later", "base_version": spec.version_count}
    )
    suggestion = Suggestion.objects.get()
    assert response.url == reverse("specifications:suggestion", args=[spec.pk, suggestion.pk])


def test_the_buyer_accepts_an_outdated_suggestion_after_review(client, personas, spec, suggest):
    base = spec.current_version.section("outcomes")["body"]
    first = suggest("supplier", "until 9pm", "until 10pm", reason="Later.")
    second = suggest("resident", "fewer complaints", "far fewer complaints", reason="Ambition.")
    services.suggestion_accept(actor=personas["buyer"], suggestion=first)
    client.force_login(personas["buyer"])
    url = reverse("specifications:suggestion", args=[spec.pk, second.pk])
    page = client.get(url).content.decode()
    assert "Outdated" in page and "The three versions side by side" in page
    assert "until 10pm" in page and "far fewer complaints" in page
    spec.refresh_from_db()
    merged = base.replace("until 9pm", "until 10pm").replace(
        "fewer complaints", "far fewer complaints"
    )
    response = client.post(
        reverse("specifications:suggestion-decide", args=[spec.pk, second.pk]),
        {
            "action": "accept",
            "resolved_text": merged,
            "reviewed_version": spec.version_count,
            "reason": "Both help.",
        },
    )
    assert response.status_code == 302
    spec.refresh_from_db()
    assert spec.current_version.section("outcomes")["body"] == merged


def test_another_buyer_cannot_decide(client, personas, spec, suggestion):
    client.force_login(personas["other_buyer"])
    url = reverse("specifications:suggestion-decide", args=[spec.pk, suggestion.pk])
    assert client.post(url, {"action": "accept"}).status_code == 403
    assert client.post(url, {"action": "reject", "reject-reason": "No"}).status_code == 403
    suggestion.refresh_from_db()
    assert suggestion.state == Suggestion.State.OPEN


def test_rejecting_without_a_reason_shows_the_error(client, personas, spec, suggestion):
    client.force_login(personas["buyer"])
    url = reverse("specifications:suggestion-decide", args=[spec.pk, suggestion.pk])
    response = client.post(url, {"action": "reject", "reject-reason": ""})
    assert response.status_code == 400
    assert "Say why you are not accepting the suggestion" in response.content.decode()


def test_annotating_without_javascript(client, personas, spec):
    client.force_login(personas["resident"])
    url = reverse("specifications:annotate", args=[spec.pk])
    page = client.get(url + "?section=outcomes&paragraph=1").content.decode()
    assert "Paragraph 2" in page
    response = client.post(
        url,
        {"section_key": "outcomes", "paragraph": "1", "quote": "not there", "body": "Hmm"},
    )
    assert response.status_code == 400
    assert "These words are not in paragraph 2" in response.content.decode()
    response = client.post(
        url,
        {"section_key": "outcomes", "paragraph": "1", "quote": "fewer complaints", "body": "Hmm"},
    )
    assert response.status_code == 302 and "#annotation-" in response.url


def test_an_editor_working_from_an_old_page_keeps_their_text(client, personas, spec):
    client.force_login(personas["buyer"])
    opened = spec.version_count
    services.section_edit(actor=personas["org_admin"], spec=spec, key="outcomes", body="Theirs")
    response = client.post(
        reverse("specifications:section-edit", args=[spec.pk, "outcomes"]),
        {"heading": "Outcomes wanted", "body": "Mine, typed carefully", "base_version": opened},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Someone changed this section since you opened it" in page
    assert "Mine, typed carefully" in page


def test_the_freeze_step_then_reopen(client, personas, spec):
    client.force_login(personas["buyer"])
    page = client.get(reverse("specifications:freeze", args=[spec.pk])).content.decode()
    assert "No past lessons are close enough" in page
    response = client.post(reverse("specifications:freeze", args=[spec.pk]))
    assert response.status_code == 302
    spec.refresh_from_db()
    assert spec.status == Specification.Status.FROZEN
    response = client.post(reverse("specifications:reopen", args=[spec.pk]), {"reason": "More"})
    spec.refresh_from_db()
    assert spec.status == Specification.Status.DRAFTING


def test_unknown_things_are_not_found(client, personas, spec):
    for url in [
        reverse("specifications:detail", args=[99999999]),
        reverse("specifications:version", args=[spec.pk, 999]),
        reverse("specifications:suggestion", args=[spec.pk, 999]),
        reverse("specifications:annotation", args=[spec.pk, 999]),
        reverse("specifications:suggest", args=[spec.pk, "no-such-section"]),
        reverse("specifications:provenance", args=[spec.pk]) + "?version=999",
        "/specifications/99999999999999999999999/",
    ]:
        client.force_login(personas["resident"])
        assert client.get(url).status_code == 404, url
    response = client.get(
        reverse("specifications:compare", args=[spec.pk]) + "?from_version=1&to_version=999"
    )
    assert response.status_code == 400


def test_lists_take_a_constant_number_of_queries(
    client, personas, spec, django_assert_max_num_queries, bulk_posting
):
    def add(n):
        for i in range(n):
            services.suggestion_create(
                actor=personas["supplier"],
                spec=spec,
                section_key="timeline",
                proposed_text=f"By month {i}",
                reason="Sooner",
            )
            services.specification_create(
                actor=personas["buyer"], organisation=personas["council"], title=f"Spec {i}"
            )

    add(2)
    client.force_login(personas["resident"])
    urls = [
        reverse("specifications:list"),
        reverse("specifications:suggestions", args=[spec.pk]),
        reverse("specifications:history", args=[spec.pk]),
        reverse("specifications:detail", args=[spec.pk]),
    ]
    counts = {}
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for url in urls:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts[url] = len(ctx)
    add(8)
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            assert client.get(url).status_code == 200


def test_saving_again_after_seeing_the_change_goes_through(client, personas, spec):
    client.force_login(personas["buyer"])
    url = reverse("specifications:section-edit", args=[spec.pk, "outcomes"])
    opened = spec.version_count
    services.section_edit(actor=personas["org_admin"], spec=spec, key="outcomes", body="Theirs")
    first = client.post(url, {"heading": "Outcomes wanted", "body": "Mine", "base_version": opened})
    assert first.status_code == 400
    spec.refresh_from_db()
    assert f'value="{spec.version_count}"' in first.content.decode()
    second = client.post(
        url, {"heading": "Outcomes wanted", "body": "Mine", "base_version": spec.version_count}
    )
    assert second.status_code == 302
    spec.refresh_from_db()
    assert spec.latest.section("outcomes")["body"] == "Mine"


def test_the_suggestion_page_has_no_duplicate_ids(client, personas, spec, suggestion):
    import re

    client.force_login(personas["buyer"])
    page = client.get(reverse("specifications:suggestion", args=[spec.pk, suggestion.pk]))
    ids = re.findall(r'\sid="([^"]+)"', page.content.decode())
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def test_the_comment_form_offers_only_the_chosen_sections_paragraphs(client, personas, spec):
    client.force_login(personas["resident"])
    page = client.get(
        reverse("specifications:annotate", args=[spec.pk]) + "?section=outcomes"
    ).content.decode()
    assert 'type="hidden" name="section_key" value="outcomes"' in page
    assert "Paragraph of “Outcomes wanted”" in page


def test_an_absurd_api_offset_is_refused_clearly(client, spec):
    for url in [
        "/api/v1/specifications",
        f"/api/v1/specifications/{spec.pk}/suggestions",
        "/api/v1/needs",
        "/api/v1/activity",
    ]:
        response = client.get(url, {"offset": "99999999999999999999"})
        assert response.status_code == 422, url
        assert response.json()["errors"][0]["field"] == "query.offset"
