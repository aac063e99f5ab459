"""The demo's lessons register: the council's own lessons, a draft with a name still in it, the
Health Trust's, and a neighbour's register imported from the sample spreadsheet."""

from django.core.management import call_command

from openbuy.lessons import index, selectors
from openbuy.lessons.models import Lesson


def test_demo_has_lessons_from_several_organisations(db, client):
    index.forget()
    call_command("demo")
    published = Lesson.objects.filter(status=Lesson.Status.PUBLISHED)
    assert {lesson.by for lesson in published} >= {
        "Riverside Borough Council",
        "Hillside Health Trust",
        "Westshire County Council",
        "North Vale Housing Association",
    }
    draft = Lesson.objects.get(status=Lesson.Status.DRAFT)
    assert "Dana Whitfield" in draft.happened  # for the buyer to remove before publishing
    assert Lesson.objects.filter(source=Lesson.Source.IMPORTED).count() == 3
    index.build()
    found = selectors.similar("Open the library in the evening with self-service access")
    assert found and found[0].lesson.title in {
        "Library self-service kiosks went unused",
        "Evening clinic opening without staff drew few patients",
    }
    call_command("demo")  # loading again adds nothing
    assert Lesson.objects.count() == published.count() + 1
    index.forget()
