"""What the session record endpoints accept and return (api/charting.py)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from ninja import Schema
from pydantic import Field, StrictInt

from mesodesk.api.types import AwareDateTime, Id, Reason, library_codes


class MapPointIn(Schema):
    diagram: str = Field(
        description="face_front, face_left, face_right, scalp, body_front, body_back"
    )
    zone: str = Field(description="A zone code of the diagram (cheek_l: the patient's left cheek)")
    x: float = Field(ge=0, le=1, description="Across the diagram, 0 left edge to 1 right edge")
    y: float = Field(ge=0, le=1, description="Down the diagram, 0 top to 1 bottom")
    depth_mm: Decimal | None = Field(default=None, ge=0, le=20)
    volume_ml: Decimal | None = Field(default=None, gt=0, le=100)


class MapPointOut(Schema):
    id: int
    diagram: str
    zone: str
    x: float
    y: float
    depth_mm: Decimal | None
    volume_ml: Decimal | None


class RecordOpenIn(Schema):
    start_from: str | None = Field(
        default=None, description="plan (the default when there is one) or last_record"
    )


class NumbingIn(Schema):
    product: str = Field(default="", max_length=200)
    on_at: AwareDateTime | None = None
    off_at: AwareDateTime | None = None
    reason: str = Field(default="", max_length=2000)


class AdministrationIn(Schema):
    area: library_codes("areas")  # type: ignore[valid-type]
    lot_id: Id
    volume_ml: Decimal = Field(gt=0, le=1000)
    technique: library_codes("injection_techniques")  # type: ignore[valid-type]
    depth_mm: Decimal | None = Field(default=None, ge=0, le=20)
    needle_gauge: StrictInt | None = None
    needle_length_mm: Decimal | None = Field(default=None, gt=0, le=50)
    device_id: Id | None = None
    device_settings: str = Field(default="", max_length=500)
    points: StrictInt | None = Field(default=None, ge=1)
    map_points: list[MapPointIn] = Field(default_factory=list, max_length=2000)
    reason: str = Field(default="", max_length=2000, description="Needed when a check warns")


class WarningOut(Schema):
    code: str
    message: str
    sources: list[str]


class AdministrationOut(Schema):
    id: int
    area: str
    product_id: int
    product: str
    lot_id: int | None
    lot_number: str | None
    lot_expiry: date | None = None
    volume_ml: Decimal
    technique: str
    depth_mm: Decimal | None
    needle_gauge: int | None
    needle_length_mm: Decimal | None
    device_id: int | None
    device_settings: str
    points: int | None
    warnings: list[WarningOut]
    out_of_range_reason: str
    entered_in_error_at: datetime | None
    entered_in_error_reason: str
    map_points: list[MapPointOut]


class ObservationsIn(Schema):
    pain_score: StrictInt | None = Field(default=None, ge=0, le=10)
    immediate_reactions: list[str] = Field(default_factory=list)
    notes: str = Field(default="", max_length=10000)


class AddendumIn(Schema):
    text: Reason


class AddendumOut(Schema):
    id: int
    text: str
    entered_in_error_id: int | None
    signed_by_id: int
    signed_at: datetime


class ReasonIn(Schema):
    reason: Reason


class RecordContent(Schema):
    """What a record holds: practitioners and admins only."""

    areas: list[str]
    prefilled_from: str
    numbing_product: str
    numbing_on_at: datetime | None
    numbing_off_at: datetime | None
    numbing_warnings: list[WarningOut]
    numbing_short_reason: str
    pain_score: int | None
    immediate_reactions: list[str]
    notes: str
    administrations: list[AdministrationOut]
    addenda: list[AddendumOut]


class RecordOut(Schema):
    """A session record; `content` is null for front desk, who see that it exists and its
    status only."""

    id: int
    patient_id: int
    appointment_id: int
    session_start: datetime
    practitioner_id: int
    status: str
    signed_at: datetime | None
    signed_by_id: int | None
    protocol_version: str
    content: RecordContent | None
