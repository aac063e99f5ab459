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
