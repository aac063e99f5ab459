from django.apps import AppConfig


class UiConfig(AppConfig):
    """The shared look: the GOV.UK Frontend layout, components and form renderer."""

    name = "openbuy.ui"
    label = "ui"
    verbose_name = "User interface"

    def ready(self) -> None:
        from django.urls import register_converter

        from openbuy.ui.converters import IdConverter

        register_converter(IdConverter, "id")
