"""Bulk Data Access 2.0: the `$export` kick-off (system, Patient and Group level), the
status URL (polling, the manifest, DELETE to cancel) and the NDJSON files; and `Group/{id}`.

The kick-off records one access event (export) for the job, each file served one
(download). Only the token that started a job polls, cancels or downloads it: to any other
token, of this clinic or another, its addresses are not found.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date

from mesodesk.accounts.models import ApiToken
from mesodesk.audit.choices import AccessAction
from mesodesk.audit.selectors import client_ip
from mesodesk.audit.services import record_access, record_read
from mesodesk.clinics.reading import Part, require_read
from mesodesk.fhir.bulk import groups, jobs
from mesodesk.fhir.http import (
    FHIR_NDJSON,
    FhirError,
    authenticate,
    fhir_view,
    json_body,
    outcome,
    respond,
)
from mesodesk.fhir.models import ExportJob, ExportLevel, ExportStatus
from mesodesk.fhir.registry import REGISTRY, Context

FORMATS = frozenset({"application/fhir+ndjson", "application/ndjson", "ndjson"})
PARAMETERS = frozenset({"_outputFormat", "_type", "_since"})
RETRY_AFTER = "2"  # seconds between polls while a job runs


def _prefer(request: HttpRequest) -> set[str]:
    """The Prefer header's preferences ("respond-async", "handling=lenient")."""
    header = request.headers.get("Prefer", "")
    return {item.strip().replace(" ", "").lower() for item in header.split(",") if item.strip()}


def _parameters(request: HttpRequest) -> dict[str, list[str]]:
    """The kick-off's parameters: the query string's, and on POST a Parameters body's."""
    found: dict[str, list[str]] = {name: request.GET.getlist(name) for name in request.GET}
    if request.method == "POST" and request.body:
        body = json_body(request)
        if not isinstance(body, dict) or body.get("resourceType") != "Parameters":
            raise FhirError(400, "invalid", "A POST kick-off's body is a Parameters resource.")
        for parameter in body.get("parameter", []):
            values = [v for k, v in parameter.items() if k.startswith("value")]
            if not isinstance(parameter.get("name"), str) or len(values) != 1:
                raise FhirError(400, "invalid", "Each parameter has a name and one value.")
            value = values[0]
            if isinstance(value, dict) and "reference" in value:
                value = value["reference"]
            found.setdefault(parameter["name"], []).append(str(value))
    return found


def _since(values: list[str]) -> datetime | None:
    if not values:
        return None
    # A "+" of an unencoded offset arrives as a space.
    instant = parse_datetime(values[-1].strip().replace(" ", "+"))
    if instant is None or instant.tzinfo is None:
        raise FhirError(
            400, "invalid", "_since is an instant with a time zone: 2026-01-31T09:00:00Z."
        )
    return instant


def _types(ctx: Context, level: str, values: list[str], lenient: bool) -> list[str]:
    """The types to export, in the registry's order: those asked for (`_type`, a comma
    list) or every searchable type the caller reads; unknown or unreadable types refused (ignored
    with `Prefer: handling=lenient`)."""
    exportable = jobs.exportable_types(ctx, level)
    allowed = [t.name for t in exportable]
    asked = {name.strip() for value in values for name in value.split(",") if name.strip()}
    if not asked:
        # Types served by id only (Binary: the photos' and PDFs' bytes, which Media and
        # DocumentReference point to) only when `_type` names them.
        return [t.name for t in exportable if t.searchable]
    for name in sorted(asked - set(allowed)):
        if lenient:
            continue
        if name not in REGISTRY:
            raise FhirError(400, "not-supported", f"_type {name} is not a type this server serves.")
        if level != ExportLevel.SYSTEM:
            raise FhirError(400, "not-supported", f"{name} is not in a patient's compartment.")
        raise FhirError(403, "forbidden", f"Your role does not read {name}.")
    return [name for name in allowed if name in asked]


def _kick_off(request: HttpRequest, level: str, group: str = "") -> HttpResponse:
    if request.method not in ("GET", "POST"):
        raise FhirError(405, "not-supported", "Kick off an export with GET or POST.")
    ctx = authenticate(request)
    token: ApiToken = request.api_token  # type: ignore[attr-defined]  # set by authenticate
    if level == ExportLevel.GROUP and groups.member_of(ctx.clinic, group) is None:
        raise FhirError(404, "not-found", f"There is no Group/{group}.")
    prefer = _prefer(request)
    if "respond-async" not in prefer:
        raise FhirError(
            400, "invalid", "An export runs in the background: send Prefer: respond-async."
        )
    lenient = "handling=lenient" in prefer
    parameters = _parameters(request)
    unknown = sorted(set(parameters) - PARAMETERS)
    if unknown and not lenient:
        raise FhirError(
            400,
            "not-supported",
            f"Not supported here: {', '.join(unknown)} (or Prefer: handling=lenient).",
        )
    output = parameters.get("_outputFormat", [])
    # An unencoded "+" of application/fhir+ndjson arrives as a space.
    if output and output[-1].strip().replace(" ", "+") not in FORMATS:
        raise FhirError(400, "not-supported", "_outputFormat is application/fhir+ndjson.")
    since = _since(parameters.get("_since", []))
    types = _types(ctx, level, parameters.get("_type", []), lenient)
    now = timezone.now()
    try:
        job = jobs.start(
            ctx=ctx,
            token=token,
            level=level,
            group=group,
            types=types,
            since=since,
            request=request.build_absolute_uri(),
            now=now,
        )
    except jobs.TooMany:
        response = outcome(
            429,
            "throttled",
            f"{jobs.MAX_ACTIVE_PER_CLINIC} exports of this clinic are under way; try again later.",
        )
        response["Retry-After"] = "60"
        return response
    record_access(
        clinic=ctx.clinic,
        user=request.user,
        action=AccessAction.EXPORT,
        obj=job,
        ip=client_ip(request),
        path=request.path,
    )
    response = HttpResponse(status=202)
    response["Content-Location"] = f"{ctx.base}/$export-status/{job.key}"
    return response


@fhir_view
def system_export(request: HttpRequest) -> HttpResponse:
    return _kick_off(request, ExportLevel.SYSTEM)


@fhir_view
def patient_export(request: HttpRequest) -> HttpResponse:
    return _kick_off(request, ExportLevel.PATIENT)


@fhir_view
def group_export(request: HttpRequest, group_id: str) -> HttpResponse:
    return _kick_off(request, ExportLevel.GROUP, group_id)


@fhir_view
def group_read(request: HttpRequest, group_id: str) -> HttpResponse:
    """`Group/practitioner-<id>`: that practitioner's patients."""
    if request.method != "GET":
        raise FhirError(405, "not-supported", "A Group is read with GET.")
    ctx = authenticate(request)
    assert ctx.member is not None  # a token always acts for a member
    require_read(ctx.member, Part.IDENTITY)
    member = groups.member_of(ctx.clinic, group_id)
    if member is None:
        raise FhirError(404, "not-found", f"There is no Group/{group_id}.")
    record_read(request, clinic=ctx.clinic, obj=ctx.clinic)
    return respond(groups.group_resource(ctx.clinic, group_id, member))


def _job(request: HttpRequest, key: str) -> ExportJob:
    authenticate(request)
    job = jobs.job_for(key, request.api_token)  # type: ignore[attr-defined]
    if job is None:
        raise FhirError(404, "not-found", "No such export (or it was cancelled or expired).")
    return job


@fhir_view
def export_status(request: HttpRequest, key: str) -> HttpResponse:
    """GET: 202 with the progress while the job runs, the manifest when done, the error if
    it failed. DELETE: cancels the job and removes its files."""
    if request.method not in ("GET", "DELETE"):
        raise FhirError(405, "not-supported", "Poll with GET, cancel with DELETE.")
    job = _job(request, key)
    if request.method == "DELETE":
        jobs.remove(job)
        return outcome(202, "informational", "The export was cancelled and its files removed.")
    if job.status == ExportStatus.FAILED:
        return outcome(500, "exception", job.error or "The export failed.")
    if job.status != ExportStatus.DONE:
        response = HttpResponse(status=202)
        response["X-Progress"] = jobs.progress(job)
        response["Retry-After"] = RETRY_AFTER
        return response
    body: dict[str, Any] = jobs.manifest(job)
    response = respond(body)
    response["Content-Type"] = "application/json"
    if job.expires_at is not None:
        response["Expires"] = http_date(job.expires_at.timestamp())
    return response


@fhir_view
def export_file(request: HttpRequest, key: str, seq: int) -> HttpResponse:
    """One NDJSON file of a finished job, streamed from the export storage."""
    if request.method != "GET":
        raise FhirError(405, "not-supported", "Download a file with GET.")
    job = _job(request, key)
    file = job.files.filter(seq=seq).first() if job.status == ExportStatus.DONE else None
    if file is None:
        raise FhirError(404, "not-found", "No such file of this export.")
    record_access(
        clinic=job.clinic,
        user=request.user,
        action=AccessAction.DOWNLOAD,
        obj=job,
        ip=client_ip(request),
        path=request.path,
    )
    stream = FileResponse(jobs.export_storage().open(file.name, "rb"), content_type=FHIR_NDJSON)
    # A streamed answer: fhir_view passes it on as it is (it only catches refusals).
    return cast(HttpResponse, stream)
