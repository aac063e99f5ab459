from django.apps import AppConfig


class NeedsConfig(AppConfig):
    name = "openbuy.needs"
    label = "needs"
    verbose_name = "Needs"
