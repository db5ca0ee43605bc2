"""What the outcome score endpoints accept and return (api/outcomes.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from mesodesk.api.types import library_codes
from mesodesk.core.library import load_library
from mesodesk.core.outcomes import outcome_scales

# The outcome scales staff may score over the API (satisfaction is the patient's own).
STAFF_SCALES = tuple(
    sorted(s.code for s in outcome_scales(load_library().scales) if set(s.raters) - {"patient"})
)
ItemScore = Annotated[int, Field(ge=0, le=100)]


class LevelOut(Schema):
    value: str
    label: str
    definition: str


class ItemOut(Schema):
    code: str
    label: str
    low: int
    high: int
    definition: str


class BandOut(Schema):
    low: int
    high: int
    label: str


class SourceOut(Schema):
    source: str
    label: str
    at: str


class ScaleOut(Schema):
    code: str
    label: str
    version: str
    raters: list[str]
    against_baseline: bool
    per_side: bool
    better: Literal["lower", "higher", "none"]
    levels: list[LevelOut]
    items: list[ItemOut]
    bands: list[BandOut]
    note: str
    sources: list[SourceOut]


class ScoreIn(Schema):
    scale: Literal[STAFF_SCALES] = Field(  # type: ignore[valid-type]
        description="A library scale staff rate (GET /scales): gais, wsrs, glogau ..."
    )
    value: str = Field(
        default="", max_length=20, description="A level of the scale; empty for Hexsel"
    )
    items: dict[Literal["a", "b", "c", "d", "e"], ItemScore] | None = Field(
        default=None, description="Hexsel CSS: the five items a-e, each 0-3"
    )
    side: Literal["", "left", "right"] = Field(default="", description="WSRS: left or right")
    rater: Literal["practitioner", "blinded"] = "practitioner"
    method: Literal["live", "photos"] = "live"
    time_point: Literal["baseline", "session", "follow_up"] = "session"
    weeks_after: int | None = Field(
        default=None, ge=1, le=104, description="For a follow-up: weeks after the last session"
    )
    area: Literal[("", *sorted(load_library().areas))] = ""  # type: ignore[valid-type]
    note: str = Field(default="", max_length=2000)
    photo_ids: list[int] = Field(
        default_factory=list,
        max_length=50,
        description="For a score from photos: the ids of the patient's photos it was read from",
    )


class ScoreOut(Schema):
    id: int
    patient_id: int
    appointment_id: int
    plan_id: int | None
    scale: str
    scale_version: str
    value: str
    label: str
    items: dict[str, int]
    band: str
    side: str
    rater: str
    method: str
    time_point: str
    session_number: int | None
    weeks_after: int | None
    baseline_appointment_id: int | None
    area: str
    note: str
    rated_by_id: int
    rated_at: datetime
    entered_in_error_at: datetime | None
    entered_in_error_reason: str
    photo_ids: list[int]


__all__ = ["ScaleOut", "ScoreIn", "ScoreOut", "library_codes"]
