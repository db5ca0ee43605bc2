"""What the API accepts and returns. Models never leave the API: every answer is one of
these schemas, built from a model by the `*_out` functions in `views`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from mesodesk.api.types import (
    AwareDateTime,
    Id,
    IntakeAnswers,
    IsoDate,
    Name,
    Reason,
    library_codes,
)
from mesodesk.patients.choices import Channel, Sex
from mesodesk.scheduling.choices import AppointmentKind


class Error(Schema):
    """Every 4xx answer: a sentence for people, a code for programs, fields when known."""

    detail: str
    code: str
    errors: dict[str, list[str]] = Field(default_factory=dict)
    earliest_start: datetime | None = None
    alternatives: list[dict[str, Any]] | None = Field(
        default=None, description="A refused lot: the lots that may be used instead"
    )
    warnings: list[dict[str, Any]] | None = Field(
        default=None, description="reason_required: the library's checks that warned"
    )


class PatientIn(Schema):
    first_name: Name
    last_name: Name
    birth_date: IsoDate | None = None
    sex: Sex = Sex.UNKNOWN
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=40)
    preferred_channel: Channel = Channel.EMAIL


class PatientOut(Schema):
    id: int
    first_name: str
    last_name: str
    # How lists and exports name the patient: "First Last", or "Patient #7 (erased)" once
    # their erasure request was granted. In the patient list an erased patient's
    # first_name and last_name are empty; reading the record itself gives them (the
    # medical record is kept, GDPR Art. 17(3)(c)).
    list_name: str = ""
    erased: bool = False
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

    answers: IntakeAnswers


class IntakeOut(Schema):
    id: int
    patient_id: int
    number: int
    answers: dict[str, Any]
    created_by: str
    created_at: datetime
    screening: ScreeningOut | None


class SignOffIn(Schema):
    reason: Reason


class PlanIn(Schema):
    indication: library_codes("indications")  # type: ignore[valid-type]
    areas: list[library_codes("areas")] = Field(min_length=1, max_length=100)  # type: ignore[valid-type]
    ingredients: list[library_codes("ingredients")] = Field(max_length=100)  # type: ignore[valid-type]
    technique: library_codes("techniques")  # type: ignore[valid-type]
    schedule_template: library_codes("schedules")  # type: ignore[valid-type]
    first_session: AwareDateTime
    sessions: int | None = Field(None, ge=1, le=100)
    massage_approved: bool = False


class PlanPatchIn(Schema):
    """The fields to change; those left out stay as they are. A new `schedule_template`
    or `first_session` plans the series again (only before any session is booked)."""

    indication: library_codes("indications") | None = None  # type: ignore[valid-type]
    areas: list[library_codes("areas")] | None = Field(None, min_length=1, max_length=100)  # type: ignore[valid-type]
    ingredients: list[library_codes("ingredients")] | None = Field(None, max_length=100)  # type: ignore[valid-type]
    technique: library_codes("techniques") | None = None  # type: ignore[valid-type]
    massage_approved: bool | None = None
    sessions: int | None = Field(None, ge=1, le=100)
    schedule_template: library_codes("schedules") | None = None  # type: ignore[valid-type]
    first_session: AwareDateTime | None = None


class PlannedSessionOut(Schema):
    id: int
    number: int
    target_date: date
    starts_at: datetime
    # The session's appointment (not a cancelled one), if it has one.
    appointment_id: int | None = None
    appointment_status: str | None = None


class PlanScheduleOut(Schema):
    """A plan's series without its clinical content: what the front desk sees."""

    id: int
    patient_id: int
    schedule_template: str
    session_count: int
    status: str
    device_type: str | None
    sessions: list[PlannedSessionOut]


class PlanOut(PlanScheduleOut):
    """A plan with its clinical content: for practitioners and admins."""

    indication: str
    areas: list[str]
    ingredients: list[str]
    technique: str
    massage_approved: bool
    protocol_version: str


class SlotOut(Schema):
    start: datetime
    end: datetime
    practitioner_id: int
    room_id: int
    device_id: int | None


class AppointmentIn(Schema):
    patient_id: Id
    kind: AppointmentKind
    start: AwareDateTime
    practitioner_id: Id
    room_id: Id
    device_id: Id | None = None
    planned_session_id: Id | None = None


class RescheduleIn(Schema):
    start: AwareDateTime
    practitioner_id: Id | None = None
    room_id: Id | None = None
    device_id: Id | None = None


class CancelIn(Schema):
    reason: Reason


class SeriesIn(Schema):
    practitioner_id: Id
    room_id: Id
    device_id: Id | None = None


class AppointmentOut(Schema):
    id: int
    patient_id: int
    patient_name: str
    kind: str
    practitioner_id: int
    room_id: int
    device_id: int | None
    planned_session_id: int | None
    start: datetime
    end: datetime
    status: str
    # Where the visit stands (scheduling.visits.stage): booked, arrived, in_treatment,
    # completed, no_show, cancelled or late_cancelled; who took each step and when.
    stage: str
    arrived_at: datetime | None = None
    arrived_by_id: int | None = None
    started_at: datetime | None = None
    started_by_id: int | None = None
    ended_at: datetime | None = None
    ended_by_id: int | None = None
    cancelled_at: datetime | None = None
    cancelled_by_id: int | None = None
    cancel_reason: str = ""
