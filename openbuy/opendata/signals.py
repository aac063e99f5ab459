"""Publishing on every contracting event: a change to a process, its phases, awards or
contracts queues one publication of that process after the transaction commits."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save


def _process_id(instance) -> int | None:
    """The process a saved row belongs to: directly, or through its contract or phase."""
    if getattr(instance, "process_id", None):
        return instance.process_id
    for name in ("contract", "phase"):
        related = getattr(instance, name, None)
        if related is not None:
            return related.process_id
    return None


def _queue(process_id: int) -> None:
    """Queue one publication of the process when the transaction commits; a rollback drops it
    with the transaction, so nothing is remembered past it."""
    connection = transaction.get_connection()
    for _, queued, *_ in connection.run_on_commit:
        if getattr(queued, "process_id", None) == process_id and not queued.ran:
            return

    def publish() -> None:
        from openbuy.opendata import tasks

        publish.ran = True  # type: ignore[attr-defined]
        tasks.publish_process.enqueue(process_id)

    publish.process_id = process_id  # type: ignore[attr-defined]
    publish.ran = False  # type: ignore[attr-defined]
    transaction.on_commit(publish)


def on_save(sender, instance, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    process_id = instance.pk if sender.__name__ == "Process" else _process_id(instance)
    if process_id:
        _queue(process_id)


def connect() -> None:
    from django.apps import apps

    for label in (
        "processes.Process",
        "processes.Phase",
        "processes.ProcessEvent",
        "evaluation.Award",
        "evaluation.Prize",
        "evaluation.GateDecision",
        "contracts.Contract",
        "contracts.Milestone",
        "contracts.Amendment",
    ):
        post_save.connect(on_save, sender=apps.get_model(label), dispatch_uid=f"ocds-{label}")
