"""The library as JSON-able data, for `protocol show --format json` and the database copy."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import timedelta
from enum import Enum
from typing import TYPE_CHECKING, Any

from mesodesk.core.durations import iso_duration
from mesodesk.core.library.model import Conflict

if TYPE_CHECKING:
    from mesodesk.core.library import Library

# Index objects and raw file texts are not part of the data a reader wants.
_SKIP = frozenset({"files", "substance_words", "allergy_words", "procedure_words"})


def plain(value: Any) -> Any:
    """Dataclasses, enums, durations and mappings turned into JSON values."""
    if isinstance(value, Conflict):
        return {"values": dict(value.values), "chosen": value.chosen, "why": value.why}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, timedelta):
        return iso_duration(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, frozenset | set):
        return sorted(plain(v) for v in value)
    return value


def library_to_dict(library: Library) -> dict[str, Any]:
    out: dict[str, Any] = {"version": library.version}
    for f in dataclasses.fields(library):
        if f.name not in _SKIP:
            out[f.name] = plain(getattr(library, f.name))
    return out
