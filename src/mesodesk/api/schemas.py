"""What the API accepts and returns. Models never leave the API: every answer is one of
these schemas, built from a model by the `*_out` functions in `views`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Schema
from pydantic import AwareDatetime, Field


class Error(Schema):
    """Every 4xx answer: a sentence for people, a code for programs, fields when known."""

    detail: str
    code: str
    errors: dict[str, list[str]] = Field(default_factory=dict)
    earliest_start: datetime | None = None


class PatientIn(Schema):
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    birth_date: date | None = None
    sex: str = "unknown"
    email: str = ""
    phone: str = ""
    preferred_channel: str = "email"


class PatientOut(Schema):
    id: int
    first_name: str
    last_name: str
    birth_date: date | None
    sex: str
    email: str
    phone: str
    preferred_channel: str
    created_at: datetime


class ScreeningOut(Schema):
    id: int
    patient_id: int
    intake_id: int
    plan_id: int | None
    verdict: str
    findings: list[dict[str, Any]]
    protocol_version: str
    computed_at: datetime
    signed_off_by: str | None
    signed_off_at: datetime | None
    sign_off_reason: str
    may_book_session: bool
    booking_reason: str


class IntakeIn(Schema):
    """The intake document of DESIGN 7.1, checked field by field by the clinical core."""

    answers: dict[str, Any]


class IntakeOut(Schema):
    id: int
    patient_id: int
    number: int
    answers: dict[str, Any]
    created_by: str
    created_at: datetime
    screening: ScreeningOut | None


class SignOffIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)


class PlanIn(Schema):
    indication: str
    areas: list[str]
    ingredients: list[str]
    technique: str
    schedule_template: str
    first_session: AwareDatetime
    sessions: int | None = None
    massage_approved: bool = False


class PlannedSessionOut(Schema):
    id: int
    number: int
    target_date: date
    starts_at: datetime


class PlanOut(Schema):
    id: int
    patient_id: int
    indication: str
    areas: list[str]
    ingredients: list[str]
    technique: str
    massage_approved: bool
    schedule_template: str
    session_count: int
    status: str
    protocol_version: str
    sessions: list[PlannedSessionOut]


class SlotOut(Schema):
    start: datetime
    end: datetime
    practitioner_id: int
    room_id: int
    device_id: int | None


class AppointmentIn(Schema):
    patient_id: int
    kind: str
    start: AwareDatetime
    practitioner_id: int
    room_id: int
    device_id: int | None = None
    planned_session_id: int | None = None


class RescheduleIn(Schema):
    start: AwareDatetime
    practitioner_id: int | None = None
    room_id: int | None = None
    device_id: int | None = None


class CancelIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)


class SeriesIn(Schema):
    practitioner_id: int
    room_id: int
    device_id: int | None = None


class AppointmentOut(Schema):
    id: int
    patient_id: int
    kind: str
    practitioner_id: int
    room_id: int
    device_id: int | None
    planned_session_id: int | None
    start: datetime
    end: datetime
    status: str
