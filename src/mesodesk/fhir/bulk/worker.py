"""The export's work, one bounded slice at a time in the worker (messaging.background).

A slice removes expired exports, then claims the oldest job waiting (or one whose claim is
older than LEASE: its worker died) and writes its rows in primary-key order, type by type,
one NDJSON file at a time: rows are streamed (`iterator(chunk_size=CHUNK)`) into a
temporary file that spills to disk, so memory stays flat however large the clinic. After
each file the job's cursor (type, source, last primary key) and counts are saved in the
same transaction as the file's row, and only while the claim is still this worker's. A
worker that dies mid-file leaves a claim another worker takes over once the lease has run
out; it carries on from the last saved point, so nothing is written twice or skipped (a
half-written file of the dead worker has no row: it is never listed, and is removed with
the job's folder). The claim is taken as the reminder worker takes rows: `SELECT … FOR
UPDATE SKIP LOCKED` on PostgreSQL, the immediate transaction on SQLite.

A row that cannot be built is not exported: an OperationOutcome naming it goes to the
job's error file instead, and the export goes on. Anything else that goes wrong fails the
job (the status URL then says so) rather than leaving it to be retried for ever.
"""

from __future__ import annotations

import json
import logging
import tempfile
import threading
import time
from collections.abc import Generator
from datetime import datetime, timedelta
from typing import Any, cast

from django.core.files import File
from django.db import DatabaseError, transaction
from django.db.models import Q

from mesodesk.clinics.models import Membership
from mesodesk.clinics.reading import may_read
from mesodesk.fhir.bulk import jobs
from mesodesk.fhir.bulk.jobs import Segment
from mesodesk.fhir.http import operation_outcome
from mesodesk.fhir.models import ExportFile, ExportJob, ExportStatus
from mesodesk.fhir.registry import REGISTRY, Context, sampled_validation
from mesodesk.messaging.background import claim_first, register

log = logging.getLogger("mesodesk.fhir.bulk")

LEASE = timedelta(minutes=5)
SLICE_SECONDS = 2.0
CHUNK = 1000  # rows fetched at a time
FILE_LIMIT = 100_000  # resources in one file at most
SPILL = 8 * 1024 * 1024  # bytes of a file kept in memory before it goes to disk
# The export checks the first resource of each type in a file and one in so many after it
# against its R4 model (registry.built); reads and searches check every one.
VALIDATE_ONE_IN = 50


@register("fhir-export")
def export_slice(worker: str, now: datetime, stop: threading.Event) -> int:
    """The worker's hook: one slice of export work; how many resources it wrote."""
    return run_slice(worker, now, stop)


def run_slice(
    worker: str,
    now: datetime,
    stop: threading.Event,
    *,
    seconds: float = SLICE_SECONDS,
    chunk: int = CHUNK,
) -> int:
    """Expired exports removed, then jobs worked on for about `seconds`; resources written."""
    jobs.expire(now)
    deadline = time.monotonic() + seconds
    written = 0
    first = True  # a slice writes at least one file, however slow the machine
    while not stop.is_set() and (first or time.monotonic() < deadline):
        first = False
        job = claim(worker, now)
        if job is None:
            break
        try:
            written += _work(job, worker, now, stop, deadline, chunk)
        except DatabaseError:
            raise
        except Exception as error:
            log.exception("export %s failed", job.pk)
            _fail(job, worker, now, f"The export failed ({type(error).__name__}).")
        finally:
            ExportJob.objects.filter(pk=job.pk, claimed_by=worker).update(
                claimed_by="", claimed_at=None
            )
    return written


def claim(worker: str, now: datetime) -> ExportJob | None:
    """The oldest job waiting or left by a dead worker, now this worker's."""
    claimable = ExportJob.objects.filter(
        status__in=(ExportStatus.QUEUED, ExportStatus.RUNNING)
    ).filter(Q(claimed_by="") | Q(claimed_at__lt=now - LEASE))

    def take(job: ExportJob) -> bool:
        if job.claimed_by:
            log.warning("export %s: taking over from %s, whose lease ran out", job.pk, worker)
        ExportJob.objects.filter(pk=job.pk).update(
            claimed_by=worker, claimed_at=now, status=ExportStatus.RUNNING
        )
        job.claimed_by, job.claimed_at, job.status = worker, now, ExportStatus.RUNNING
        return True

    return claim_first(claimable, "created_at", "pk", take=take)


def _work(
    job: ExportJob,
    worker: str,
    now: datetime,
    stop: threading.Event,
    deadline: float,
    chunk: int,
) -> int:
    token = job.token
    member = Membership.objects.filter(clinic_id=job.clinic_id, user_id=token.user_id).first()
    if member is None or token.revoked_at is not None:
        _fail(job, worker, now, "The token was revoked or its user left the clinic.")
        return 0
    if not all(may_read(member, REGISTRY[n].part) for n in job.types if n in REGISTRY):
        _fail(job, worker, now, "The token's user no longer reads every type asked for.")
        return 0
    ctx = Context(clinic=job.clinic, member=member, base=job.base)
    if job.total is None:
        job.total = sum(jobs.rows(job, segment, ctx).count() for segment in jobs.segments(job))
        ExportJob.objects.filter(pk=job.pk, claimed_by=worker).update(total=job.total)
    written = 0
    files = 0
    for segment in jobs.segments(job):
        if (segment.type_index, segment.source_index) < (job.type_index, job.source_index):
            continue  # written before
        finished = False
        while not finished:
            if files and (stop.is_set() or time.monotonic() >= deadline):
                return written
            files += 1
            with sampled_validation(VALIDATE_ONE_IN):
                step = _write_file(job, segment, ctx, worker, stop, deadline, chunk)
            if step is None:
                return written  # the claim was lost (or the job cancelled)
            count, finished = step
            written += count
    ExportJob.objects.filter(pk=job.pk, claimed_by=worker).update(
        status=ExportStatus.DONE,
        finished_at=now,
        expires_at=now + jobs.EXPIRY,
        claimed_by="",
        claimed_at=None,
    )
    return written


def _line(resource: dict[str, Any]) -> bytes:
    return (json.dumps(resource, separators=(",", ":"), ensure_ascii=False) + "\n").encode()


def _write_file(
    job: ExportJob,
    segment: Segment,
    ctx: Context,
    worker: str,
    stop: threading.Event,
    deadline: float,
    chunk: int,
) -> tuple[int, bool] | None:
    """One file of the segment's rows after the cursor, until the rows, the time or
    FILE_LIMIT run out; saved with the cursor. (written, whether the segment is done), or
    None when the claim is no longer this worker's."""
    here = (segment.type_index, segment.source_index)
    last_pk = job.last_pk if here == (job.type_index, job.source_index) else 0
    source = segment.source
    found = jobs.rows(job, segment, ctx).filter(pk__gt=last_pk)[:FILE_LIMIT]
    errors: list[bytes] = []
    count = seen = 0
    cut = False
    with tempfile.SpooledTemporaryFile(max_size=SPILL) as out:
        rows = cast(Generator[Any], found.iterator(chunk_size=chunk))
        try:
            for row in rows:
                seen += 1
                last_pk = row.pk
                try:
                    resource = source.build(row, ctx)
                except Exception as error:  # one row's fault: reported, the rest goes on
                    errors.append(_line(_row_failed(segment, row.pk, error)))
                else:
                    out.write(_line(resource))
                    count += 1
                if seen % chunk == 0 and (stop.is_set() or time.monotonic() >= deadline):
                    cut = True
                    break
        finally:
            rows.close()
        finished = not cut and seen < FILE_LIMIT
        out.seek(0)
        return _save(job, segment, worker, out, count, errors, last_pk, finished)


def _row_failed(segment: Segment, pk: int, error: Exception) -> dict[str, Any]:
    # The error's type only: a validation message may quote the patient's data.
    name = f"{segment.fhir_type.name}/{segment.source.prefix}{pk}"
    return operation_outcome("exception", f"{name} could not be built ({type(error).__name__}).")


def _save(
    job: ExportJob,
    segment: Segment,
    worker: str,
    out: Any,
    count: int,
    errors: list[bytes],
    last_pk: int,
    finished: bool,
) -> tuple[int, bool] | None:
    storage = jobs.export_storage()
    seq = ExportFile.objects.filter(job=job).count()
    type_name = segment.fhir_type.name
    new: list[ExportFile] = []
    if count:
        name = storage.save(jobs.file_name(job, seq, type_name), File(out))
        new.append(ExportFile(job=job, seq=seq, type=type_name, name=name, count=count))
    if errors:
        seq += len(new)
        with tempfile.SpooledTemporaryFile(max_size=SPILL) as bad:
            bad.writelines(errors)
            bad.seek(0)
            name = storage.save(jobs.file_name(job, seq, "OperationOutcome"), File(bad))
        new.append(
            ExportFile(
                job=job, seq=seq, type="OperationOutcome", error=True, name=name, count=len(errors)
            )
        )
    if finished:
        cursor = {"type_index": segment.type_index, "source_index": segment.source_index + 1}
        cursor["last_pk"] = 0
    else:
        cursor = {
            "type_index": segment.type_index,
            "source_index": segment.source_index,
            "last_pk": last_pk,
        }
    with transaction.atomic():
        mine = (
            ExportJob.objects.select_for_update()
            .filter(pk=job.pk, claimed_by=worker, status=ExportStatus.RUNNING)
            .exists()
        )
        if mine:
            ExportFile.objects.bulk_create(new)
            job.done += count + len(errors)
            ExportJob.objects.filter(pk=job.pk).update(done=job.done, **cursor)
    if not mine:  # cancelled, or taken over: what was written is not ours to keep
        for file in new:
            storage.delete(file.name)
        return None
    job.type_index = cursor["type_index"]
    job.source_index = cursor["source_index"]
    job.last_pk = cursor["last_pk"]
    return count + len(errors), finished


def _fail(job: ExportJob, worker: str, now: datetime, reason: str) -> None:
    ExportJob.objects.filter(pk=job.pk, claimed_by=worker).update(
        status=ExportStatus.FAILED,
        error=reason,
        finished_at=now,
        expires_at=now + jobs.EXPIRY,
        claimed_by="",
        claimed_at=None,
    )
