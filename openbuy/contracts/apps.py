from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "openbuy.contracts"
    label = "contracts"
    verbose_name = "Contracts and delivery"

    def ready(self) -> None:
        from openbuy.contracts.selectors import related_block
        from openbuy.processes.models import Process
        from openbuy.ui import related

        related.register(Process, related_block)

        from openbuy.contracts.models import Contract
        from openbuy.lessons.selectors import captures_block

        related.register(
            Contract,
            lambda contract, user: captures_block(contract, *contract.milestones.all()),
        )

        from openbuy.lessons import links

        links.register(
            "contracts:detail",
            links.Linkable(
                find=lambda kwargs: (
                    Contract.objects.select_related("process").filter(pk=kwargs["pk"]).first()
                ),
                organisation_id=lambda contract: contract.process.organisation_id,
                label=lambda contract: f"Contract: {contract.title}",
            ),
        )
