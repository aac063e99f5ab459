from django.apps import AppConfig


class UiConfig(AppConfig):
    """The shared look: the GOV.UK Frontend layout, components and form renderer."""

    name = "openbuy.ui"
    label = "ui"
    verbose_name = "User interface"
