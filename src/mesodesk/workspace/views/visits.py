"""The visit in one click: check in, undo a check-in, start, complete, no-show and late
cancellation, from Today and the appointment page (plain POST forms, no script)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from mesodesk.accounts.access import StaffRequest, staff_view
from mesodesk.consents.refusals import collect_consent, consent_missing
from mesodesk.scheduling import closures, selectors, visits
from mesodesk.scheduling.models import Appointment
from mesodesk.workspace.forms import LateCancelForm, add_service_errors
from mesodesk.workspace.views.booking import appointment_page
from mesodesk.workspace.views.visit_info import STEPS


def _back(request: StaffRequest, appointment: Appointment) -> HttpResponse:
    """Back where the button was pressed (Today or the appointment page), else to the
    appointment."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse(
            "workspace:appointment",
            kwargs={"clinic_slug": request.clinic.slug, "appointment_id": appointment.pk},
        )
    return redirect(target)


def _name(appointment: Appointment) -> str:
    return f"{appointment.patient.first_name} {appointment.patient.last_name}"


SERVICES: dict[str, Callable[..., Appointment]] = {
    "check-in": visits.check_in,
    "undo-check-in": visits.undo_check_in,
    "start": visits.start_treatment,
    "complete": visits.complete,
    "no-show": visits.no_show,
}


@require_POST
@staff_view()
def step(request: StaffRequest, clinic_slug: str, appointment_id: int, step: str) -> HttpResponse:
    """Takes one step of the visit; back to the page it came from, saying what was done,
    or why it was refused."""
    appointment = selectors.get_appointment(request.clinic, appointment_id)
    if step not in STEPS:
        raise Http404("No such step.")
    if not visits.may_take(request.membership.role, STEPS[step][0]):
        raise PermissionDenied("Your role in this clinic does not allow this.")
    try:
        SERVICES[step](clinic=request.clinic, appointment=appointment, by=request.user)
    except ValidationError as error:
        messages.error(request, f"{_name(appointment)}: " + " ".join(error.messages))
        if consent_missing(error):
            return collect_consent(request, appointment)
    else:
        done = STEPS[step][2]
        messages.success(request, f"{done[0].upper()}{done[1:]} {_name(appointment)}.")
    return _back(request, appointment)


@require_POST
@staff_view()
def late_cancel(request: StaffRequest, clinic_slug: str, appointment_id: int) -> HttpResponse:
    """Records a late cancellation with its reason (the appointment page's form)."""
    appointment = selectors.get_appointment(request.clinic, appointment_id)
    if not visits.may_take(request.membership.role, "late_cancel"):
        raise PermissionDenied("Your role in this clinic does not allow this.")
    form = LateCancelForm(request.POST)
    if form.is_valid():
        try:
            visits.late_cancel(
                clinic=request.clinic,
                appointment=appointment,
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Late cancellation recorded for {_name(appointment)}.")
            return _back(request, appointment)
    fresh = selectors.get_appointment(request.clinic, appointment_id)
    return appointment_page(request, fresh, late_cancel_form=form, status=422)


@require_POST
@staff_view()
def settle_rebooking(request: StaffRequest, clinic_slug: str, appointment_id: int) -> HttpResponse:
    """Takes an appointment a closure cancelled off Today's list to book again (the patient
    will call, or wants no other time)."""
    appointment = selectors.get_appointment(request.clinic, appointment_id)
    try:
        closures.settle_rebooking(clinic=request.clinic, appointment=appointment, by=request.user)
    except ValidationError as error:
        messages.error(request, f"{_name(appointment)}: " + " ".join(error.messages))
    else:
        messages.success(request, f"{_name(appointment)} is off the list to book again.")
    return _back(request, appointment)
