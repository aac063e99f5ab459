from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "openbuy.opendata"
    label = "opendata"
    verbose_name = "Open data (OCDS)"

    def ready(self) -> None:
        from django.core import checks

        from openbuy.opendata import signals

        signals.connect()
        checks.register(_thresholds_check)


def _thresholds_check(app_configs, **kwargs):
    """A mistyped red flag threshold stops start-up, naming the variable, rather than quietly
    changing what is flagged."""
    from django.core.checks import Error

    from openbuy.opendata import redflags

    try:
        redflags.thresholds_from_settings()
    except ValueError as error:
        return [
            Error(
                f"OPENBUY_{error}",
                hint="See the red flag variables in docs/operations.md.",
                id="openbuy.opendata.E001",
            )
        ]
    return []
