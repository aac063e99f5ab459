"""The lessons library pages: search and filters, the register's own sections, writing, checking,
publishing and removing names, persona by persona; the Atom feeds.

The tables below are the permission matrix. Everyone reads published lessons; the council's
buyer officer (Bea) and organisation admin (Nia) write, check, publish and remove names from the
council's lessons; Owen, a buyer officer of another buyer (the trust), writes the trust's
lessons only. A draft is not found (404) by anyone but the council's officers.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from openbuy.accounts.models import Membership
from openbuy.audit.models import AuditEvent
from openbuy.lessons import capture, index, services
from openbuy.lessons.models import Capture, Lesson, Redaction
from openbuy.needs.areas import load_cpv_divisions
from openbuy.needs.models import Area

pytestmark = pytest.mark.django_db

ANONYMOUS = "anonymous"
LOGIN = "sign in"  # a 302 to the sign-in page, coming back here after
OWNERS = ("buyer", "org_admin")

KIOSK = {
    "title": "Self-service kiosks nobody could use",
    "tried": "We bought touch-screen kiosks for the housing office to cut queues.",
    "happened": "Residents queued for staff anyway; the kiosks sat unused for two years.",
    "why": "No user research with residents before buying; Jo Bloggs signed it off alone.",
    "do_differently": "Test with residents first, with a prototype, before any purchase.",
    "tags": "kiosks, housing",
    "stage": "specification",
}
BRIDGE = {
    "title": "The bridge repair finished a year late",
    "tried": "A single contractor for the bridge repair, fixed price.",
    "happened": "Delays in steel deliveries pushed completion back twelve months.",
    "why": "No float in the programme and no penalty for late delivery.",
    "do_differently": "Build slack into the timeline and agree delay remedies.",
    "tags": "bridges",
    "stage": "delivery",
}


@pytest.fixture(autouse=True)
def fresh_index():
    index.forget()
    yield
    index.forget()


@pytest.fixture
def area(db):
    load_cpv_divisions(Area)  # seeded by a migration; a transactional test may have emptied it
    return Area.objects.order_by("pk").first()


@pytest.fixture
def write(personas):
    """``write(KIOSK, who="buyer", organisation="council", publish=True)``, indexed at once."""

    def _write(data=KIOSK, *, who="buyer", organisation="council", publish=True, **changes):
        lesson = services.lesson_create(
            actor=personas[who],
            organisation=personas[organisation],
            data=data | changes,
            publish=publish,
        )
        index.build()  # on_commit does not fire inside the test's transaction
        return lesson

    return _write


@pytest.fixture
def lessons(write):
    """A published lesson and a draft of the council's; a trust lesson; an imported one."""
    published = write(KIOSK)
    draft = write(KIOSK | {"title": "Draft about Jo Bloggs and the kiosks"}, publish=False)
    trust = write(BRIDGE, who="other_buyer", organisation="trust")
    services.import_csv(
        "title,tried,happened,why,do_differently,tags,organisation\n"
        "Late bin lorries,One manufacturer,Nine months late,No delay damages,"
        'Put delay damages in the call-off,"fleet, late delivery",Westshire County Council\n'
    )
    index.build()
    return {
        "published": published,
        "draft": draft,
        "trust": trust,
        "imported": Lesson.objects.get(source=Lesson.Source.IMPORTED),
    }


def answer(response) -> int | str:
    if response.status_code == 302 and "/account/login/" in response["Location"]:
        return LOGIN
    return response.status_code


def as_persona(client, personas, who):
    client.logout()
    if who != ANONYMOUS:
        client.force_login(personas[who])


# --- the permission matrix ---------------------------------------------------------------------

PAGES = (
    "library",
    "new",
    "published",
    "draft",
    "edit_draft",
    "edit_published",
    "redact_published",
    "redact_draft",
    "publish_get",
    "feed",
)
# fmt: off
GET = {
    #               library new    publ.  draft  e_dr.  e_pub. r_pub. r_dr.  publish feed
    ANONYMOUS:     (200,    LOGIN, 200,   404,   LOGIN, LOGIN, LOGIN, LOGIN, LOGIN,  200),
    "resident":    (200,    403,   200,   404,   404,   403,   403,   404,   405,    200),
    "supplier":    (200,    403,   200,   404,   404,   403,   403,   404,   405,    200),
    "frontline":   (200,    403,   200,   404,   404,   403,   403,   404,   405,    200),
    "buyer":       (200,    200,   200,   200,   200,   302,   200,   200,   405,    200),
    "org_admin":   (200,    200,   200,   200,   200,   302,   200,   200,   405,    200),
    "other_buyer": (200,    200,   200,   404,   404,   403,   403,   404,   405,    200),
    "evaluator":   (200,    403,   200,   404,   404,   403,   403,   404,   405,    200),
    "moderator":   (200,    403,   200,   404,   404,   403,   403,   404,   405,    200),
    "admin":       (200,    403,   200,   404,   404,   403,   403,   404,   405,    200),
}
# A valid POST: 302 is done (back to the lesson). "new" writes for the persona's only buying
# organisation, so Owen's lesson is the trust's.
POSTS = ("new", "edit_draft", "publish_draft", "redact_published", "publish_published")
POST = {
    #               new    e_dr.  p_dr.  r_pub. p_pub.
    ANONYMOUS:     (LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    "resident":    (403,   404,   404,   403,   403),
    "supplier":    (403,   404,   404,   403,   403),
    "frontline":   (403,   404,   404,   403,   403),
    "buyer":       (302,   302,   302,   302,   302),
    "org_admin":   (302,   302,   302,   302,   302),
    "other_buyer": (302,   404,   404,   403,   403),
    "evaluator":   (403,   404,   404,   403,   403),
    "moderator":   (403,   404,   404,   403,   403),
    "admin":       (403,   404,   404,   403,   403),
}
# fmt: on
PERSONAS = tuple(GET)


def test_the_tables_cover_every_page_and_persona():
    from openbuy.lessons.urls import urlpatterns

    assert all(len(row) == len(PAGES) for row in GET.values())
    assert all(len(row) == len(POSTS) for row in POST.values())
    assert set(GET) == set(POST)
    routes = {p.name for p in urlpatterns}
    assert routes == {
        "library",
        "create",
        "feed",
        "detail",
        "edit",
        "publish",
        "redact",
        "organisation-feed",
    }


def paths(lessons) -> dict[str, str]:
    published, draft = lessons["published"].pk, lessons["draft"].pk
    return {
        "library": "/lessons/",
        "new": "/lessons/new/",
        "published": f"/lessons/{published}/",
        "draft": f"/lessons/{draft}/",
        "edit_draft": f"/lessons/{draft}/edit/",
        "edit_published": f"/lessons/{published}/edit/",
        "redact_published": f"/lessons/{published}/redact/",
        "redact_draft": f"/lessons/{draft}/redact/",
        "publish_get": f"/lessons/{draft}/publish/",
        "feed": "/lessons/feed/",
    }


@pytest.mark.parametrize("who", PERSONAS)
def test_who_gets_each_page(client, personas, lessons, who):
    as_persona(client, personas, who)
    urls = paths(lessons)
    got = {page: answer(client.get(urls[page])) for page in PAGES}
    assert got == dict(zip(PAGES, GET[who], strict=True))


def snapshot():
    return (
        list(
            Lesson.objects.order_by("pk").values_list(
                "pk", "title", "why", "status", "organisation_id", "published_at"
            )
        ),
        Redaction.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.mark.parametrize("who", PERSONAS)
def test_who_may_post_and_a_refused_post_changes_nothing(client, personas, lessons, who):
    as_persona(client, personas, who)
    published, draft = lessons["published"], lessons["draft"]
    posts = {
        "new": ("/lessons/new/", KIOSK | {"title": f"New from {who}", "when": "publish"}),
        "edit_draft": (f"/lessons/{draft.pk}/edit/", KIOSK | {"title": "Changed draft"}),
        "publish_draft": (f"/lessons/{draft.pk}/publish/", {}),
        "redact_published": (
            f"/lessons/{published.pk}/redact/",
            {"names": "Jo Bloggs", "reason": "A named officer"},
        ),
        # Already published: the owner is sent back with a message, and nothing changes.
        "publish_published": (f"/lessons/{published.pk}/publish/", {}),
    }
    for page, expected in zip(POSTS, POST[who], strict=True):
        url, data = posts[page]
        before = snapshot()
        got = answer(client.post(url, data))
        assert got == expected, (who, page, got)
        if expected != 302 or page == "publish_published":
            assert snapshot() == before, (who, page)
        else:
            assert snapshot() != before, (who, page)
    if who == "other_buyer":
        assert Lesson.objects.get(title="New from other_buyer").organisation == personas["trust"]


# --- the library -------------------------------------------------------------------------------


def test_the_library_lists_searches_and_filters(client, personas, lessons, area):
    kiosk, trust, imported = lessons["published"], lessons["trust"], lessons["imported"]
    Lesson.objects.filter(pk=trust.pk).update(area=area)
    page = client.get("/lessons/").content.decode()
    assert "3 lessons" in page  # the draft is not listed to the public
    for lesson in (kiosk, trust, imported):
        assert f'href="/lessons/{lesson.pk}/"' in page
    assert "Draft about Jo Bloggs" not in page
    # Lessons from other organisations are attributed to them, imported ones too.
    assert "From Westshire County Council" in page and "From Hillside Health Trust" in page

    def listed(query: str) -> list[int]:
        from openbuy.lessons.views import PAGE_SIZE

        response = client.get("/lessons/" + query)
        assert response.status_code == 200
        ids = [lesson.pk for lesson, _ in response.context["lessons"]]
        assert len(ids) <= PAGE_SIZE
        return ids

    # Ranked by the similarity engine: the closest first, with its score.
    found = listed("?q=touch+screens+for+residents+in+the+housing+office")
    assert found[0] == kiosk.pk
    assert "similarity 0." in client.get("/lessons/?q=touch+screen+kiosks").content.decode()
    assert listed("?q=late+steel+deliveries+for+a+bridge")[0] == trust.pk
    assert listed(f"?organisation={personas['trust'].slug}") == [trust.pk]
    assert listed(f"?area={area.slug}") == [trust.pk]
    assert listed("?stage=specification") == [kiosk.pk]
    assert listed("?source=imported") == [imported.pk]
    assert listed("?tag=fleet") == [imported.pk]
    assert listed("?tag=fleet&q=late+delivery+of+bin+lorries") == [imported.pk]
    assert listed("?q=quantum+chromodynamics") == []
    # A filter value that is not one is no filter at all, not an error.
    assert len(listed("?stage=afterwards&area=nowhere")) == 3
    # The council's officers see its draft in the library too, marked as one.
    client.force_login(personas["buyer"])
    page = client.get("/lessons/").content.decode()
    assert "4 lessons" in page and "Draft about Jo Bloggs" in page and "govuk-tag--yellow" in page


def test_the_library_pages_through_many_lessons(client, personas, write):
    for i in range(23):
        write(BRIDGE, title=f"Late bridge number {i}")
    first = client.get("/lessons/").content.decode()
    assert "23 lessons" in first and 'rel="next"' in first
    second = client.get("/lessons/?page=2")
    assert len(second.context["lessons"]) == 3
    ranked = client.get("/lessons/?q=late+bridge&page=2")
    assert ranked.status_code == 200 and len(ranked.context["lessons"]) == 3
    assert "q=late+bridge&amp;page=1" in ranked.content.decode()


def test_the_register_shows_root_causes_buyers_and_captured_failures(
    client, personas, lessons, write
):
    write(KIOSK | {"title": "Another kiosk", "why": "No user research with staff first."})
    write(
        BRIDGE | {"title": "Library app", "why": "No user research with library users."},
        who="other_buyer",
        organisation="trust",
    )
    with transaction.atomic():
        capture.record(
            actor=personas["buyer"],
            entry=capture.lesson(**{k: BRIDGE[k] for k in capture.FIELDS}),
            kind=Capture.Kind.CANCELLED,
            organisation=personas["council"],
            about=personas["council"],
            label="Bridge repair tender: cancelled",
            url="/processes/1/",
            stage="competition",
        )
        capture.record(
            actor=personas["buyer"],
            entry=capture.no_lesson("The council merged with its neighbour."),
            kind=Capture.Kind.TERMINATED,
            organisation=personas["council"],
            about=personas["council"],
            label="Grounds maintenance contract: terminated",
            url="/contracts/1/",
            stage="delivery",
        )
        capture.record(
            actor=personas["buyer"],
            entry=capture.lesson(**{k: KIOSK[k] for k in capture.FIELDS}, check_names_first=True),
            kind=Capture.Kind.GATE_STOP,
            organisation=personas["council"],
            about=personas["council"],
            label="Kiosk pilot: stopped at phase 1",
            url="/processes/2/",
            stage="evaluation",
        )
    index.build()
    page = client.get("/lessons/").content.decode()
    # The most repeated root causes, each a link to a search for it.
    assert "The most repeated root causes" in page
    assert '<a class="govuk-link" href="/lessons/?q=user%20research">user research</a>' in page
    # Lessons per buyer, each a link to its lessons.
    assert "Lessons per buyer" in page
    assert f'href="/lessons/?organisation={personas["council"].slug}">Riverside' in page
    # Failures faced: with the lesson, or the public reason there is none; a lesson still being
    # checked for names is not named.
    captured = Capture.objects.get(kind=Capture.Kind.CANCELLED).lesson
    assert "Bridge repair tender: cancelled" in page
    assert f'href="/lessons/{captured.pk}/">{captured.title}' in page
    assert "No lesson: The council merged with its neighbour." in page
    assert "Kiosk pilot: stopped at phase 1" in page
    assert "A lesson is being checked for names before it is published." in page
    # A buyer sees what other organisations learnt.
    assert "From other organisations" not in page
    client.force_login(personas["buyer"])
    page = client.get("/lessons/").content.decode()
    section = page.split("From other organisations")[1]
    assert "Library app" in section and "Late bin lorries" in section
    assert "Another kiosk" not in section


def test_the_library_costs_the_same_queries_for_3_lessons_or_20(client, personas, write):
    def count(url: str) -> int:
        client.get(url)  # warm the session and the content types
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    def counts() -> dict:
        found = {}
        for who in (ANONYMOUS, "buyer"):
            as_persona(client, personas, who)
            for url in ("/lessons/", "/lessons/?q=late+bridge+steel", "/lessons/?tag=bridges"):
                found[(who, url)] = count(url)
        return found

    def make(n: int) -> None:
        for i in range(n):
            write(BRIDGE, title=f"Late bridge {i}", who="other_buyer", organisation="trust")
            write(KIOSK, title=f"Kiosk draft {i}", publish=False)

    make(3)
    few = counts()
    make(17)
    many = counts()
    assert few == many
    # The page and its count, the two filter lists, root causes, lessons per buyer, captures; a
    # search asks the index's version and fetches the ranked lessons instead of count and page.
    assert few[(ANONYMOUS, "/lessons/")] == few[(ANONYMOUS, "/lessons/?q=late+bridge+steel")] == 7


# --- writing, checking, publishing, removing names ------------------------------------------------


def test_a_buyer_records_a_lesson_through_the_page(client, personas, area):
    client.force_login(personas["buyer"])
    form = client.get("/lessons/new/").content.decode()
    assert 'name="organisation"' not in form  # only one organisation to write for
    assert "Riverside Borough Council" in form and 'value="GBP"' in form
    data = KIOSK | {
        "cost_amount": "48,000",
        "cost_currency": "GBP",
        "area": area.slug,
        "when": "publish",
    }
    response = client.post("/lessons/new/", data)
    lesson = Lesson.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/lessons/{lesson.pk}/"
    assert (lesson.organisation, lesson.author) == (personas["council"], personas["buyer"])
    assert (lesson.cost_amount, lesson.cost_currency, lesson.area) == (48000, "GBP", area)
    assert lesson.status == Lesson.Status.PUBLISHED and lesson.tag_list == ["kiosks", "housing"]
    page = client.get(response["Location"]).content.decode()
    assert "Lesson published" in page and "GBP 48000.00" in page


def test_bad_input_keeps_what_was_typed(client, personas):
    client.force_login(personas["buyer"])
    # Caught by the form: a missing title.
    response = client.post("/lessons/new/", KIOSK | {"title": "", "when": "draft"})
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page
    assert '<a href="#id_title">Enter a title</a>' in page
    assert KIOSK["tried"] in page and re.search(r'value="draft"[^>]*checked', page)
    # Caught by the service: a cost that is not a number, a currency that is not a code.
    response = client.post(
        "/lessons/new/", KIOSK | {"cost_amount": "lots", "cost_currency": "£$", "when": "publish"}
    )
    page = response.content.decode()
    assert "There is a problem" in page and "Enter the cost as a number, like 25000" in page
    assert 'value="lots"' in page and f'value="{KIOSK["title"]}"' in page
    response = client.post(
        "/lessons/new/", KIOSK | {"cost_amount": "5", "cost_currency": "pounds", "when": "publish"}
    )
    assert "Enter a three-letter currency code, like GBP" in response.content.decode()
    response = client.post("/lessons/new/", KIOSK | {"cost_amount": "5", "cost_currency": "1x"})
    page = response.content.decode()
    assert "Choose whether to publish it now" in page  # "when" was not sent
    assert not Lesson.objects.exists()


def test_someone_who_writes_for_several_organisations_chooses_one(client, personas):
    buyer = personas["buyer"]
    Membership.objects.create(
        user=buyer, organisation=personas["trust"], role=Membership.Role.BUYER
    )
    client.force_login(buyer)
    form = client.get("/lessons/new/").content.decode()
    assert 'name="organisation"' in form and "Hillside Health Trust" in form
    response = client.post("/lessons/new/", KIOSK | {"when": "publish"})
    assert "Choose the organisation the lesson is from" in response.content.decode()
    # Not one of theirs: refused as a bad choice.
    response = client.post(
        "/lessons/new/", KIOSK | {"when": "publish", "organisation": personas["coop"].slug}
    )
    assert response.status_code == 200 and not Lesson.objects.exists()
    response = client.post(
        "/lessons/new/", KIOSK | {"when": "publish", "organisation": personas["trust"].slug}
    )
    assert response.status_code == 302
    assert Lesson.objects.get().organisation == personas["trust"]


def test_a_draft_is_checked_changed_and_published_through_the_pages(client, personas, write):
    client.force_login(personas["org_admin"])
    response = client.post("/lessons/new/", KIOSK | {"when": "draft"})
    draft = Lesson.objects.get()
    assert draft.status == Lesson.Status.DRAFT and draft.published_at is None
    page = client.get(response["Location"]).content.decode()
    assert "Draft kept" in page and "Draft: not published yet" in page
    assert f'action="/lessons/{draft.pk}/publish/"' in page
    assert f'href="/lessons/{draft.pk}/edit/"' in page
    assert f'href="/lessons/{draft.pk}/redact/"' in page
    # The draft, changed: the form starts from what was saved.
    form = client.get(f"/lessons/{draft.pk}/edit/").content.decode()
    assert f'value="{KIOSK["title"]}"' in form and 'name="when"' not in form
    response = client.post(f"/lessons/{draft.pk}/edit/", KIOSK | {"title": ""})
    assert "Enter a title" in response.content.decode()
    response = client.post(
        f"/lessons/{draft.pk}/edit/", KIOSK | {"title": "Kiosks: test with residents first"}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "Kiosks: test with residents first"
    # Names removed, one a line; a name not in the lesson is said to be missing.
    response = client.post(
        f"/lessons/{draft.pk}/redact/", {"names": "Zed Quux", "reason": "Privacy"}
    )
    page = response.content.decode()
    assert "None of these names appear in the lesson" in page
    assert "Zed Quux</textarea>" in page  # what was typed is kept
    response = client.post(
        f"/lessons/{draft.pk}/redact/", {"names": "\njo bloggs\n\n", "reason": "A named officer"}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert "Jo Bloggs" not in draft.why and "[name removed]" in draft.why
    response = client.post(f"/lessons/{draft.pk}/publish/")
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Lesson.Status.PUBLISHED and draft.published_at
    page = client.get(f"/lessons/{draft.pk}/").content.decode()
    assert "Lesson published" in page
    assert "names of individuals were removed from 1 passage" in page and "Nia Evans" in page
    assert f'action="/lessons/{draft.pk}/publish/"' in page  # the form holds "Remove names"
    assert ">Publish</button>" not in page and f"/lessons/{draft.pk}/edit/" not in page
    # Published, it can no longer be changed: the edit page sends the owner back.
    response = client.get(f"/lessons/{draft.pk}/edit/", follow=True)
    assert "A published lesson is kept as it was written" in response.content.decode()
    response = client.post(f"/lessons/{draft.pk}/publish/", follow=True)
    assert "This lesson is already published." in response.content.decode()


def test_only_owners_see_the_owners_actions(client, personas, lessons):
    url = f"/lessons/{lessons['published'].pk}/"
    for who in ("resident", "other_buyer", "admin", ANONYMOUS):
        as_persona(client, personas, who)
        assert "Remove names" not in client.get(url).content.decode(), who
    for who in OWNERS:
        as_persona(client, personas, who)
        assert "Remove names" in client.get(url).content.decode(), who


def test_the_lesson_page_shows_the_failure_it_was_captured_from(client, personas):
    with transaction.atomic():
        made = capture.record(
            actor=personas["buyer"],
            entry=capture.lesson(**{k: BRIDGE[k] for k in capture.FIELDS}),
            kind=Capture.Kind.CANCELLED,
            organisation=personas["council"],
            about=personas["council"],
            label="Bridge repair tender: cancelled",
            url="/processes/1/",
            stage="competition",
        )
    page = client.get(f"/lessons/{made.lesson_id}/").content.decode()
    assert "Where it came from" in page
    assert (
        'Process cancelled: <a class="govuk-link" href="/processes/1/">Bridge repair tender: '
        "cancelled</a>" in page
    )


def test_the_navigation_links_to_the_library(client, db):
    page = client.get("/").content.decode()
    assert 'href="/lessons/"' in page and ">Lessons<" in page


# --- feeds ------------------------------------------------------------------------------------


def test_the_feeds_list_published_lessons(client, personas, lessons):
    response = client.get("/lessons/feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    body = response.content.decode()
    for key in ("published", "trust", "imported"):
        assert f"/lessons/{lessons[key].pk}/" in body, key
    assert "Draft about Jo Bloggs" not in body
    assert "Self-service kiosks nobody could use (Riverside Borough Council)" in body
    assert "<name>Westshire County Council</name>" in body
    council = client.get(f"/organisations/{personas['council'].slug}/lessons/feed/")
    body = council.content.decode()
    assert council.status_code == 200 and "Lessons learned from Riverside Borough Council" in body
    assert f"/lessons/{lessons['published'].pk}/" in body
    assert f"/lessons/{lessons['trust'].pk}/" not in body and "Draft about" not in body
    assert client.get("/organisations/nowhere/lessons/feed/").status_code == 404
    library = client.get(f"/lessons/?organisation={personas['trust'].slug}").content.decode()
    assert f"/organisations/{personas['trust'].slug}/lessons/feed/" in library
