"""Contracts and delivery: what was bought, and whether it delivered.

A :class:`Contract` follows an award, signed no earlier than the end of its standstill. It has
:class:`Milestone` rows (acceptance criteria; pending → accepted | rejected), :class:`Outcome`
measures (a target and the actuals recorded), :class:`Amendment` rows (each with its value
change, so the cumulative change is always shown) and may be terminated, with a reason.
Everything here is public: it is contracting, paid for by the public.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from openbuy.accounts.models import Organisation
from openbuy.evaluation.models import Award
from openbuy.processes.models import Process


class Contract(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        TERMINATED = "terminated", "Terminated"

    award = models.OneToOneField(Award, on_delete=models.PROTECT, related_name="contract")
    process = models.ForeignKey(Process, on_delete=models.PROTECT, related_name="contracts")
    supplier = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="contracts")
    title = models.CharField(max_length=150)
    value_amount = models.DecimalField(max_digits=16, decimal_places=2)
    currency = models.CharField(max_length=3)
    starts_on = models.DateField()
    ends_on = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    signed_at = models.DateTimeField(default=timezone.now)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    termination_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-signed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="contract_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(status="terminated") | ~Q(termination_reason=""),
                name="contract_termination_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Milestone(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Not accepted"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="milestones")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=150)
    acceptance_criteria = models.TextField()
    due_on = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["contract", "number"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "number"], name="milestone_number_unique")
        ]

    def __str__(self) -> str:
        return self.title


class Outcome(models.Model):
    """An outcome measure: what the contract should change, its target and what was measured."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="outcomes")
    name = models.CharField(max_length=150)
    unit = models.CharField(max_length=50, blank=True)
    target = models.DecimalField(max_digits=16, decimal_places=2)
    actual = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    measured_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["contract", "id"]

    def __str__(self) -> str:
        return self.name


class Amendment(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="amendments")
    value_change = models.DecimalField(max_digits=16, decimal_places=2)
    reason = models.TextField()
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    made_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["contract", "made_at", "id"]

    def __str__(self) -> str:
        return f"Amendment {self.pk}"
