import pytest

from openbuy.needs import services
from openbuy.needs.areas import load_cpv_divisions
from openbuy.needs.models import Area, NeedsPolicy


@pytest.fixture
def area(db):
    # Seeded by a migration; a transactional test elsewhere may have emptied the table since.
    load_cpv_divisions(Area)
    return Area.objects.get(slug="health-and-social-work-services")


@pytest.fixture
def raise_need(personas, area):
    def _raise(title="No step-free access at Riverside station", who="resident", **extra):
        values = {
            "description": "The lift has been broken for months.",
            "affects": "Wheelchair users and parents with buggies",
            "area": area,
            "organisation": personas["council"],
            **extra,
        }
        return services.need_raise(actor=personas[who], title=title, **values)

    return _raise


@pytest.fixture
def low_threshold(personas):
    return NeedsPolicy.objects.create(
        organisation=personas["council"], support_threshold=2, answer_within_days=14
    )
