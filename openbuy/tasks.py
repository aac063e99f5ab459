"""Background work, through Django's task framework (the django-tasks backport).

Runs in-process by default (OPENBUY_TASKS=immediate) and in `openbuy db_worker` processes in
production (OPENBUY_TASKS=database). Task arguments must be JSON-serialisable.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django_tasks import task


@task()
def send_email(*, subject: str, body: str, to: list[str], html: str | None = None) -> int:
    message = EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, to)
    if html:
        message.attach_alternative(html, "text/html")
    return message.send()
