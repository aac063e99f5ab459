"""The task layer: in-process by default, queued for `openbuy db_worker` in production."""

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings

from openbuy.tasks import send_email

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_immediate_backend_sends_at_once(db):
    send_email.enqueue(subject="Hello", body="Body", to=["a@example.org"])
    assert [m.subject for m in mail.outbox] == ["Hello"]


@pytest.mark.django_db(transaction=True)
def test_database_backend_queues_until_a_worker_runs():
    from django_tasks_db.models import DBTaskResult

    with override_settings(TASKS=DATABASE_TASKS):  # django-tasks resets its backends on this
        send_email.enqueue(subject="Queued", body="Body", to=["a@example.org"], html="<p>Hi</p>")
        assert mail.outbox == []
        assert DBTaskResult.objects.count() == 1
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert [m.subject for m in mail.outbox] == ["Queued"]
    assert mail.outbox[0].alternatives[0][1] == "text/html"
