"""The API's input types: dates and times only as ISO 8601 strings within the range
mesodesk handles (core.bounds), ids that fit the database, and people's names and free
text through the one text validator (core.text). The OpenAPI document states each of
them, so what it describes is what the server accepts."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema

from mesodesk.core.bounds import EARLIEST, LATEST, MAX_ID, check_date
from mesodesk.core.errors import InputError
from mesodesk.core.inputs import INTAKE_FIELDS, SEXES
from mesodesk.core.library import load_library
from mesodesk.core.text import pattern, require_text

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# A date, a time to the minute (seconds and fractions optional), and an offset or Z.
_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})", re.IGNORECASE
)


def _in_range(value: date) -> None:
    try:
        check_date(value, "date")
    except InputError as error:
        raise ValueError(error.message) from None


def _iso_date(value: Any) -> date:
    # Pydantic alone takes 0 (or "0") as 1970-01-01: a date is only ever an ISO string.
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise ValueError("expected a date as a string YYYY-MM-DD")
    parsed = date.fromisoformat(value)
    _in_range(parsed)
    return parsed


def _iso_datetime(value: Any) -> datetime:
    if not isinstance(value, str) or not _DATETIME.fullmatch(value):
        raise ValueError("expected a date and time with its offset, YYYY-MM-DDTHH:MM:SS+01:00")
    parsed = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    _in_range(parsed)
    return parsed


_RANGE = {"x-earliest": EARLIEST.isoformat(), "x-latest": LATEST.isoformat()}

IsoDate = Annotated[
    date,
    BeforeValidator(_iso_date),
    WithJsonSchema({"type": "string", "format": "date", **_RANGE}),
]
AwareDateTime = Annotated[
    datetime,
    BeforeValidator(_iso_datetime),
    WithJsonSchema({"type": "string", "format": "date-time", **_RANGE}),
]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _name(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a string")
    try:
        return require_text(value, "name")
    except InputError as error:
        raise ValueError(error.message) from None


def _free_text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a string")
    try:
        return require_text(value, "text", multiline=True)
    except InputError as error:
        raise ValueError(error.message) from None


# The length limits apply to the text as stored: normalised and trimmed.
Name = Annotated[
    str,
    BeforeValidator(_name),
    Field(min_length=1, max_length=100, json_schema_extra={"pattern": pattern()}),
]
Reason = Annotated[
    str,
    BeforeValidator(_free_text),
    Field(min_length=1, max_length=2000, json_schema_extra={"pattern": pattern(multiline=True)}),
]


def library_codes(group: str) -> Any:
    """A `Literal` of the protocol library's codes in `group` ("indications", "areas",
    ...): the server accepts these, and the OpenAPI document lists them."""
    codes = tuple(sorted(getattr(load_library(), group)))
    return Literal[codes]


def _intake_json_schema() -> dict[str, Any]:
    """DESIGN 7.1 as JSON Schema: what `core.inputs.parse_intake` accepts, which is the
    one check of an intake (the portal, the API and the CLI all use it)."""
    library = load_library()
    text = {"type": "string", "minLength": 1, "maxLength": 500}
    day = {"type": "string", "format": "date", **_RANGE}

    def items(schema: dict[str, Any]) -> dict[str, Any]:
        return {"type": "array", "items": schema, "maxItems": 100}

    def record(**properties: Any) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": properties,
            "required": list(properties),
            "additionalProperties": False,
        }

    properties: dict[str, Any] = {
        "birth_date": {"anyOf": [day, {"type": "null"}]},
        "sex": {"enum": list(SEXES)},
        "pregnant": {"type": "boolean"},
        "breastfeeding": {"type": "boolean"},
        "conditions": items({"enum": sorted(library.conditions)}),
        "medications": items(record(name=text, prescribed={"type": "boolean"})),
        "allergies": items(text),
        "recent_procedures": items(record(name=text, date=day)),
        "fitzpatrick": {
            "anyOf": [{"type": "integer", "minimum": 1, "maximum": 6}, {"type": "null"}]
        },
    }
    schema = record(**{name: properties[name] for name in INTAKE_FIELDS})
    return schema | {"title": "Intake", "description": "The intake document of DESIGN 7.1."}


# Checked by the clinical core (field by field, with its own messages); described here.
IntakeAnswers = Annotated[dict[str, Any], WithJsonSchema(_intake_json_schema())]
