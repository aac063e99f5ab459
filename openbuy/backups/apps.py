from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "openbuy.backups"
    label = "backups"
    verbose_name = "Backups"
