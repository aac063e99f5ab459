from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "openbuy.demo"
    label = "demo"
    verbose_name = "Demo data"
