from django.db import migrations

from openbuy.needs.areas import load_cpv_divisions


def seed(apps, schema_editor):
    load_cpv_divisions(apps.get_model("needs", "Area"))


def unseed(apps, schema_editor):
    apps.get_model("needs", "Area").objects.filter(code__startswith="CPV ", needs=None).delete()


class Migration(migrations.Migration):
    """Seed the areas with the 45 top-level divisions of the Common Procurement Vocabulary."""

    dependencies = [("needs", "0001_needs_supports_answers")]

    operations = [migrations.RunPython(seed, unseed)]
