"""The resource types the FHIR server serves, as one table every part reads: the read and
search views, the CapabilityStatement, `$everything`, the Bulk Data export and the
patient's own copy of their data all walk `REGISTRY`, so a type registered here is served
everywhere at once.

A type maps one or more of mesodesk's models to one FHIR resource type. Each source gives
a clinic-scoped queryset (with what its builder needs already joined: building must not
query per row, the export streams hundreds of thousands), a builder that turns one row into
a JSON-ready dict of that resource, and the ORM paths search and `$everything` filter on.
Ids are the row's primary key, prefixed where one FHIR type has several sources
(Observation "score-12", "fitzpatrick-3"), so an id names one row of one model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal, cast

from django.db.models import Model, QuerySet

from mesodesk.clinics.models import Clinic, Membership
from mesodesk.clinics.reading import Part

ParamType = Literal["token", "reference", "date", "string", "number", "quantity", "uri"]


@dataclass(frozen=True)
class Context:
    """Whom a resource is built for: the clinic, the caller (None for the patient's own
    copy, built for the patient), and the server's base URL for absolute references
    (`https://host/fhir/r4`)."""

    clinic: Clinic
    member: Membership | None
    base: str


Resource = dict[str, Any]
Builder = Callable[[Any, Context], Resource]
Rows = Callable[[Context], QuerySet[Any]]
Filter = Callable[[QuerySet[Any], str, str], QuerySet[Any]]  # (rows, modifier/prefix, value)


@dataclass(frozen=True)
class SearchParam:
    """A search parameter beyond the common ones (`_id`, `_lastUpdated`, `patient`/
    `subject`, `date`), which every type gets from its Source's paths. `apply` narrows the
    rows by one value (the prefix, e.g. "ge", or the modifier, e.g. ":exact", given apart;
    a comma in the value is OR, repeated parameters AND, as FHIR search says)."""

    name: str
    type: ParamType
    apply: Filter
    documentation: str


@dataclass(frozen=True)
class Source:
    """One model behind a FHIR type."""

    rows: Rows
    build: Builder
    # ORM path of the row's patient id ("patient_id", "appointment__patient_id"); None when
    # rows belong to no patient (Practitioner, Location, Device, Questionnaire).
    patient: str | None
    # ORM path of the instant the row last changed (meta.lastUpdated, `_lastUpdated`,
    # `_since` of the export).
    updated: str
    # ORM path of the resource's clinical date for `date` searches; None when it has none.
    date: str | None = None
    # Id prefix where a type has several sources ("score-"), "" where it has one.
    prefix: str = ""


@dataclass(frozen=True)
class FhirType:
    """One FHIR resource type as mesodesk serves it."""

    name: str  # "Patient"
    # The read policy's part a caller must read to see any of it (clinics.reading): the
    # front desk, who reads only the diary, gets no clinical type.
    part: Part
    sources: tuple[Source, ...]
    search: tuple[SearchParam, ...] = ()
    # The profile or short description shown in the CapabilityStatement.
    documentation: str = ""
    # Types served by id only (Binary): no search interaction.
    searchable: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    def source_for(self, fhir_id: str) -> tuple[Source, str] | None:
        """The source an id belongs to and the primary key it names; None when the id is
        not one of ours."""
        for source in sorted(self.sources, key=lambda s: -len(s.prefix)):
            if fhir_id.startswith(source.prefix):
                pk = fhir_id[len(source.prefix) :]
                if pk.isdigit():
                    return source, pk
        return None


REGISTRY: dict[str, FhirType] = {}


def register(fhir_type: FhirType) -> FhirType:
    """Adds a type to the table; a name registered twice is a programming error."""
    if fhir_type.name in REGISTRY:
        raise RuntimeError(f"FHIR type {fhir_type.name} registered twice")
    REGISTRY[fhir_type.name] = fhir_type
    return fhir_type


# Within `sampled_validation`: (validate one resource in so many, resources seen per model).
_SAMPLING: ContextVar[tuple[int, dict[str, int]] | None] = ContextVar("fhir_sampling", default=None)


@cache
def r4_model(name: str) -> type[Any]:
    """The fhir.resources R4B model of a resource type, imported when first asked for:
    the package and its models weigh about 13 MB, which a web worker that never serves
    FHIR should not carry."""
    from fhir.resources.R4B import get_fhir_model_class

    return cast("type[Any]", get_fhir_model_class(name))


def built(model: str, data: Resource) -> Resource:
    """`data` checked by its fhir.resources R4B model (`model_validate`: cardinality, types
    and required elements) and returned as it is: the model is the guard that what we emit
    is an R4 resource, and the plain dict serialises several times faster than the model's
    own JSON.

    Every resource a read, a search or `$everything` answers is checked. The Bulk Data
    export, whose budget is 200 µs a resource where checking a MedicationAdministration
    alone takes 500–1,000 µs, checks the first of each type in each slice and one in
    `one_in` after (`sampled_validation`): a builder's shape error still shows in every
    export's first slice, and the tests check every resource of every type in full."""
    sampling = _SAMPLING.get()
    if sampling is not None:
        one_in, seen = sampling
        count = seen.get(model, 0)
        seen[model] = count + 1
        if count % one_in:
            return data
    r4_model(model).model_validate(data)
    return data


@contextmanager
def sampled_validation(one_in: int) -> Iterator[None]:
    """Within the block, `built` checks the first resource of each model and one in
    `one_in` after it (the Bulk Data export)."""
    token = _SAMPLING.set((one_in, {}))
    try:
        yield
    finally:
        _SAMPLING.reset(token)


def reference(
    ctx: Context, type_name: str, fhir_id: object, display: str | None = None
) -> Resource:
    """A relative Reference ("Patient/12"), with a display where one helps a reader."""
    out: Resource = {"reference": f"{type_name}/{fhir_id}"}
    if display:
        out["display"] = display
    return out


def meta(instant: Any) -> Resource:
    """`meta.lastUpdated` from an aware datetime."""
    return {"lastUpdated": instant.isoformat()}


def fhir_id(source: Source, row: Model) -> str:
    return f"{source.prefix}{row.pk}"
