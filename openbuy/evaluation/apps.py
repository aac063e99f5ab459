from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "openbuy.evaluation"
    label = "evaluation"
    verbose_name = "Evaluation"

    def ready(self) -> None:
        from openbuy.evaluation.selectors import related_block
        from openbuy.processes.models import Process
        from openbuy.ui import related

        related.register(Process, related_block)

        from openbuy.accounts.models import Organisation
        from openbuy.evaluation.selectors import organisation_block

        related.register(Organisation, organisation_block)

        from openbuy.evaluation.services import gate_allows
        from openbuy.processes import gates

        gates.register(gate_allows)

        from openbuy.lessons import links
        from openbuy.processes.models import Phase

        links.register(
            "evaluation:gate_outcome",
            links.Linkable(
                find=lambda kwargs: (
                    Phase.objects.select_related("process")
                    .filter(process_id=kwargs["pk"], number=kwargs["number"])
                    .first()
                ),
                organisation_id=lambda phase: phase.process.organisation_id,
                label=lambda phase: (
                    f"Stage gate after phase {phase.number} of “{phase.process.title}”"
                ),
            ),
        )
