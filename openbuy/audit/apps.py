from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "openbuy.audit"
    label = "audit"
    verbose_name = "Audit log"
