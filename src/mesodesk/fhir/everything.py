"""All of one patient's resources, type by type: what `Patient/{id}/$everything` returns
and what the patient's own copy of their data holds."""

from __future__ import annotations

from collections.abc import Iterator

from mesodesk.clinics.reading import may_read
from mesodesk.fhir.registry import REGISTRY, Context, Resource
from mesodesk.patients.models import Patient


def patient_resources(patient: Patient, ctx: Context) -> Iterator[Resource]:
    """Every resource of `patient` the context may read (all of them for the patient's own
    copy, `ctx.member` None), the Patient first; rows streamed, not held."""
    for fhir_type in REGISTRY.values():
        if ctx.member is not None and not may_read(ctx.member, fhir_type.part):
            continue
        for source in fhir_type.sources:
            if source.patient is None:
                continue
            rows = source.rows(ctx).filter(**{source.patient: patient.pk})
            for row in rows.iterator(chunk_size=500):
                yield source.build(row, ctx)
