"""Slot search, appointments, and booking a whole series."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from mesodesk.api.auth import token_checked_by_read, token_to_check
from mesodesk.api.common import (
    caller,
    local,
    member,
    read_listed,
    read_one,
    rendered,
    responses,
)
from mesodesk.api.direct import answered_directly
from mesodesk.api.schemas import (
    AppointmentIn,
    AppointmentOut,
    CancelIn,
    RescheduleIn,
    SeriesIn,
    SlotOut,
)
from mesodesk.api.types import Id, IsoDate, library_codes
from mesodesk.clinics import selectors as clinic_selectors
from mesodesk.clinics.models import Clinic
from mesodesk.patients import selectors as patient_selectors
from mesodesk.planning import selectors as plan_selectors
from mesodesk.scheduling import selectors, services, visits
from mesodesk.scheduling.choices import AppointmentKind
from mesodesk.scheduling.models import Appointment

router = Router(tags=["scheduling"])


class SlotQuery(Schema):
    kind: AppointmentKind = AppointmentKind.SESSION
    start_date: IsoDate
    days: int = Field(56, ge=1, le=366)
    practitioner_id: Id | None = None
    device_type: library_codes("device_types") | None = None  # type: ignore[valid-type]
    limit: int = Field(20, ge=1, le=200)


def appointment_out(appointment: Appointment, clinic: Clinic) -> AppointmentOut:
    return AppointmentOut(**_appointment_fields(appointment, clinic))


def _appointment_fields(
    appointment: Appointment, clinic: Clinic, patient_name: str | None = None
) -> dict[str, Any]:
    return {
        "id": appointment.pk,
        "patient_id": appointment.patient_id,
        # Lists name the patient as `Patient.list_name` does (a pseudonym once erased);
        # read with the appointment (the selectors join the patient): one query.
        "patient_name": appointment.patient.list_name if patient_name is None else patient_name,
        "kind": appointment.kind,
        "practitioner_id": appointment.practitioner_id,
        "room_id": appointment.room_id,
        "device_id": appointment.device_id,
        "planned_session_id": appointment.planned_session_id,
        "start": local(appointment.start, clinic),
        "end": local(appointment.end, clinic),
        "status": appointment.status,
        "stage": visits.stage(appointment).value,
        "arrived_at": local(appointment.arrived_at, clinic),
        "arrived_by_id": appointment.arrived_by_id,
        "started_at": local(appointment.started_at, clinic),
        "started_by_id": appointment.started_by_id,
        "ended_at": local(appointment.ended_at, clinic),
        "ended_by_id": appointment.ended_by_id,
        "cancelled_at": local(appointment.cancelled_at, clinic),
        "cancelled_by_id": appointment.cancelled_by_id,
        "cancel_reason": appointment.cancel_reason,
    }


def _device(clinic: Clinic, device_id: int | None):
    return None if device_id is None else clinic_selectors.get_device(clinic, device_id)


@router.get(
    "/clinics/{clinic}/slots",
    response=responses(list[SlotOut]),
    summary="Free slots, earliest first",
)
def find_slots(request: HttpRequest, clinic: str, query: Query[SlotQuery]) -> list[SlotOut]:
    clinic_obj = member(request, clinic).clinic
    practitioners = None
    if query.practitioner_id is not None:
        practitioners = [clinic_selectors.get_practitioner(clinic_obj, query.practitioner_id).pk]
    slots = selectors.find_slots(
        clinic=clinic_obj,
        kind=query.kind,
        start_date=query.start_date,
        days=query.days,
        practitioner_ids=practitioners,
        device_type=query.device_type,
        limit=query.limit,
    )
    return [
        SlotOut(
            start=local(s.start, clinic_obj),  # type: ignore[arg-type]
            end=local(s.end, clinic_obj),  # type: ignore[arg-type]
            practitioner_id=s.practitioner,
            room_id=s.room,
            device_id=s.device,
        )
        for s in slots
    ]


@router.get(
    "/clinics/{clinic}/appointments",
    response=responses(list[AppointmentOut]),
    summary="One day's appointments",
)
@token_checked_by_read
def day_schedule(
    request: HttpRequest, clinic: str, day: IsoDate, practitioner_id: Id | None = None
) -> HttpResponse:
    # Which patients come when: a read of patient data, logged with the list's read. With
    # a token on PostgreSQL, the token, the practitioner, the list and its access event
    # are one statement (api.common.read_listed).
    found = None
    if token_to_check(request) is not None:
        read = selectors.day_listing_read(clinic, day, practitioner_id)
        found = read_listed(request, clinic, read.listed)
    if found is not None:
        membership, context, listed_rows = found
        if context is None:
            raise Http404("No such practitioner.")
        clinic_obj = membership.clinic
        listed = selectors.day_listed_from(clinic_obj, read, listed_rows)
    else:
        clinic_obj = member(request, clinic).clinic
        practitioner = None
        if practitioner_id is not None:
            practitioner = clinic_selectors.get_practitioner(clinic_obj, practitioner_id)
        listed = selectors.day_listing(clinic_obj, day, practitioner, read_by=request)
    # Rendered straight from the typed columns: validating 35 rows through the schema
    # cost more than the rest of the request (the fields are AppointmentOut's, held to it
    # by tests/api/test_rendered_answers.py).
    return rendered(request, [_appointment_fields(a, clinic_obj, name) for a, name in listed])


@router.post(
    "/clinics/{clinic}/appointments",
    response=responses(AppointmentOut, 400, 409, status=201),
    summary="Book an appointment (409 when the practitioner, room or device is taken)",
)
def book(request: HttpRequest, clinic: str, body: AppointmentIn) -> Status[AppointmentOut]:
    clinic_obj = member(request, clinic).clinic
    planned = None
    if body.planned_session_id is not None:
        planned = plan_selectors.get_planned_session(clinic_obj, body.planned_session_id)
    # The patient with the contact preferences its reminders follow; who and where in one.
    patient = patient_selectors.get_patient_with_preferences(clinic_obj, body.patient_id)
    practitioner, room, device = clinic_selectors.who_and_where(
        clinic_obj,
        practitioner_id=body.practitioner_id,
        room_id=body.room_id,
        device_id=body.device_id,
    )
    appointment = services.book_appointment(
        clinic=clinic_obj,
        patient=patient,
        by=caller(request),
        kind=body.kind,
        start=body.start,
        practitioner=practitioner,
        room=room,
        device=device,
        planned_session=planned,
    )
    return Status(201, appointment_out(appointment, clinic_obj))


@router.get(
    "/clinics/{clinic}/appointments/{appointment_id}",
    response=responses(AppointmentOut),
    summary="Read one",
)
@token_checked_by_read
@answered_directly
def read_appointment(request: HttpRequest, clinic: str, appointment_id: int) -> HttpResponse:
    # The caller's token, the row and the access event of reading it: one statement on
    # PostgreSQL (api.common.read_one).
    membership, row = read_one(request, clinic, selectors.listed_appointment_read(appointment_id))
    if row is None:
        raise Http404("No such appointment.")
    clinic_obj = membership.clinic
    appointment, name = selectors.listed_from_row(clinic_obj, row)
    # As the day list: AppointmentOut's fields from the typed columns, rendered as ninja
    # would render them validated (tests/api/test_rendered_answers.py).
    return rendered(request, _appointment_fields(appointment, clinic_obj, name))


@router.post(
    "/clinics/{clinic}/appointments/{appointment_id}/reschedule",
    response=responses(AppointmentOut, 400, 409),
    summary="Move an appointment (same checks as booking)",
)
def reschedule(
    request: HttpRequest, clinic: str, appointment_id: int, body: RescheduleIn
) -> AppointmentOut:
    clinic_obj = member(request, clinic).clinic
    appointment = selectors.get_appointment(clinic_obj, appointment_id)
    practitioner = None
    if body.practitioner_id is not None:
        practitioner = clinic_selectors.get_practitioner(clinic_obj, body.practitioner_id)
    room = None if body.room_id is None else clinic_selectors.get_room(clinic_obj, body.room_id)
    moved = services.reschedule_appointment(
        clinic=clinic_obj,
        appointment=appointment,
        by=caller(request),
        start=body.start,
        practitioner=practitioner,
        room=room,
        device=_device(clinic_obj, body.device_id),
    )
    return appointment_out(moved, clinic_obj)


@router.post(
    "/clinics/{clinic}/appointments/{appointment_id}/cancel",
    response=responses(AppointmentOut, 400),
    summary="Cancel an appointment, with a reason",
)
def cancel(
    request: HttpRequest, clinic: str, appointment_id: int, body: CancelIn
) -> AppointmentOut:
    clinic_obj = member(request, clinic).clinic
    appointment = selectors.get_appointment(clinic_obj, appointment_id)
    cancelled = services.cancel_appointment(
        clinic=clinic_obj,
        appointment=appointment,
        by=caller(request),
        reason=body.reason,
    )
    return appointment_out(cancelled, clinic_obj)


@router.post(
    "/clinics/{clinic}/plans/{plan_id}/book-series",
    response=responses(list[AppointmentOut], 400, 409, status=201),
    summary="Book every planned session of a plan at once (all or nothing)",
)
def book_series(
    request: HttpRequest, clinic: str, plan_id: int, body: SeriesIn
) -> Status[list[AppointmentOut]]:
    clinic_obj = member(request, clinic).clinic
    plan = plan_selectors.get_plan(clinic_obj, plan_id)
    practitioner, room, device = clinic_selectors.who_and_where(
        clinic_obj,
        practitioner_id=body.practitioner_id,
        room_id=body.room_id,
        device_id=body.device_id,
    )
    appointments = services.book_series(
        clinic=clinic_obj,
        plan=plan,
        by=caller(request),
        practitioner=practitioner,
        room=room,
        device=device,
    )
    return Status(201, [appointment_out(a, clinic_obj) for a in appointments])
