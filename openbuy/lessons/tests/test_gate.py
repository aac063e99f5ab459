"""The lessons gate with the real register: a buyer in another organisation faces a similar
lesson beside the text, cannot freeze or open until it is acknowledged, and the answer is
public."""

import pytest
from django.core.exceptions import ValidationError

from openbuy.lessons import gate, index, services
from openbuy.lessons.models import Acknowledgement
from openbuy.processes import services as process_services
from openbuy.processes.tests.conftest import plan
from openbuy.specifications import services as spec_services

pytestmark = pytest.mark.django_db

# Like the ``spec`` fixture's text (evening access to the library, self-service), in other words.
LIBRARY = {
    "title": "Unstaffed evening library opening failed",
    "tried": "We opened a branch library in the evenings with self-service access and no staff.",
    "happened": "Few residents came after dark; older people felt unsafe without staff.",
    "why": "We did not ask residents when they wanted the library open or what they needed.",
    "do_differently": "Ask residents first and pilot evening access with staff on hand.",
}
UNRELATED = {
    "title": "Road gritting contract ran out of salt",
    "tried": "A winter gritting contract priced per tonne.",
    "happened": "Salt ran out in January during a cold snap.",
    "why": "The contract set no minimum stock level.",
    "do_differently": "Require a minimum salt stock and check it monthly.",
}


@pytest.fixture
def lesson(personas):
    """A lesson of the Health Trust's, published and indexed."""
    from openbuy.accounts.models import Membership

    Membership.objects.get_or_create(
        user=personas["other_buyer"],
        organisation=personas["trust"],
        defaults={"role": Membership.Role.BUYER},
    )
    index.forget()
    made = services.lesson_create(
        actor=personas["other_buyer"], organisation=personas["trust"], data=LIBRARY
    )
    services.lesson_create(
        actor=personas["other_buyer"], organisation=personas["trust"], data=UNRELATED
    )
    index.build()
    yield made
    index.forget()


def test_the_editor_shows_similar_lessons_beside_the_text(client, personas, spec, lesson):
    client.force_login(personas["buyer"])
    page = client.get(f"/specifications/{spec.pk}/sections/outcomes/edit/")
    text = page.content.decode()
    assert page.status_code == 200 and "Past lessons like this" in text
    assert lesson.title in text and f"/lessons/{lesson.pk}/" in text
    assert "Road gritting" not in text  # below the relevance threshold


def test_freezing_waits_for_every_similar_lesson_to_be_answered(client, personas, spec, lesson):
    client.force_login(personas["buyer"])
    url = f"/specifications/{spec.pk}/freeze/"
    page = client.get(url).content.decode()
    assert lesson.title in page and "Road gritting" not in page
    refused = client.post(url, {})
    assert refused.status_code == 400
    spec.refresh_from_db()
    assert spec.status == "drafting"
    done = client.post(
        url,
        {
            f"lesson_{lesson.pk}": gate.Verdict.ADDRESSED,
            f"lesson_{lesson.pk}_text": "Staff stay on hand for the first three months.",
        },
    )
    assert done.status_code == 302
    spec.refresh_from_db()
    assert spec.status == "frozen"
    answer = Acknowledgement.objects.get()
    assert (answer.lesson, answer.by, answer.target) == (lesson, personas["buyer"], spec)
    assert answer.score > 0
    # Public on the specification's page, for anyone.
    client.logout()
    public = client.get(f"/specifications/{spec.pk}/").content.decode()
    assert "Lessons faced" in public and "Staff stay on hand for the first three months." in public
    assert "Hillside Health Trust" in public


def test_opening_a_process_faces_the_lessons_too(client, personas, spec, lesson, clock):
    buyer = personas["buyer"]
    spec_services.specification_freeze(
        actor=buyer,
        spec=spec,
        acknowledgements=[gate.Acknowledgement(lesson.pk, gate.Verdict.ADDRESSED, "Staffed.")],
    )
    spec.refresh_from_db()
    process = process_services.process_create(actor=buyer, specification=spec, kind="tender")
    plan(process, buyer)
    with pytest.raises(ValidationError) as error:
        process_services.process_publish(actor=buyer, process=process)
    assert f"lesson_{lesson.pk}" in error.value.message_dict
    process_services.process_publish(
        actor=buyer,
        process=process,
        acknowledgements=[
            gate.Acknowledgement(lesson.pk, gate.Verdict.NOT_RELEVANT, "Daytime only now.")
        ],
    )
    page = client.get(f"/processes/{process.pk}/").content.decode()
    assert "Lessons faced" in page and "Daytime only now." in page


# --- what a hand-written lesson is about -------------------------------------------------------


def test_a_lesson_links_to_the_organisations_own_work_by_its_address(personas, spec, client):
    buyer = personas["buyer"]
    made = services.lesson_create(
        actor=buyer,
        organisation=personas["council"],
        data=UNRELATED | {"about": f"https://openbuy.example/specifications/{spec.pk}/#x"},
    )
    assert made.about == spec and made.about_url == f"/specifications/{spec.pk}/"
    assert made.about_label == "Specification: Evening access to libraries"
    page = client.get(f"/lessons/{made.pk}/").content.decode()
    assert f'href="/specifications/{spec.pk}/"' in page
    for address, message in [
        ("/lessons/", "cannot be about that page"),
        ("/processes/999999/", "no such page"),
        (f"/processes/{2**70}/", "no such page"),
        ("/no/such/path/", "no such page"),
        ("javascript:alert(1)", "like /processes/12/"),
    ]:
        with pytest.raises(ValidationError) as error:
            services.lesson_create(
                actor=buyer, organisation=personas["council"], data=UNRELATED | {"about": address}
            )
        assert message in str(error.value.message_dict["about"]), address
    # Another organisation's work is refused.
    with pytest.raises(ValidationError, match="only be about its own work"):
        services.lesson_create(
            actor=personas["other_buyer"],
            organisation=personas["trust"],
            data=UNRELATED | {"about": f"/specifications/{spec.pk}/"},
        )


def test_the_lesson_form_and_api_take_the_address(personas, spec, client):
    client.force_login(personas["buyer"])
    form = {
        "title": UNRELATED["title"],
        "tried": "a",
        "happened": "b",
        "why": "c",
        "do_differently": "d",
        "cost_currency": "GBP",
        "when": "publish",
        "about": "/nowhere/",
    }
    page = client.post("/lessons/new/", form)
    assert page.status_code == 200 and "There is no such page" in page.content.decode()
    assert 'value="/nowhere/"' in page.content.decode()  # kept
    done = client.post("/lessons/new/", form | {"about": f"/specifications/{spec.pk}/"})
    assert done.status_code == 302
    api = client.post(
        "/api/v1/lessons",
        {
            **{k: form[k] for k in ("title", "tried", "happened", "why", "do_differently")},
            "about": "/nowhere/",
        },
        content_type="application/json",
    )
    assert api.status_code == 422 and "about" in api.content.decode()
