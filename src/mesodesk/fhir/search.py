"""FHIR search over the registry: the query string read into filters on each source's rows,
and one page of the matches.

Every type gets the common parameters from its sources' ORM paths: `_id`, `_lastUpdated`,
`patient` (and `subject` where the resource has one), `date`; its own parameters come from
`FhirType.search`. A comma in a value is OR, a repeated parameter AND. Unknown parameters
(or modifiers) are an error under `Prefer: handling=strict` and ignored otherwise; the
Bundle's self link names only what was applied. A type with several sources is searched
across them in their registered order, each by primary key, so pages are stable.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.core.exceptions import FieldDoesNotExist
from django.db.models import DateField, DateTimeField, F, Model, Q, QuerySet

from mesodesk.fhir.http import FhirError
from mesodesk.fhir.registry import Context, FhirType, SearchParam, Source, r4_model

DEFAULT_COUNT = 50
MAX_COUNT = 500
PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb")
# Parameters that shape the answer rather than narrow it.
CONTROLS = ("_count", "_offset", "_format")
# What the view annotates each row with: the id of the patient whose data it is.
PATIENT_ID = "fhir_patient_id"

Narrow = Callable[[QuerySet[Any]], QuerySet[Any]]

_DATE = re.compile(
    r"^(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2})"
    r"(?:T(?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.(?P<f>\d{1,6}))?)?"
    r"(?P<tz>Z|[+-]\d{2}:\d{2})?)?)?)?$"
)


@dataclass(frozen=True)
class CommonParam:
    """A parameter every type (with the path it needs) has, for the CapabilityStatement."""

    name: str
    type: str
    documentation: str


ID = CommonParam("_id", "token", "The resource's id; a comma between ids is OR.")
LAST_UPDATED = CommonParam(
    "_lastUpdated",
    "date",
    "When the resource last changed: eq, ne, gt, ge, lt, le, sa, eb and partial dates.",
)
PATIENT = CommonParam("patient", "reference", "The patient whose resource it is (Patient/{id}).")
SUBJECT = CommonParam("subject", "reference", "The patient the resource is about (Patient/{id}).")
DATE = CommonParam(
    "date",
    "date",
    "The resource's clinical date: eq, ne, gt, ge, lt, le, sa, eb and partial dates "
    "(YYYY, YYYY-MM, YYYY-MM-DD, instants; without an offset, in the clinic's time zone).",
)


def common_params(fhir_type: FhirType) -> list[CommonParam]:
    """The common parameters `fhir_type` has: `patient`/`subject` only where a source
    belongs to patients (not on Patient itself), `date` where a source has a date."""
    params = [ID, LAST_UPDATED]
    if fhir_type.name != "Patient" and any(s.patient for s in fhir_type.sources):
        params.append(PATIENT)
        if has_subject(fhir_type.name):
            params.append(SUBJECT)
    if any(s.date for s in fhir_type.sources):
        params.append(DATE)
    return params


@cache
def has_subject(type_name: str) -> bool:
    """Whether the R4 resource has a `subject` element (CarePlan, Procedure, ...)."""
    return "subject" in r4_model(type_name).model_fields


@dataclass
class Search:
    """A parsed search of one type: per source, the narrowing filters; the paging; and the
    parameters applied, for the self link."""

    fhir_type: FhirType
    ctx: Context
    count: int = DEFAULT_COUNT
    offset: int = 0
    applied: list[tuple[str, str]] = field(default_factory=list)
    narrowing: list[list[Narrow]] = field(default_factory=list)

    def querysets(self) -> Iterator[tuple[Source, QuerySet[Any]]]:
        """Each source's matching rows, in a stable order, with the patient id annotated."""
        for source, narrows in zip(self.fhir_type.sources, self.narrowing, strict=True):
            rows = source.rows(self.ctx)
            for narrow in narrows:
                rows = narrow(rows)
            if source.patient:
                rows = rows.annotate(**{PATIENT_ID: F(source.patient)})
            yield source, rows.order_by("pk")

    def page(self) -> tuple[int, list[tuple[Source, Model]]]:
        """The number of matches and this page's rows (a COUNT per source, then a query
        per source the page reaches, plus the sources' prefetches)."""
        sources = list(self.querysets())
        counts = [rows.count() for _, rows in sources]
        total = sum(counts)
        out: list[tuple[Source, Model]] = []
        start, wanted = self.offset, self.count
        for (source, rows), counted in zip(sources, counts, strict=True):
            if wanted <= 0:
                break
            if start >= counted:
                start -= counted
                continue
            chunk = list(rows[start : start + wanted])
            out.extend((source, row) for row in chunk)
            wanted -= len(chunk)
            start = 0
        return total, out

    def link(self, offset: int) -> str:
        query = [*self.applied, ("_count", str(self.count)), ("_offset", str(offset))]
        return f"{self.ctx.base}/{self.fhir_type.name}?{urlencode(query)}"


def parse(
    fhir_type: FhirType, ctx: Context, params: list[tuple[str, str]], *, strict: bool
) -> Search:
    """The search `params` ask for; FhirError 400 for a malformed value, and under strict
    handling for an unknown parameter or modifier."""
    search = Search(fhir_type, ctx, narrowing=[[] for _ in fhir_type.sources])
    own = {param.name: param for param in fhir_type.search}
    common = {param.name for param in common_params(fhir_type)}
    for raw_name, raw_value in params:
        name, _, modifier = raw_name.partition(":")
        if name in CONTROLS:
            _control(search, name, raw_value)
            continue
        known = (name in common and not modifier) or (
            name in own and modifier in ("", "exact", "not", "contains")
        )
        if not known and strict:
            raise FhirError(
                400,
                "not-supported",
                f"{fhir_type.name} has no search parameter {raw_name!r} "
                "(see the CapabilityStatement at metadata).",
            )
        values = [value for value in raw_value.split(",") if value]
        if not known or not values:
            continue
        if name in common:
            narrows = _common(search, name, values)
        else:
            narrows = _own(own[name], modifier, values, len(fhir_type.sources))
        for index, narrow in enumerate(narrows):
            search.narrowing[index].append(narrow)
        search.applied.append((raw_name, raw_value))
    return search


def _control(search: Search, name: str, value: str) -> None:
    if name == "_format":
        return
    try:
        number = int(value)
    except ValueError as error:
        raise FhirError(400, "invalid", f"{name} must be a whole number.") from error
    if number < 0:
        raise FhirError(400, "invalid", f"{name} must not be negative.")
    if name == "_count":
        search.count = min(number, MAX_COUNT)
    else:
        search.offset = number


def _common(search: Search, name: str, values: list[str]) -> list[Narrow]:
    """One narrowing a source for a common parameter."""
    fhir_type, tz = search.fhir_type, ZoneInfo(search.ctx.clinic.time_zone)
    out: list[Narrow] = []
    for source in fhir_type.sources:
        if name == "_id":
            pks = [
                found[1]
                for v in values
                if (found := fhir_type.source_for(v)) and found[0] is source
            ]
            out.append(_where(Q(pk__in=pks)))
        elif name in ("patient", "subject"):
            path = source.patient
            out.append(_where(Q(**{f"{path}__in": _patient_ids(values)}) if path else None))
        else:
            path = source.updated if name == "_lastUpdated" else source.date
            out.append(_on_dates(path, values, tz) if path else _where(None))
    return out


def _where(condition: Q | None) -> Narrow:
    """A narrowing by `condition`; None matches nothing (the source lacks the path)."""
    if condition is None:
        return lambda rows: rows.none()
    return lambda rows: rows.filter(condition)


def _own(param: SearchParam, modifier: str, values: list[str], sources: int) -> list[Narrow]:
    """A type-specific parameter: the same narrowing for every source; several values are
    OR'ed by primary key."""
    parsed = []
    for value in values:
        prefix, rest = (
            split_prefix(value) if param.type in ("date", "number", "quantity") else ("", value)
        )
        parsed.append((f":{modifier}" if modifier else prefix, rest))

    def narrow(rows: QuerySet[Any]) -> QuerySet[Any]:
        if len(parsed) == 1:
            return param.apply(rows, *parsed[0])
        either = Q()
        for how, value in parsed:
            either |= Q(pk__in=param.apply(rows, how, value).values("pk"))
        return rows.filter(either)

    return [narrow] * sources


def reference_ids(value: str, type_name: str | None = None) -> list[int]:
    """The id a reference search value names: "12", "Practitioner/12" or an absolute URL
    ending so; nothing when it names another type."""
    head, _, tail = value.rstrip("/").rpartition("/")
    if type_name and head and not head.endswith(type_name):
        return []
    return [int(tail)] if tail.isdigit() else []


def _patient_ids(values: list[str]) -> list[int]:
    """Patient ids from references: "12", "Patient/12" or an absolute URL ending so."""
    return [pk for value in values for pk in reference_ids(value, "Patient")]


def split_prefix(value: str) -> tuple[str, str]:
    """("ge", "2026-01") from "ge2026-01"; ("eq", value) without a prefix."""
    if value[:2] in PREFIXES and value[2:3].isdigit():
        return value[:2], value[2:]
    return "eq", value


def date_range(value: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants [start, end) a FHIR date or partial date names; without an offset,
    in `tz`. FhirError 400 when it is not a date."""
    found = _DATE.match(value)
    if not found:
        raise FhirError(400, "invalid", f"{value!r} is not a FHIR date (YYYY[-MM[-DD[Thh:mm…]]]).")
    parts = found.groupdict()
    try:
        year = int(parts["y"])
        if parts["m"] is None:
            return _local(date(year, 1, 1), tz), _local(date(year + 1, 1, 1), tz)
        month = int(parts["m"])
        if parts["d"] is None:
            after = date(year + month // 12, month % 12 + 1, 1)
            return _local(date(year, month, 1), tz), _local(after, tz)
        day = date(year, month, int(parts["d"]))
        if parts["H"] is None:
            return _local(day, tz), _local(day + timedelta(days=1), tz)
        zone = tz if parts["tz"] is None else _offset(parts["tz"])
        fraction = (parts["f"] or "").ljust(6, "0")
        start = datetime(
            year,
            month,
            day.day,
            int(parts["H"]),
            int(parts["M"]),
            int(parts["S"] or 0),
            int(fraction or 0),
            tzinfo=zone,
        )
    except ValueError as error:
        raise FhirError(400, "invalid", f"{value!r} is not a valid date: {error}.") from error
    step = timedelta(minutes=1) if parts["S"] is None else timedelta(seconds=1)
    if parts["f"]:
        step = timedelta(microseconds=10 ** (6 - len(parts["f"])))
    return start, start + step


def _local(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tz)


def _offset(text: str) -> Any:
    if text == "Z":
        return UTC
    return datetime.strptime(text.replace(":", ""), "%z").tzinfo


def by_date(path: str) -> Callable[[QuerySet[Any], str, str], QuerySet[Any]]:
    """A SearchParam's `apply` for a date parameter on `path` (prefix given apart, as
    the search passes it): for types' own date parameters, such as Patient's birthdate."""

    def apply(rows: QuerySet[Any], prefix: str, value: str) -> QuerySet[Any]:
        return _on_dates(path, [f"{prefix}{value}"], ZoneInfo("UTC"))(rows)

    return apply


def _on_dates(path: str, values: list[str], tz: ZoneInfo) -> Narrow:
    """Rows whose `path` matches any of the prefixed dates (parsed now, so a malformed
    date is refused before any query)."""
    ranges = []
    for value in values:
        prefix, rest = split_prefix(value)
        ranges.append((prefix, *date_range(rest, tz)))
    return lambda rows: rows.filter(_dates(rows.model, path, ranges, tz))


def _dates(
    model: type[Model], path: str, ranges: list[tuple[str, datetime, datetime]], tz: ZoneInfo
) -> Q:
    day_only = _is_date_field(model, path)
    either = Q()
    for prefix, start, end in ranges:
        low: Any = start.astimezone(tz).date() if day_only else start
        high: Any = _day_after(end, tz) if day_only else end
        within = Q(**{f"{path}__gte": low, f"{path}__lt": high})
        either |= {
            "eq": within,
            "ne": ~within,
            "gt": Q(**{f"{path}__gte": high}),
            "sa": Q(**{f"{path}__gte": high}),
            "ge": Q(**{f"{path}__gte": low}),
            "lt": Q(**{f"{path}__lt": low}),
            "eb": Q(**{f"{path}__lt": low}),
            "le": Q(**{f"{path}__lt": high}),
        }[prefix]
    return either


def _day_after(end: datetime, tz: ZoneInfo) -> date:
    """The first day not touched by [.., end) (end exclusive)."""
    local = end.astimezone(tz)
    day = local.date()
    return day if local.time() == time() else day + timedelta(days=1)


def _is_date_field(model: type[Model], path: str) -> bool:
    """Whether `path` ends in a DateField (a day, compared as days) rather than an
    instant; an annotation counts as an instant."""
    current: Any = model
    for name in path.split("__"):
        try:
            found = current._meta.get_field(name)
        except FieldDoesNotExist:
            return False
        if found.is_relation and found.related_model is not None:
            current = found.related_model
            continue
        return isinstance(found, DateField) and not isinstance(found, DateTimeField)
    return False
