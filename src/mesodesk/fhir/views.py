"""`/fhir/r4/`: the CapabilityStatement, read, search and `Patient/{id}/$everything`,
generic over the registry.

Every answer that holds patient data leaves access events: one per patient read in the
request, written in one INSERT (audit.services.record_reads).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone

from mesodesk.audit.services import record_reads
from mesodesk.clinics.reading import require_read
from mesodesk.fhir import types  # noqa: F401  (registers the types)
from mesodesk.fhir.capability import capability_statement
from mesodesk.fhir.everything import patient_resources
from mesodesk.fhir.http import (
    FHIR_JSON,
    FhirError,
    authenticate,
    base_url,
    fhir_view,
    respond,
)
from mesodesk.fhir.registry import REGISTRY, Context, FhirType, Resource
from mesodesk.fhir.search import PATIENT_ID, parse
from mesodesk.patients.models import Patient

# The types `$everything` adds when the patient's resources refer to them.
REFERENCED = ("Practitioner", "Organization", "Location", "Device")


def _allow(request: HttpRequest, *methods: str) -> None:
    if request.method not in methods:
        raise FhirError(405, "not-supported", f"Only {', '.join(methods)} here.")


@fhir_view
def metadata(request: HttpRequest) -> HttpResponse:
    _allow(request, "GET")
    return respond(capability_statement(base_url(request)))


def _type(ctx: Context, type_name: str) -> FhirType:
    """The registered type the caller may read; 404 unknown, 403 for a part of the
    record the member's role does not read."""
    fhir_type = REGISTRY.get(type_name)
    if fhir_type is None:
        raise FhirError(404, "not-found", f"This server serves no {type_name!r} resources.")
    if ctx.member is None:
        raise PermissionDenied
    require_read(ctx.member, fhir_type.part)
    return fhir_type


@fhir_view
def read(request: HttpRequest, type_name: str, resource_id: str) -> HttpResponse:
    _allow(request, "GET")
    ctx = authenticate(request)
    fhir_type = _type(ctx, type_name)
    found = fhir_type.source_for(resource_id)
    row = None
    if found is not None:
        source, pk = found
        rows = source.rows(ctx).filter(pk=pk)
        if source.patient:
            rows = rows.annotate(**{PATIENT_ID: F(source.patient)})
        row = rows.first()
    if row is None:
        raise Http404(f"{type_name}/{resource_id} is not a resource of this clinic.")
    _record(request, ctx, [row])
    raw = fhir_type.extra.get("raw")
    if raw is not None and FHIR_JSON not in request.headers.get("Accept", ""):
        content, content_type = raw(row)
        return HttpResponse(content, content_type=content_type)
    return respond(source.build(row, ctx))


@fhir_view
def search(request: HttpRequest, type_name: str) -> HttpResponse:
    """`GET Type?…` and `POST Type/_search` with the parameters as a form."""
    _allow(request, "GET", "POST")
    ctx = authenticate(request)
    fhir_type = _type(ctx, type_name)
    if not fhir_type.searchable:
        raise FhirError(405, "not-supported", f"{type_name} is read by id only.")
    given = request.POST if request.method == "POST" else request.GET
    params = [(name, value) for name in given for value in given.getlist(name)]
    query = parse(fhir_type, ctx, params, strict=_strict(request))
    total, page = query.page()
    _record(request, ctx, [row for _, row in page])
    links = [{"relation": "self", "url": query.link(query.offset)}]
    if query.offset + query.count < total and query.count:
        links.append({"relation": "next", "url": query.link(query.offset + query.count)})
    if query.offset > 0:
        links.append(
            {"relation": "previous", "url": query.link(max(0, query.offset - query.count))}
        )
    entries = [_entry(ctx, source.build(row, ctx)) for source, row in page]
    return respond(_bundle(total=total, link=links, entry=entries))


@fhir_view
def everything(request: HttpRequest, resource_id: str) -> HttpResponse:
    _allow(request, "GET")
    ctx = authenticate(request)
    _type(ctx, "Patient")
    patient = (
        Patient.objects.filter(clinic=ctx.clinic, pk=resource_id).first()
        if resource_id.isdigit()
        else None
    )
    if patient is None:
        raise Http404(f"Patient/{resource_id} is not a patient of this clinic.")
    resources = list(patient_resources(patient, ctx))
    record_reads(request, clinic=ctx.clinic, reads=[(patient, patient.pk)])
    entries = [_entry(ctx, resource) for resource in resources]
    entries += [_entry(ctx, resource, "include") for resource in _referenced(ctx, resources)]
    return respond(_bundle(total=len(entries), link=[_self(request)], entry=entries))


def _referenced(ctx: Context, resources: list[Resource]) -> Iterator[Resource]:
    """The practitioners, rooms, devices and the clinic the resources refer to, each once
    (a query a type), as far as the member reads them."""
    have = {(r["resourceType"], r["id"]) for r in resources}
    wanted: dict[str, set[str]] = {}
    for resource in resources:
        for target in _references(resource):
            type_name, _, ref_id = target.partition("/")
            if type_name in REFERENCED and (type_name, ref_id) not in have:
                wanted.setdefault(type_name, set()).add(ref_id)
    for type_name in REFERENCED:
        fhir_type = REGISTRY.get(type_name)
        if fhir_type is None or type_name not in wanted or ctx.member is None:
            continue
        try:
            require_read(ctx.member, fhir_type.part)
        except PermissionDenied:
            continue
        for source in fhir_type.sources:
            pks = [
                found[1]
                for ref_id in sorted(wanted[type_name])
                if (found := fhir_type.source_for(ref_id)) and found[0] is source
            ]
            for row in source.rows(ctx).filter(pk__in=pks):
                yield source.build(row, ctx)


def _references(value: Any) -> Iterator[str]:
    """Every relative `reference` in a resource, contained parts included."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "reference" and isinstance(item, str):
                yield item
            else:
                yield from _references(item)
    elif isinstance(value, list):
        for item in value:
            yield from _references(item)


def _record(request: HttpRequest, ctx: Context, rows: Iterable[Any]) -> None:
    reads = [(row, getattr(row, PATIENT_ID)) for row in rows if hasattr(row, PATIENT_ID)]
    if reads:
        record_reads(request, clinic=ctx.clinic, reads=reads)


def _strict(request: HttpRequest) -> bool:
    """`Prefer: handling=strict` (lenient is the default)."""
    prefer = request.headers.get("Prefer", "")
    return any(part.strip() == "handling=strict" for part in prefer.split(","))


def _entry(ctx: Context, resource: Resource, mode: str = "match") -> Resource:
    return {
        "fullUrl": f"{ctx.base}/{resource['resourceType']}/{resource['id']}",
        "resource": resource,
        "search": {"mode": mode},
    }


def _self(request: HttpRequest) -> Resource:
    return {"relation": "self", "url": request.build_absolute_uri()}


def _bundle(*, total: int, link: list[Resource], entry: list[Resource]) -> Resource:
    bundle: Resource = {
        "resourceType": "Bundle",
        "type": "searchset",
        "timestamp": timezone.now().isoformat(),
        "total": total,
        "link": link,
    }
    if entry:
        bundle["entry"] = entry
    return bundle
