from django.db.models import QuerySet

from openbuy.audit.models import AuditEvent


def public_events() -> QuerySet[AuditEvent]:
    """The events anyone may read, newest first. Confidential events never appear here."""
    return AuditEvent.objects.public().order_by("-id")
