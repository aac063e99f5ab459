"""The starting taxonomy of areas: the 45 top-level divisions of the Common Procurement
Vocabulary (CPV 2008), from data/cpv_divisions.csv."""

import csv
from pathlib import Path

from django.utils.text import slugify

DIVISIONS = Path(__file__).resolve().parent / "data" / "cpv_divisions.csv"


def load_cpv_divisions(area_model) -> int:
    """Create the areas that are missing; return how many were created. Idempotent.

    Takes the model as an argument so that migrations can pass their historical model.
    """
    created = 0
    with DIVISIONS.open(encoding="utf-8") as rows:
        for row in csv.DictReader(rows):
            _, new = area_model.objects.get_or_create(
                code=f"CPV {row['code']}",
                defaults={"name": row["name"], "slug": slugify(row["name"])[:80]},
            )
            created += int(new)
    return created
