from django.apps import AppConfig


class ProcessesConfig(AppConfig):
    name = "openbuy.processes"
    label = "processes"
    verbose_name = "Procurement processes"

    def ready(self) -> None:
        from django.core import checks
        from django.urls import reverse

        checks.register(_seal_key_check, checks.Tags.security, deploy=True)

        from openbuy.discussion import registry
        from openbuy.processes import services  # noqa: F401 - connects the amendment receiver
        from openbuy.processes.models import Process

        registry.register_followable(
            Process, lambda process: reverse("processes:detail", args=[process.pk])
        )

        from openbuy.processes.selectors import related_block
        from openbuy.specifications.models import Specification
        from openbuy.ui import related

        related.register(Specification, related_block)

        from openbuy.lessons.selectors import acknowledgements_block, captures_block

        related.register(Process, acknowledgements_block)
        related.register(Process, lambda process, user: captures_block(process))

        from openbuy.lessons import links

        links.register(
            "processes:detail",
            links.Linkable(
                find=lambda kwargs: Process.objects.filter(pk=kwargs["pk"]).first(),
                organisation_id=lambda process: process.organisation_id,
                label=lambda process: f"Process: {process.title}",
            ),
        )


def _seal_key_check(app_configs, **kwargs):
    from django.conf import settings
    from django.core.checks import Warning

    if settings.SEAL_KEY or settings.DEBUG:
        return []
    return [
        Warning(
            "OPENBUY_SEAL_KEY is not set: sealed submissions use a key derived from the secret "
            "key, so rotating the secret key would lose every submission not yet opened.",
            hint="Set OPENBUY_SEAL_KEY to a long random string and back it up apart from the "
            "database.",
            id="openbuy.processes.W001",
        )
    ]
