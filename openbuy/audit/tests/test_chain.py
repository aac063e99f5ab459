"""The audit log is append-only and tamper-evident, also under concurrent writers."""

import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from openbuy.audit import services as audit
from openbuy.audit.models import GENESIS_HASH, AppendOnlyError, AuditEvent
from openbuy.audit.services import verify_chain


def write(n, actor=None, public=True):
    for i in range(n):
        with transaction.atomic():
            audit.record(
                actor=actor,
                action="test.event",
                summary=f"event {i}",
                public=public,
                after={"i": i, "amount": "12.50"},
            )


@pytest.fixture
def tamperable(db):
    """Raw SQL that goes around the append-only trigger, as an attacker with database access
    would."""

    def run(sql, params=()):
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("DROP TRIGGER IF EXISTS audit_event_append_only")
            else:
                cursor.execute(
                    "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only"
                )
            cursor.execute(sql, params)

    return run


def test_events_link_into_a_chain(db):
    write(3)
    events = list(AuditEvent.objects.order_by("id"))
    assert events[0].prev_hash == GENESIS_HASH
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    report = verify_chain()
    assert report.ok and report.checked == 3 and report.head == events[-1].hash


def test_record_refuses_to_run_outside_a_transaction(transactional_db):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit.record(actor=None, action="x", summary="x")


def test_the_model_refuses_changes_and_deletion(db):
    write(1)
    event = AuditEvent.objects.get()
    event.summary = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.update(summary="rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


def test_the_database_refuses_updates(db):
    write(1)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE audit_auditevent SET summary = 'rewritten'")


@pytest.mark.parametrize(
    ("sql", "problem"),
    [
        (
            "UPDATE audit_auditevent SET summary = 'nothing to see' WHERE id = %s",
            "content no longer matches",
        ),
        ("UPDATE audit_auditevent SET changes = '{}' WHERE id = %s", "content no longer matches"),
        ("DELETE FROM audit_auditevent WHERE id = %s", "previous hash does not match"),
    ],
)
def test_verify_names_the_first_broken_link(db, tamperable, sql, problem):
    write(5)
    ids = list(AuditEvent.objects.order_by("id").values_list("id", flat=True))
    tamperable(sql, [ids[2]])
    report = verify_chain()
    assert not report.ok
    broken = ids[2] if "UPDATE" in sql else ids[3]
    assert report.broken_at.pk == broken
    assert problem in report.problem
    assert report.checked == 2
    with pytest.raises(CommandError, match=f"broken at event #{broken}"):
        call_command("audit", "verify")


def test_a_rehashed_event_still_breaks_the_next_link(db, tamperable):
    """Rewriting an event and its own hash is caught by the event after it."""
    write(3)
    _, second, _ = AuditEvent.objects.order_by("id")
    second.summary = "forged"
    forged_hash = second.compute_hash()
    tamperable(
        "UPDATE audit_auditevent SET summary = 'forged', hash = %s WHERE id = %s",
        [forged_hash, second.pk],
    )
    report = verify_chain()
    assert not report.ok
    assert report.broken_at.pk == second.pk + 1


def test_verify_command_reports_an_intact_chain(db, capsys):
    write(2)
    call_command("audit", "verify")
    assert "Audit chain intact: 2 events" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unbroken_chain():
    """Four threads append at once; the chain must neither fork nor lose an event."""
    errors = []
    barrier = threading.Barrier(4)

    def writer():
        try:
            barrier.wait()
            write(10)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert AuditEvent.objects.count() == 40
    report = verify_chain()
    assert report.ok, report.problem
    assert report.checked == 40
