"""What the adverse-event, side-effect report and signal endpoints accept and return
(api/safety.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from mesodesk.api.types import Id, IsoDate, Reason, library_codes
from mesodesk.safety.choices import Outcome, ReportCall

OutcomeCode = Literal[tuple(Outcome.values)]  # type: ignore[valid-type]
CloseCall = Literal[tuple(v for v in ReportCall.values if v != ReportCall.EVENT)]  # type: ignore[valid-type]


class EventIn(Schema):
    event: library_codes("adverse_events")  # type: ignore[valid-type]
    onset: IsoDate
    grade: int = Field(ge=1, le=5, description="1 mild ... 5 death, after CTCAE v5")
    serious: bool = Field(default=False, description="Grades 4 and 5 are always serious")
    description: str = Field(default="", max_length=5000)
    session_record_id: Id | None = None
    administration_ids: list[Id] = Field(default_factory=list, max_length=100)
    lot_ids: list[Id] = Field(
        default_factory=list, max_length=100, description="Lots suspected beyond those given"
    )
    technique: library_codes("injection_techniques") | None = None  # type: ignore[valid-type]
    device_id: Id | None = None
    practitioner_id: Id | None = None
    actions_taken: str = Field(default="", max_length=5000)
    outcome: OutcomeCode = "ongoing"  # type: ignore[valid-type]
    follow_up_on: IsoDate | None = Field(default=None, description="A reminder to staff")


class FollowUpIn(Schema):
    note: Reason
    grade: int | None = Field(default=None, ge=1, le=5)
    serious: bool | None = None
    outcome: OutcomeCode | None = None  # type: ignore[valid-type]
    actions_taken: str = Field(default="", max_length=5000)
    follow_up_on: IsoDate | None = Field(default=None, description="None: no more reminders")


class CloseIn(Schema):
    call: CloseCall  # type: ignore[valid-type]
    note: Reason


class SuspectOut(Schema):
    administration_id: int | None
    lot_id: int | None
    lot_number: str | None
    product_id: int
    product: str


class FollowUpOut(Schema):
    id: int
    note: str
    grade: int | None
    serious: bool | None
    outcome: str
    actions_taken: str
    follow_up_on: date | None
    by_id: int
    at: datetime


class CurrentOut(Schema):
    grade: int
    serious: bool
    outcome: str
    actions_taken: str
    follow_up_on: date | None


class EventOut(Schema):
    id: int
    patient_id: int
    report_id: int | None
    category: str
    event: str
    label: str
    description: str
    onset: date
    grade: int
    serious: bool
    appointment_id: int | None
    session_record_id: int | None
    technique: str
    device_id: int | None
    practitioner_id: int | None
    actions_taken: str
    outcome: str
    follow_up_on: date | None
    protocol_version: str
    recorded_by_id: int
    recorded_at: datetime
    suspects: list[SuspectOut]
    follow_ups: list[FollowUpOut]
    current: CurrentOut


class ReportOut(Schema):
    id: int
    patient_id: int
    appointment_id: int | None
    symptoms: list[str]
    red_flags: list[str]
    other: str
    area: str
    since: date
    how_bad: str
    details: str
    urgent: bool
    created_at: datetime
    closed_at: datetime | None
    call: str
    closing_note: str
    adverse_event_id: int | None


class SignalOut(Schema):
    kind: str = Field(description="lot, product, technique or practitioner")
    key: str = Field(description="The lot's, product's or practitioner's id; a technique code")
    label: str
    events: int
    administrations: int
    rest_events: int
    rest_administrations: int
    p_value: float = Field(description="Fisher's exact test, one-sided (an excess)")
    flagged: bool = Field(description="p < 0.05 and at least 3 events")
