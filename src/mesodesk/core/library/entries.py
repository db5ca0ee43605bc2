"""Reading one TOML table into a dataclass, collecting every problem instead of stopping.

`protocol check` must report each problem with its file and entry, so parsing never
raises on bad data: it records a `Problem` and carries on with a safe placeholder.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from mesodesk.core.durations import DurationError, parse_duration
from mesodesk.core.library.model import Citation, Conflict, Prescribed, Range, Selector


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong in the library, located by file and entry."""

    file: str
    entry: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.entry}: {self.message}"


class Entry:
    """One `[[table]]` of a library file; typed getters that record problems."""

    def __init__(self, data: Any, *, file: str, table: str, index: int, problems: list[Problem]):
        self.file = file
        self.problems = problems
        self.data: dict[str, Any] = data if isinstance(data, dict) else {}
        code = self.data.get("code") or self.data.get("id")
        self.name = f"{table} {code!r}" if isinstance(code, str) else f"{table} #{index + 1}"
        self._used: set[str] = set()
        if not isinstance(data, dict):
            self.problem(f"expected a table, got {type(data).__name__}")

    def problem(self, message: str) -> None:
        self.problems.append(Problem(self.file, self.name, message))

    def _get(self, key: str, kinds: tuple[type, ...], required: bool, default: Any) -> Any:
        self._used.add(key)
        if key not in self.data:
            if required:
                self.problem(f"missing field {key!r}")
            return default
        value = self.data[key]
        # bool is an int in Python; a figure written `true` is a typo, not a number
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            names = " or ".join(k.__name__ for k in kinds)
            self.problem(f"field {key!r} must be {names}, got {value!r}")
            return default
        return value

    def text(self, key: str, *, required: bool = True, default: str = "") -> str:
        value = self._get(key, (str,), required, default)
        if required and isinstance(value, str) and not value.strip():
            self.problem(f"field {key!r} is empty")
        return str(value)

    def integer(self, key: str, *, required: bool = True, default: int | None = None) -> Any:
        return self._get(key, (int,), required, default)

    def flag(self, key: str, *, default: bool = False) -> bool:
        return bool(self._get(key, (bool,), False, default))

    def texts(self, key: str, *, required: bool = False) -> tuple[str, ...]:
        value = self._get(key, (list,), required, [])
        if not all(isinstance(item, str) and item.strip() for item in value):
            self.problem(f"field {key!r} must be a list of non-empty strings")
            return ()
        return tuple(value)

    def duration(self, key: str, *, required: bool = False) -> timedelta | None:
        value = self._get(key, (str,), required, None)
        if value is None:
            return None
        try:
            return parse_duration(value)
        except DurationError as error:
            self.problem(f"field {key!r}: {error}")
            return None

    def table(self, key: str) -> dict[str, Any] | None:
        found: dict[str, Any] | None = self._get(key, (dict,), False, None)
        return found

    def range(self, key: str, *, required: bool = True) -> Range | None:
        """`{ min = 1.0, max = 4.0 }` (either end may be left out; `max_exclusive` for
        "under"), as a Range; None when absent."""
        raw = self._get(key, (dict,), required, None)
        if raw is None:
            return None
        extra = set(raw) - {"min", "max", "max_exclusive"}
        if extra:
            self.problem(f"{key} has unknown field(s) {sorted(extra)}")
        ends = {}
        for end in ("min", "max"):
            value = raw.get(end)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | float)
            ):
                self.problem(f"{key}.{end} must be a number, got {value!r}")
                value = None
            if value is not None and value < 0:
                self.problem(f"{key}.{end} must not be negative")
            ends[end] = None if value is None else float(value)
        exclusive = raw.get("max_exclusive", False)
        if not isinstance(exclusive, bool):
            self.problem(f"{key}.max_exclusive must be true or false")
            exclusive = False
        if ends["min"] is None and ends["max"] is None:
            self.problem(f"{key} needs min, max or both")
        elif ends["min"] is not None and ends["max"] is not None and ends["min"] > ends["max"]:
            self.problem(f"{key} has min above max")
        return Range(min=ends["min"], max=ends["max"], max_exclusive=exclusive)

    def citations(self, key: str = "sources", *, required: bool = True) -> tuple[Citation, ...]:
        value = self._get(key, (list,), required, [])
        out = []
        for item in value:
            if (
                isinstance(item, dict)
                and set(item) == {"ref", "at"}
                and all(isinstance(v, str) and v.strip() for v in item.values())
            ):
                out.append(Citation(source=item["ref"], at=item["at"]))
            else:
                self.problem(
                    f"each of {key!r} must be {{ ref = SOURCE, at = LOCATOR }}, got {item!r}"
                )
        if required and not out and key in self.data:
            self.problem(f"field {key!r} cites no source")
        return tuple(out)

    def conflict(self) -> Conflict | None:
        raw = self.table("conflict")
        if raw is None:
            return None
        values = raw.get("values")
        chosen = raw.get("chosen")
        why = raw.get("why")
        extra = set(raw) - {"values", "chosen", "why"}
        if extra:
            self.problem(f"conflict has unknown field(s) {sorted(extra)}")
        if not isinstance(values, dict) or len(values) < 2:
            self.problem("conflict needs `values` from at least two sources")
            values = {}
        if not isinstance(chosen, str) or not chosen.strip():
            self.problem("conflict has no chosen default (`chosen`)")
            chosen = ""
        if not isinstance(why, str) or not why.strip():
            self.problem("conflict does not say why its default was chosen (`why`)")
            why = ""
        pairs = tuple((str(k), str(v)) for k, v in values.items())
        return Conflict(values=pairs, chosen=chosen, why=why)

    def selector(self, key: str = "when") -> Selector:
        raw = self.table(key)
        if raw is None:
            return Selector()
        sub = Entry(raw, file=self.file, table=f"{self.name} {key}", index=0, problems=[])
        sub.name = f"{self.name} ({key})"
        sub.problems = self.problems
        prescribed_text = sub.text("prescribed", required=False, default="any")
        try:
            prescribed = Prescribed(prescribed_text)
        except ValueError:
            sub.problem(f"prescribed must be any, yes or no, got {prescribed_text!r}")
            prescribed = Prescribed.ANY
        selector = Selector(
            intake=frozenset(sub.texts("intake")),
            conditions=frozenset(sub.texts("conditions")),
            medication_classes=frozenset(sub.texts("medication_classes")),
            prescribed=prescribed,
            allergy_ingredients=frozenset(sub.texts("allergy_ingredients")),
            any_allergy=sub.flag("any_allergy"),
            procedure_classes=frozenset(sub.texts("procedure_classes")),
            plan_ingredients=frozenset(sub.texts("plan_ingredients")),
            plan_techniques=frozenset(sub.texts("plan_techniques")),
            fitzpatrick_at_least=sub.integer("fitzpatrick_at_least", required=False),
            special=sub.text("special", required=False, default="") or None,
        )
        sub.finish()
        return selector

    def finish(self) -> None:
        """Report fields nobody read: almost always a typo in the library."""
        for key in sorted(set(self.data) - self._used):
            self.problem(f"unknown field {key!r}")
