from django.apps import AppConfig


class LessonsConfig(AppConfig):
    name = "openbuy.lessons"
    label = "lessons"
    verbose_name = "Lessons learned"

    def ready(self) -> None:
        from django.core import checks

        checks.register(_engine_check)


def _engine_check(app_configs, **kwargs):
    """A semantic engine without its packages would fail every page that matches lessons: say so
    at start-up (``openbuy check``, and before the server runs migrations) instead."""
    from django.conf import settings
    from django.core.checks import Error

    from openbuy.lessons import similarity

    try:
        similarity.engine_from_name(settings.LESSONS_ENGINE)
    except (similarity.SemanticUnavailableError, ValueError) as error:
        return [
            Error(
                f"OPENBUY_LESSONS_ENGINE={settings.LESSONS_ENGINE}: {error}",
                hint="Install openbuy[semantic], or set OPENBUY_LESSONS_ENGINE=tfidf.",
                id="openbuy.lessons.E001",
            )
        ]
    return []
