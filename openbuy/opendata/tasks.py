"""Background work for open data: publishing a process's releases after a change."""

from django_tasks import task


@task()
def publish_process(process_id: int) -> int:
    from openbuy.opendata import flags, publish

    released = len(publish.process(process_id))
    if released:
        # Several flags compare a process with the others: recompute them all.
        flags.refresh()
    return released
