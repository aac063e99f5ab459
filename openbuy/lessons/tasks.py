"""Background work for lessons: rebuilding the similarity index after a change."""

from django_tasks import task


@task()
def reindex() -> int:
    from openbuy.lessons import index

    return index.build().lessons
