"""The visit: check in (and undo it), start, complete, no-show and late cancellation.

Front desk (and admins) check in, undo a check-in, mark no-shows and late cancellations;
practitioners start and complete. Another role is refused with 403 `forbidden`, a step out
of order with 422 and the service's code (`not_arrived`, `started`, `too_early`, ...).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from ninja import Router

from mesodesk.api.common import caller, member, responses
from mesodesk.api.scheduling import appointment_out
from mesodesk.api.schemas import AppointmentOut, CancelIn
from mesodesk.scheduling import selectors, visits
from mesodesk.scheduling.models import Appointment

router = Router(tags=["visits"])
PATH = "/clinics/{clinic}/appointments/{appointment_id}/"


def _step(
    request: HttpRequest, clinic: str, appointment_id: int, service: Callable[..., Appointment]
) -> AppointmentOut:
    clinic_obj = member(request, clinic).clinic
    # The object first: another clinic's id is a 404 whatever the caller's role.
    appointment = selectors.get_appointment(clinic_obj, appointment_id)
    changed = service(clinic=clinic_obj, appointment=appointment, by=caller(request))
    return appointment_out(changed, clinic_obj)


@router.post(
    PATH + "check-in",
    response=responses(AppointmentOut),
    summary="Check the patient in (front desk, admin)",
)
def check_in(request: HttpRequest, clinic: str, appointment_id: int) -> AppointmentOut:
    return _step(request, clinic, appointment_id, visits.check_in)


@router.post(
    PATH + "undo-check-in",
    response=responses(AppointmentOut),
    summary="Take back a check-in made by mistake, before treatment (front desk, admin)",
)
def undo_check_in(request: HttpRequest, clinic: str, appointment_id: int) -> AppointmentOut:
    return _step(request, clinic, appointment_id, visits.undo_check_in)


@router.post(
    PATH + "start",
    response=responses(AppointmentOut),
    summary="Start the treatment (practitioners; a session needs a screening that allows it)",
)
def start(request: HttpRequest, clinic: str, appointment_id: int) -> AppointmentOut:
    return _step(request, clinic, appointment_id, visits.start_treatment)


@router.post(
    PATH + "complete",
    response=responses(AppointmentOut),
    summary="Complete the visit (practitioners; a consultation needs no start)",
)
def complete(request: HttpRequest, clinic: str, appointment_id: int) -> AppointmentOut:
    return _step(request, clinic, appointment_id, visits.complete)


@router.post(
    PATH + "no-show",
    response=responses(AppointmentOut),
    summary="The patient did not come (front desk, admin; not before the start)",
)
def no_show(request: HttpRequest, clinic: str, appointment_id: int) -> AppointmentOut:
    return _step(request, clinic, appointment_id, visits.no_show)


@router.post(
    PATH + "late-cancel",
    response=responses(AppointmentOut, 400),
    summary="Cancelled at short notice, with a reason (front desk, admin)",
)
def late_cancel(
    request: HttpRequest, clinic: str, appointment_id: int, body: CancelIn
) -> AppointmentOut:
    clinic_obj = member(request, clinic).clinic
    appointment = selectors.get_appointment(clinic_obj, appointment_id)
    changed = visits.late_cancel(
        clinic=clinic_obj,
        appointment=appointment,
        by=caller(request),
        reason=body.reason,
    )
    return appointment_out(changed, clinic_obj)
