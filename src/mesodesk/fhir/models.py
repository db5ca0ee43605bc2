"""The Bulk Data export's jobs and the NDJSON files they wrote (fhir.bulk)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ExportLevel(models.TextChoices):
    SYSTEM = "system", "System"
    PATIENT = "patient", "Patient"
    GROUP = "group", "Group"


class ExportJob(models.Model):
    """One `$export` kick-off: what was asked, for whom, and how far the worker got.

    The cursor (type_index, source_index, last_pk) is the last saved point: the rows of
    type `types[type_index]`, source `source_index`, with a primary key above `last_pk` are
    still to be written. A worker claims the job for one slice (claimed_by, claimed_at);
    a claim older than the lease is a dead worker's and is taken over from the cursor."""

    # The status and file addresses' id: random, so one job's address says nothing of
    # another's.
    key = models.CharField(max_length=32, unique=True)
    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # Only the token that asked polls, cancels and downloads.
    token = models.ForeignKey(
        "accounts.ApiToken", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    level = models.CharField(max_length=10, choices=ExportLevel.choices)
    group = models.CharField(max_length=64, blank=True)
    types = models.JSONField(default=list)  # FHIR type names, in REGISTRY's order
    since = models.DateTimeField(null=True, blank=True)
    transaction_time = models.DateTimeField()
    request = models.TextField()  # the kick-off URL as called
    base = models.CharField(max_length=500)  # the FHIR base the files' URLs start with
    status = models.CharField(
        max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    error = models.TextField(blank=True)
    total = models.PositiveBigIntegerField(null=True, blank=True)
    done = models.PositiveBigIntegerField(default=0)
    type_index = models.PositiveIntegerField(default=0)
    source_index = models.PositiveIntegerField(default=0)
    last_pk = models.BigIntegerField(default=0)
    claimed_by = models.CharField(max_length=200, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=("clinic", "status"), name="fhir_exportjob_clinic_status"),
            models.Index(fields=("status", "created_at"), name="fhir_exportjob_status_created"),
            models.Index(fields=("expires_at",), name="fhir_exportjob_expires"),
        ]

    def __str__(self) -> str:
        return f"export {self.key} ({self.status})"


class ExportFile(models.Model):
    """One NDJSON file of a job: resources of one type, or the OperationOutcomes of rows
    that could not be built (`error`)."""

    job = models.ForeignKey(ExportJob, on_delete=models.CASCADE, related_name="files")
    seq = models.PositiveIntegerField()  # its number in the job, in its URL
    type = models.CharField(max_length=64)
    error = models.BooleanField(default=False)
    name = models.CharField(max_length=300)  # in the export storage
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("job", "seq"), name="fhir_exportfile_one_seq")
        ]

    def __str__(self) -> str:
        return f"{self.type} file {self.seq} of export {self.job_id}"
