"""The intake (DESIGN 7.1) and plan (7.2) as an integrator sends them, strictly checked.

Every error names the field it is about ("medications[1].prescribed: ..."), because the
CLI prints it as the one line an integrator reads to fix their input.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from mesodesk.core.bounds import check_date
from mesodesk.core.errors import InputError
from mesodesk.core.text import require_text

if TYPE_CHECKING:
    from mesodesk.core.library import Library

__all__ = ["InputError", "Intake", "Medication", "Plan", "RecentProcedure"]

SEXES = ("female", "male", "other", "unknown")


@dataclass(frozen=True, slots=True)
class Medication:
    """A medication as the patient wrote it, and whether a doctor prescribed it."""

    name: str
    prescribed: bool


@dataclass(frozen=True, slots=True)
class RecentProcedure:
    """A skin procedure the patient had, as they named it, and when."""

    name: str
    date: date


@dataclass(frozen=True, slots=True)
class Intake:
    """The patient's answers to the medical-history questionnaire."""

    birth_date: date | None
    sex: str
    pregnant: bool
    breastfeeding: bool
    conditions: tuple[str, ...]
    medications: tuple[Medication, ...]
    allergies: tuple[str, ...]
    recent_procedures: tuple[RecentProcedure, ...]
    fitzpatrick: int | None


@dataclass(frozen=True, slots=True)
class Plan:
    """What the clinician plans to inject, where and how."""

    indication: str
    areas: tuple[str, ...]
    ingredients: tuple[str, ...]
    technique: str
    massage_approved: bool = False


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _type_name(value: Any) -> str:
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "an object",
        type(None): "null",
    }.get(type(value), "a value")


def _object(data: Any, path: str, required: set[str], optional: set[str]) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise InputError(path or "input", f"expected an object, got {_type_name(data)}")
    for key in data:
        if key not in required and key not in optional:
            raise InputError(_join(path, str(key)), "unknown field")
    for key in sorted(required):
        if key not in data:
            raise InputError(_join(path, key), "missing field")
    return data


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _bool(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise InputError(field, f"expected true or false, got {_show(value)}")
    return value


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(field, f"expected a non-empty string, got {_show(value)}")
    text = require_text(value, field)
    if len(text) > 500:
        raise InputError(field, "longer than 500 characters")
    return text


def _list(value: Any, field: str) -> list[Any]:
    if not isinstance(value, list):
        raise InputError(field, f"expected a list, got {_type_name(value)}")
    if len(value) > 100:
        raise InputError(field, "more than 100 entries")
    return value


def _date(value: Any, field: str) -> date:
    if not isinstance(value, str):
        raise InputError(field, f"expected a date YYYY-MM-DD, got {_show(value)}")
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise InputError(field, f"not a valid date YYYY-MM-DD: {_show(value)}") from None
    return check_date(parsed, field)


def _code(value: Any, field: str, known: Any, what: str) -> str:
    if not isinstance(value, str):
        raise InputError(field, f"expected a {what} code, got {_show(value)}")
    if value not in known:
        raise InputError(field, f"unknown {what} code {value!r}")
    return value


def _codes(value: Any, field: str, known: Any, what: str) -> tuple[str, ...]:
    items = _list(value, field)
    codes = [_code(item, f"{field}[{i}]", known, what) for i, item in enumerate(items)]
    return tuple(dict.fromkeys(codes))


# The fields of an intake, in the order of DESIGN 7.1 (the order changes are shown in).
INTAKE_FIELDS = (
    "birth_date",
    "sex",
    "pregnant",
    "breastfeeding",
    "conditions",
    "medications",
    "allergies",
    "recent_procedures",
    "fitzpatrick",
)
# Most patients do not know their phototype: absent means unknown, like null. Every other
# field, the safety-relevant ones above all, must be answered.
OPTIONAL_INTAKE_FIELDS = frozenset({"fitzpatrick"})


def parse_intake(data: Any, library: Library, *, today: date | None = None) -> Intake:
    """Check an intake document and turn it into an `Intake`; raises `InputError`."""
    data = _object(
        data, "", set(INTAKE_FIELDS) - OPTIONAL_INTAKE_FIELDS, set(OPTIONAL_INTAKE_FIELDS)
    )
    birth = None if data["birth_date"] is None else _date(data["birth_date"], "birth_date")
    if birth is not None and today is not None and birth > today:
        raise InputError("birth_date", "is in the future")
    sex = data["sex"]
    if sex not in SEXES:
        raise InputError("sex", f"expected one of {', '.join(SEXES)}, got {_show(sex)}")
    medications = []
    for i, raw in enumerate(_list(data["medications"], "medications")):
        path = f"medications[{i}]"
        item = _object(raw, path, {"name", "prescribed"}, set())
        medications.append(
            Medication(
                name=_text(item["name"], f"{path}.name"),
                prescribed=_bool(item["prescribed"], f"{path}.prescribed"),
            )
        )
    procedures = []
    for i, raw in enumerate(_list(data["recent_procedures"], "recent_procedures")):
        path = f"recent_procedures[{i}]"
        item = _object(raw, path, {"name", "date"}, set())
        when = _date(item["date"], f"{path}.date")
        if today is not None and when > today:
            raise InputError(f"{path}.date", "is in the future")
        procedures.append(RecentProcedure(name=_text(item["name"], f"{path}.name"), date=when))
    fitzpatrick = data.get("fitzpatrick")
    if fitzpatrick is not None and (
        isinstance(fitzpatrick, bool)
        or not isinstance(fitzpatrick, int)
        or not 1 <= fitzpatrick <= 6
    ):
        raise InputError(
            "fitzpatrick", f"expected a skin type 1 to 6 or null, got {_show(fitzpatrick)}"
        )
    allergies = _list(data["allergies"], "allergies")
    return Intake(
        birth_date=birth,
        sex=sex,
        pregnant=_bool(data["pregnant"], "pregnant"),
        breastfeeding=_bool(data["breastfeeding"], "breastfeeding"),
        conditions=_codes(data["conditions"], "conditions", library.conditions, "condition"),
        medications=tuple(medications),
        allergies=tuple(_text(a, f"allergies[{i}]") for i, a in enumerate(allergies)),
        recent_procedures=tuple(procedures),
        fitzpatrick=fitzpatrick,
    )


def parse_plan(data: Any, library: Library) -> Plan:
    """Check a plan document and turn it into a `Plan`; raises `InputError`."""
    data = _object(
        data, "plan", {"indication", "areas", "ingredients", "technique"}, {"massage_approved"}
    )
    plan = Plan(
        indication=_code(data["indication"], "plan.indication", library.indications, "indication"),
        areas=_codes(data["areas"], "plan.areas", library.areas, "area"),
        ingredients=_codes(
            data["ingredients"], "plan.ingredients", library.ingredients, "ingredient"
        ),
        technique=_code(data["technique"], "plan.technique", library.techniques, "technique"),
        massage_approved=_bool(data.get("massage_approved", False), "plan.massage_approved"),
    )
    if not plan.areas:
        raise InputError("plan.areas", "name at least one area")
    return plan
