"""Export jobs: starting one, what it exports, how far it is, its manifest, cancelling it
and removing it when its files expire. The worker's part is in `fhir.bulk.worker`.

Files live in Django's storage "fhir_exports" when settings.STORAGES names one, else in the
folder media/fhir-exports of the data folder; never linked to, served only through the file
view to the token that asked. They are removed EXPIRY after the job finished (or failed).
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import transaction
from django.db.models import QuerySet

from mesodesk.accounts.models import ApiToken
from mesodesk.clinics.reading import may_read
from mesodesk.fhir.bulk import groups
from mesodesk.fhir.models import ExportJob, ExportLevel, ExportStatus
from mesodesk.fhir.registry import REGISTRY, Context, FhirType, Source

EXPIRY = timedelta(hours=24)
# Jobs of one clinic queued or running at once; one more is refused with 429.
MAX_ACTIVE_PER_CLINIC = 3


def export_storage() -> Storage:
    """Where the NDJSON files are written."""
    if "fhir_exports" in settings.STORAGES:
        return storages["fhir_exports"]
    return FileSystemStorage(
        location=str(Path(settings.VAR_DIR) / "media" / "fhir-exports"), base_url=None
    )


class TooMany(Exception):
    """The clinic has MAX_ACTIVE_PER_CLINIC exports under way."""


def exportable_types(ctx: Context, level: str) -> list[FhirType]:
    """The types an export at `level` may hold for the caller, in the registry's order:
    those the member reads, and below system level those of a patient's compartment."""
    found = []
    for fhir_type in REGISTRY.values():
        if ctx.member is not None and not may_read(ctx.member, fhir_type.part):
            continue
        if level != ExportLevel.SYSTEM and not any(s.patient for s in fhir_type.sources):
            continue
        found.append(fhir_type)
    return found


def start(
    *,
    ctx: Context,
    token: ApiToken,
    level: str,
    types: list[str],
    since: datetime | None,
    request: str,
    now: datetime,
    group: str = "",
) -> ExportJob:
    """A queued job (TooMany if the clinic has too many under way)."""
    with transaction.atomic():
        active = ExportJob.objects.filter(
            clinic=ctx.clinic, status__in=(ExportStatus.QUEUED, ExportStatus.RUNNING)
        ).count()
        if active >= MAX_ACTIVE_PER_CLINIC:
            raise TooMany
        return ExportJob.objects.create(
            key=secrets.token_hex(16),
            clinic=ctx.clinic,
            token=token,
            level=level,
            group=group,
            types=types,
            since=since,
            transaction_time=now,
            request=request,
            base=ctx.base,
            created_at=now,
        )


def job_for(key: str, token: ApiToken) -> ExportJob | None:
    """The job at `key` if `token` asked for it (any other token's is not found)."""
    return ExportJob.objects.filter(key=key, token=token, clinic_id=token.clinic_id).first()


@dataclass(frozen=True)
class Segment:
    """One (type, source) of a job, in the order the job writes them."""

    type_index: int
    source_index: int
    fhir_type: FhirType
    source: Source


def segments(job: ExportJob) -> Iterator[Segment]:
    """What the job writes, from its first type on (sources outside a patient's compartment
    are skipped below system level)."""
    for type_index, name in enumerate(job.types):
        fhir_type = REGISTRY.get(name)
        if fhir_type is None:  # a type no longer served since the kick-off
            continue
        for source_index, source in enumerate(fhir_type.sources):
            if job.level != ExportLevel.SYSTEM and source.patient is None:
                continue
            yield Segment(type_index, source_index, fhir_type, source)


def rows(job: ExportJob, segment: Segment, ctx: Context) -> QuerySet[Any]:
    """The segment's rows the job exports, in primary-key order: changed at or after `_since`
    and not after the job's transaction time (a row changed during the export is in the
    next one, whose `_since` is this one's transactionTime)."""
    source = segment.source
    found = source.rows(ctx).filter(**{f"{source.updated}__lte": job.transaction_time})
    if job.since is not None:
        found = found.filter(**{f"{source.updated}__gte": job.since})
    if job.level == ExportLevel.GROUP and source.patient is not None:
        found = found.filter(**{f"{source.patient}__in": groups.patient_ids(job.clinic, job.group)})
    return found.order_by("pk")


def progress(job: ExportJob) -> str:
    """The X-Progress header: "40% (12,000 of 30,000 resources)"."""
    if job.total is None:
        return "queued"
    percent = 100 if not job.total else min(99, job.done * 100 // job.total)
    return f"{percent}% ({job.done:,} of {job.total:,} resources)"


def file_url(job: ExportJob, seq: int) -> str:
    return f"{job.base}/$export-file/{job.key}/{seq}"


def manifest(job: ExportJob) -> dict[str, Any]:
    """The completed job's manifest (Bulk Data Access 2.0)."""
    output: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for file in job.files.order_by("seq"):
        entry = {"type": file.type, "url": file_url(job, file.seq), "count": file.count}
        (errors if file.error else output).append(entry)
    return {
        "transactionTime": job.transaction_time.isoformat(),
        "request": job.request,
        "requiresAccessToken": True,
        "output": output,
        "error": errors,
    }


def folder(job: ExportJob) -> str:
    """The job's folder in the export storage."""
    return f"clinic-{job.clinic_id}/{job.key}"


def file_name(job: ExportJob, seq: int, type_name: str) -> str:
    return f"{folder(job)}/{seq:05d}-{type_name}.ndjson"


def remove(job: ExportJob) -> None:
    """Deletes the job's files and rows (a cancel, or its files expired): the files listed
    and whatever else is in its folder (a file a dead worker wrote but never saved)."""
    storage = export_storage()
    names = set(job.files.values_list("name", flat=True))
    with contextlib.suppress(FileNotFoundError, NotImplementedError):
        names.update(f"{folder(job)}/{name}" for name in storage.listdir(folder(job))[1])
    for name in names:
        storage.delete(name)
    if isinstance(storage, FileSystemStorage):
        with contextlib.suppress(OSError):
            Path(storage.path(folder(job))).rmdir()
    job.delete()


def expire(now: datetime) -> int:
    """Removes the jobs whose files have expired; how many."""
    gone = 0
    for job in ExportJob.objects.filter(expires_at__lte=now).order_by("pk")[:50]:
        remove(job)
        gone += 1
    return gone
