from django.apps import AppConfig


class ProcessesConfig(AppConfig):
    name = "openbuy.processes"
    label = "processes"
    verbose_name = "Procurement processes"

    def ready(self) -> None:
        from django.urls import reverse

        from openbuy.discussion import registry
        from openbuy.processes import services  # noqa: F401 - connects the amendment receiver
        from openbuy.processes.models import Process

        registry.register_followable(
            Process, lambda process: reverse("processes:detail", args=[process.pk])
        )
