"""Open data in the Open Contracting Data Standard (OCDS 1.1): releases, records, and the
few fields of each record that the dashboards and red flags query.

One table holds our own releases and those imported from other publishers. A release is stored
once and never changed; a record is recompiled from its releases whenever one arrives. Imported
records that only link to their releases keep the publisher's compiled release as given.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Publisher(models.Model):
    """Who published a release: this instance (``local``) or another publisher's package."""

    name = models.CharField(max_length=300)
    scheme = models.CharField(max_length=100, blank=True)
    uid = models.CharField(max_length=300, blank=True)
    uri = models.CharField(max_length=500, blank=True)
    local = models.BooleanField(default=False)
    license = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "scheme", "uid", "uri"], name="publisher_key"),
            models.UniqueConstraint(
                fields=["local"], condition=models.Q(local=True), name="publisher_one_local"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Release(models.Model):
    """One OCDS release, exactly as published (ours) or as imported (upgraded to 1.1)."""

    publisher = models.ForeignKey(Publisher, on_delete=models.PROTECT, related_name="releases")
    ocid = models.CharField(max_length=200)
    release_id = models.CharField(max_length=200)
    date = models.DateTimeField()
    tags = models.JSONField(default=list)
    data = models.JSONField()
    # sha256 of the canonical JSON: re-importing the same release changes nothing.
    digest = models.CharField(max_length=64)
    stored_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["ocid", "release_id"], name="release_unique_id"),
        ]
        indexes = [
            models.Index(fields=["-date", "-id"], name="release_newest"),
            models.Index(fields=["ocid", "date"], name="release_ocid_date"),
            models.Index(fields=["release_id"], name="release_id"),
        ]

    def __str__(self) -> str:
        return f"{self.ocid} {self.release_id}"


class Record(models.Model):
    """Everything known about one contracting process (one ``ocid``), compiled from its releases.

    The columns after ``versioned`` are read from the compiled release, so the dashboards and red
    flags can filter and sum without parsing JSON; ``openbuy.opendata.extract`` fills them.
    """

    ocid = models.CharField(max_length=200, unique=True)
    publisher = models.ForeignKey(Publisher, on_delete=models.PROTECT, related_name="records")
    # Our own process (and phase, for a staged competition) when the record is local.
    process = models.ForeignKey(
        "processes.Process",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ocds_records",
    )
    phase_number = models.PositiveSmallIntegerField(null=True, blank=True)
    compiled = models.JSONField()
    versioned = models.JSONField(null=True, blank=True)
    # The record's releases when the publisher linked rather than embedded them.
    linked_releases = models.JSONField(default=list, blank=True)
    digest = models.CharField(max_length=64)
    date = models.DateTimeField(help_text="The date of the newest release.")
    updated_at = models.DateTimeField(default=timezone.now)

    title = models.CharField(max_length=500, blank=True)
    buyer_id = models.CharField(max_length=300, blank=True)
    buyer_name = models.CharField(max_length=300, blank=True)
    tender_status = models.CharField(max_length=30, blank=True)
    method = models.CharField(max_length=30, blank=True)
    value_amount = models.DecimalField(max_digits=20, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    tender_start = models.DateTimeField(null=True, blank=True)
    tender_end = models.DateTimeField(null=True, blank=True)
    tenderers = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["-date", "-id"], name="record_newest"),
            models.Index(fields=["publisher", "-date"], name="record_publisher_newest"),
            models.Index(fields=["buyer_name"], name="record_buyer"),
        ]

    def __str__(self) -> str:
        return self.ocid

    @property
    def external(self) -> bool:
        return not self.publisher.local


class Party(models.Model):
    """An organisation in a record, with its roles."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="parties")
    party_id = models.CharField(max_length=300, blank=True)
    name = models.CharField(max_length=500, blank=True)
    roles = models.JSONField(default=list)
    # OCDS "scale" (micro, sme, large) where the publisher gives it; social enterprise likewise.
    scale = models.CharField(max_length=20, blank=True)
    social_enterprise = models.BooleanField(null=True)

    class Meta:
        ordering = ["record", "id"]

    def __str__(self) -> str:
        return self.name


class Award(models.Model):
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="awards")
    award_id = models.CharField(max_length=300)
    status = models.CharField(max_length=30, blank=True)
    date = models.DateTimeField(null=True, blank=True)
    value_amount = models.DecimalField(max_digits=20, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    # [{"id": …, "name": …}] as in the award's suppliers.
    suppliers = models.JSONField(default=list)

    class Meta:
        ordering = ["record", "id"]

    def __str__(self) -> str:
        return self.award_id


class Contract(models.Model):
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="contracts")
    contract_id = models.CharField(max_length=300)
    award_id = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=30, blank=True)
    date_signed = models.DateTimeField(null=True, blank=True)
    value_amount = models.DecimalField(max_digits=20, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)

    class Meta:
        ordering = ["record", "id"]

    def __str__(self) -> str:
        return self.contract_id


class RedFlag(models.Model):
    """One red flag raised on one record (see ``openbuy.opendata.redflags`` for the definitions).

    Recomputed whole by ``openbuy.opendata.flags.refresh`` after each publication or import,
    because several flags compare a process with the rest of its buyer's."""

    # Empty for a flag about a buyer as a whole (supplier concentration).
    record = models.ForeignKey(
        Record, on_delete=models.CASCADE, null=True, blank=True, related_name="red_flags"
    )
    code = models.CharField(max_length=50)
    buyer_id = models.CharField(max_length=300, blank=True)
    buyer_name = models.CharField(max_length=300, blank=True)
    supplier_name = models.CharField(max_length=500, blank=True)
    award_id = models.CharField(max_length=300, blank=True)
    contract_id = models.CharField(max_length=300, blank=True)
    measured = models.CharField(max_length=300)
    value = models.DecimalField(max_digits=30, decimal_places=6, null=True, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["code", "record", "id"]
        indexes = [models.Index(fields=["code"], name="redflag_code")]

    def __str__(self) -> str:
        return f"{self.code} on {self.record_id}"
