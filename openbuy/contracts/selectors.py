"""Reads of contracts: public, as contracting is."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from openbuy.contracts.models import Contract


@dataclass(frozen=True)
class Money:
    original: Decimal
    change: Decimal  # the sum of every amendment's value change

    @property
    def current(self) -> Decimal:
        return self.original + self.change

    @property
    def change_percent(self) -> Decimal:
        if not self.original:
            return Decimal(0)
        return (self.change * 100 / self.original).quantize(Decimal("0.1"))


def money(contract: Contract) -> Money:
    change = contract.amendments.aggregate(total=Sum("value_change"))["total"] or Decimal(0)
    return Money(contract.value_amount, Decimal(change).quantize(Decimal("0.01")))


def contract_for(pk: int) -> Contract | None:
    return (
        Contract.objects.select_related("process", "supplier", "award", "signed_by")
        .filter(pk=pk)
        .first()
    )


def related_block(process, user):
    """For a process page: its contracts, and for its buyer, a way to sign one after the
    standstill."""
    from django.urls import reverse

    from openbuy.accounts.rules import can
    from openbuy.evaluation.models import Award
    from openbuy.ui.related import Related

    contracts = list(Contract.objects.filter(process=process).select_related("supplier"))
    links = [
        (
            f"{c.title} with {c.supplier.name} ({c.get_status_display().lower()})",
            reverse("contracts:detail", args=[c.pk]),
        )
        for c in contracts
    ]
    actions = []
    if user is not None and can(user, "processes.run", process):
        for award in Award.objects.filter(process=process, contract__isnull=True):
            actions.append(("Sign the contract", reverse("contracts:sign", args=[award.pk])))
    if not links and not actions:
        return None
    return Related(heading="Contracts", links=links, actions=actions)
