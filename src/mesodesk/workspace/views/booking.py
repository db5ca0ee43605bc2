"""Booking: slot search and booking for a patient, moving and cancelling an appointment,
and booking the whole series of a plan."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from mesodesk.accounts.access import StaffRequest, staff_view
from mesodesk.audit.services import record_read
from mesodesk.clinics import selectors as clinics
from mesodesk.clinics.models import Clinic, Membership
from mesodesk.clinics.reading import Part, may_read
from mesodesk.core.library import load_library
from mesodesk.core.slots import shown_days
from mesodesk.patients import selectors as patients
from mesodesk.patients.models import Patient
from mesodesk.planning import selectors as plans
from mesodesk.planning.choices import PlanStatus
from mesodesk.scheduling import rules, selectors, services
from mesodesk.scheduling.choices import (
    CANCELLED_STATUSES,
    AppointmentKind,
    VisitStage,
)
from mesodesk.scheduling.errors import WashoutNotMet
from mesodesk.scheduling.models import Appointment
from mesodesk.scheduling.safe_slots import safe_slots
from mesodesk.scheduling.selectors import Slot
from mesodesk.workspace.forms import (
    BookForm,
    CancelForm,
    LateCancelForm,
    MoveForm,
    SeriesForm,
    SlotSearchFixedKindForm,
    SlotSearchForm,
    add_service_errors,
    person,
    practitioner_users,
)
from mesodesk.workspace.views import slot_cells, visit_cells
from mesodesk.workspace.views.common import clinic_today, page
from mesodesk.workspace.views.visit_cells import RowContext
from mesodesk.workspace.views.visit_info import staff_names, visit_of
from mesodesk.workspace.views_charting.record import appointment_record_context

SEARCH_DAYS = 28
# Slot search looks at up to this many free starts (15 minutes apart), and shows a few
# days of them, each thinned to the half hours when it has more than fit on a screen.
SLOTS_SEARCHED = 300
DAYS_SHOWN = 5
SLOTS_PER_DAY = 10


def _names(found: clinics.Resources) -> dict[str, dict[int, str]]:
    """The names of the practitioners, rooms and devices a search may find (the clinic's
    active ones, which its form offers as well)."""
    return {
        "practitioner": {u.pk: person(u) for u in found.practitioners},
        "room": {r.pk: r.name for r in found.rooms},
        "device": {d.pk: d.name for d in found.devices},
    }


def _search(
    request: StaffRequest,
    form: SlotSearchForm,
    *,
    kind: str,
    patient: Patient,
) -> tuple[list[tuple[date, list[dict[str, Any]]]], WashoutNotMet | None]:
    """The free slots the (valid) search form asks for, grouped by local day. For a
    session, times too soon for the patient's preparation are skipped, and the washout
    that moved the search comes back so the page can say why."""
    clinic = request.clinic
    data = form.cleaned_data
    practitioner, room, device = data.get("practitioner"), data.get("room"), data.get("device")
    # A session's device and washouts come from the active plan: read once for both.
    plan = plans.active_plan(clinic, patient) if kind == AppointmentKind.SESSION else None
    device_type = None if device else rules.needed_device_type(plan, load_library())

    found_in = form.resources

    def search(day: date, not_before: datetime | None) -> list[selectors.Slot]:
        return selectors.find_slots(
            clinic=clinic,
            kind=kind,
            start_date=day,
            days=SEARCH_DAYS,
            practitioner_ids=[practitioner.pk] if practitioner else None,
            room_ids=[room.pk] if room else None,
            device_ids=[device.pk] if device else None,
            device_type=device_type,
            not_before=not_before,
            limit=SLOTS_SEARCHED,
            days_wanted=DAYS_SHOWN,
            resources=found_in,
        )

    try:
        found, moved = safe_slots(
            clinic=clinic,
            patient=patient,
            kind=kind,
            start_date=data["start"],
            search=search,
            plan=plan,
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return [], None
    names = _names(found_in)
    zone = selectors.clinic_zone(clinic)
    days = [
        (day, [_row(slot, start, names) for slot, start in times])
        for day, times in shown_days(found, zone, days=DAYS_SHOWN, per_day=SLOTS_PER_DAY)
    ]
    return days, moved


def _row(slot: Slot, local_start: datetime, names: dict[str, dict[int, str]]) -> dict[str, Any]:
    """A slot shown, with the names of who and where (made for the few shown only)."""
    return {
        "start": slot.start,
        "end": slot.end,
        "local_start": local_start,
        "practitioner_id": slot.practitioner,
        "room_id": slot.room,
        "device_id": slot.device,
        "practitioner": names["practitioner"].get(slot.practitioner, ""),
        "room": names["room"].get(slot.room, ""),
        "device": names["device"].get(slot.device, "") if slot.device else "",
    }


def _search_form(
    request: StaffRequest, form_class: type[SlotSearchForm], initial: dict[str, Any]
) -> SlotSearchForm:
    params: Mapping[str, Any] | None = request.GET if "start" in request.GET else None
    if params is None:
        # Nothing asked yet: search with the defaults straight away.
        params = {k: getattr(v, "pk", v) for k, v in initial.items() if v is not None}
        initial = {}
    found = clinics.resources(request.clinic)
    return form_class(params, clinic=request.clinic, initial=initial, resources=found)


def _booking_page(
    request: StaffRequest,
    patient: Patient,
    *,
    refusal: ValidationError | None = None,
    tried: dict[str, Any] | None = None,
    search_start: date | None = None,
    read_logged: bool = False,
) -> HttpResponse:
    clinic = request.clinic
    if not read_logged:
        record_read(request, clinic=clinic, obj=patient)
    may_book, booking_reason = patients.may_book_session(clinic, patient, request.membership)
    # A patient who may not have a session yet (a review not signed off, not suitable)
    # starts with a consultation: the search offers only what they may book.
    default_kind = AppointmentKind.SESSION if may_book else AppointmentKind.CONSULTATION
    initial = {"kind": default_kind, "start": search_start or clinic_today(request)}
    if tried:
        initial |= {k: tried.get(k) for k in ("kind", "practitioner", "room", "device")}
    form = _search_form(request, SlotSearchForm, initial)
    days: list[tuple[date, list[dict[str, Any]]]] = []
    skipped: WashoutNotMet | None = None
    kind = default_kind
    session_refused = False
    if form.is_valid():
        kind = form.cleaned_data["kind"]
        session_refused = kind == AppointmentKind.SESSION and not may_book
        if not session_refused:
            days, skipped = _search(request, form, kind=kind, patient=patient)
            action = reverse("workspace:book", args=[clinic.slug, patient.pk])
            slot_cells.add_forms(
                days, request, action=action, verb="Book", kind=AppointmentKind(kind).value
            )
    context: dict[str, Any] = {
        "patient": patient,
        "form": form,
        "kind": kind,
        "kind_label": AppointmentKind(kind).label,
        "days": days,
        "skipped": skipped,
        "searched": form.is_bound,
        "may_book": may_book,
        "booking_reason": booking_reason,
        "session_refused": session_refused,
        "refusal": _refusal(refusal, tried, request.membership),
    }
    return page(
        request,
        "workspace/book.html",
        "patients",
        context,
        status=200 if refusal is None else 409,
    )


# What the front desk is told of a washout: that there is one, not what it is for.
WITHHELD_PREPARATION = "Too soon for the patient's preparation (a practitioner sees which)."


def _refusal(
    error: ValidationError | None, tried: dict[str, Any] | None, member: Membership
) -> dict[str, Any] | None:
    """A refusal as the page shows it: its messages and, for a washout not met, the
    earliest safe start with the same practitioner, room and device. A washout names the
    patient's medicines, which the front desk does not read (clinics.reading)."""
    if error is None:
        return None
    refusal: dict[str, Any] = {"messages": error.messages}
    if isinstance(error, WashoutNotMet) and not may_read(member, Part.FINDINGS):
        refusal["messages"] = [WITHHELD_PREPARATION]
    if isinstance(error, WashoutNotMet) and tried:
        refusal["earliest_start"] = error.earliest_start
        refusal["tried"] = tried
    return refusal


def _tried(form: BookForm | MoveForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "kind": data.get("kind"),
        "practitioner": data.get("practitioner"),
        "room": data.get("room"),
        "device": data.get("device"),
        "start": data.get("start"),
    }


@require_http_methods(["GET", "POST"])
@staff_view()
def book(request: StaffRequest, clinic_slug: str, patient_id: int) -> HttpResponse:
    """GET: free slots for the patient (kind, practitioner, room, device, from a day).
    POST: books the slot picked; a refusal is shown with the search, and a washout not
    met offers the earliest safe start."""
    clinic = request.clinic
    if request.method == "GET":
        # The patient and the access event in one statement where the database allows.
        found = patients.get_patient_for_read(
            clinic, patient_id, user=request.user, request=request
        )
        return _booking_page(request, found, read_logged=True)
    patient = patients.get_patient(clinic, patient_id)
    form = BookForm(request.POST, clinic=clinic)
    if not form.is_valid():
        error = ValidationError([f"{k}: {v[0]}" for k, v in form.errors.items()])
        return _booking_page(request, patient, refusal=error)
    data = form.cleaned_data
    try:
        appointment = services.book_appointment(
            clinic=clinic,
            patient=patient,
            by=request.user,
            kind=data["kind"],
            start=data["start"],
            practitioner=data["practitioner"],
            room=data["room"],
            device=data["device"],
        )
    except ValidationError as error:
        tried = _tried(form)
        return _booking_page(
            request, patient, refusal=error, tried=tried, search_start=_day_of(request, data)
        )
    messages.success(request, f"Booked: {_describe(request, appointment)}.")
    return redirect("workspace:patient", clinic_slug=clinic_slug, patient_id=patient.pk)


def _day_of(request: StaffRequest, data: dict[str, Any]) -> date | None:
    start: datetime | None = data.get("start")
    return start.astimezone(selectors.clinic_zone(request.clinic)).date() if start else None


def _describe(request: StaffRequest, appointment: Appointment) -> str:
    local = appointment.start.astimezone(selectors.clinic_zone(request.clinic))
    return (
        f"{appointment.get_kind_display()} on {local:%a} {local.day} {local:%b %Y at %H:%M} "
        f"with {person(appointment.practitioner)}, {appointment.room.name}"
    )


def appointment_page(
    request: StaffRequest,
    appointment: Appointment,
    *,
    refusal: ValidationError | None = None,
    tried: dict[str, Any] | None = None,
    cancel_form: CancelForm | None = None,
    late_cancel_form: LateCancelForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The appointment page: its details, the visit and its steps, moving and cancelling."""
    clinic = request.clinic
    record_read(request, clinic=clinic, obj=appointment, patient=appointment.patient)
    zone = selectors.clinic_zone(clinic)
    today = clinic_today(request)
    default_start = max(appointment.start.astimezone(zone).date(), today)
    initial: dict[str, Any] = {
        "start": default_start,
        "practitioner": appointment.practitioner,
        "room": None,
        "device": None,
    }
    if tried:
        initial |= {k: tried.get(k) for k in ("practitioner", "room", "device")}
        if tried.get("start"):
            initial["start"] = tried["start"].astimezone(zone).date()
    visit = visit_of(
        appointment,
        request.membership.role,
        staff_names([appointment]),
        today=today,
        now=timezone.now(),
        zone=zone,
    )
    appointment.visit = visit  # type: ignore[attr-defined] # for its steps' forms
    # Moving and cancelling are for a visit not begun; once the patient is here, the
    # visit's own steps take over.
    is_booked = visit.stage is VisitStage.BOOKED
    days: list[tuple[date, list[dict[str, Any]]]] = []
    skipped: WashoutNotMet | None = None
    # The search to move it only while it can be moved.
    form = _search_form(request, SlotSearchFixedKindForm, initial) if is_booked else None
    if form is not None and form.is_valid():
        days, skipped = _search(request, form, kind=appointment.kind, patient=appointment.patient)
        action = reverse("workspace:reschedule", args=[request.clinic.slug, appointment.pk])
        slot_cells.add_forms(days, request, action=action, verb="Move here")
    return page(
        request,
        "workspace/appointment.html",
        "patients",
        {
            "appointment": appointment,
            "patient": appointment.patient,
            "is_booked": is_booked,
            "form": form,
            "days": days,
            "skipped": skipped,
            "refusal": _refusal(refusal, tried, request.membership),
            "cancel_form": cancel_form or CancelForm(),
            "late_cancel_form": late_cancel_form or LateCancelForm(),
            "visit": visit,
            "visit_steps": visit_cells.steps(appointment, RowContext.of(request, zone, today)),
            "today_day": today,
        }
        | appointment_record_context(request, appointment),
        status=status,
    )


@require_http_methods(["GET"])
@staff_view()
def appointment_detail(
    request: StaffRequest, clinic_slug: str, appointment_id: int
) -> HttpResponse:
    """One appointment: its details, free slots to move it to, and cancelling it."""
    appointment = selectors.get_appointment(request.clinic, appointment_id)
    return appointment_page(request, appointment)


@require_POST
@staff_view()
def reschedule(request: StaffRequest, clinic_slug: str, appointment_id: int) -> HttpResponse:
    """Moves the appointment to the slot picked, with every check of booking."""
    clinic = request.clinic
    appointment = selectors.get_appointment(clinic, appointment_id)
    form = MoveForm(request.POST, clinic=clinic)
    if not form.is_valid():
        error = ValidationError([f"{k}: {v[0]}" for k, v in form.errors.items()])
        return appointment_page(request, appointment, refusal=error, status=409)
    data = form.cleaned_data
    try:
        moved = services.reschedule_appointment(
            clinic=clinic,
            appointment=appointment,
            by=request.user,
            start=data["start"],
            practitioner=data["practitioner"],
            room=data["room"],
            device=data["device"],
        )
    except ValidationError as error:
        fresh = selectors.get_appointment(clinic, appointment_id)
        return appointment_page(request, fresh, refusal=error, tried=_tried(form), status=409)
    messages.success(request, f"Moved: {_describe(request, moved)}.")
    return redirect("workspace:appointment", clinic_slug=clinic_slug, appointment_id=moved.pk)


@require_POST
@staff_view()
def cancel(request: StaffRequest, clinic_slug: str, appointment_id: int) -> HttpResponse:
    """Cancels the appointment; a reason is required."""
    clinic = request.clinic
    appointment = selectors.get_appointment(clinic, appointment_id)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.cancel_appointment(
                clinic=clinic,
                appointment=appointment,
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The appointment is cancelled; its time is free again.")
            return redirect(
                "workspace:patient", clinic_slug=clinic_slug, patient_id=appointment.patient_id
            )
    return appointment_page(request, appointment, cancel_form=form, status=422)


def series_rows(clinic: Clinic, plan: Any) -> list[dict[str, Any]]:
    """The plan's sessions in order, each with its appointment (not a cancelled one)."""
    sessions = list(plan.sessions.all())
    held = {
        a.planned_session_id: a
        for a in Appointment.objects.filter(clinic=clinic, planned_session__in=sessions)
        .exclude(status__in=CANCELLED_STATUSES)
        .select_related("practitioner", "room", "device")
    }
    return [{"session": s, "appointment": held.get(s.pk)} for s in sessions]


@require_http_methods(["GET", "POST"])
@staff_view()
def series(request: StaffRequest, clinic_slug: str, patient_id: int, plan_id: int) -> HttpResponse:
    """The plan's planned sessions and what each holds; POST books all the open ones at
    once, with one practitioner, room and device (all or none)."""
    clinic = request.clinic
    plan = plans.get_plan(clinic, plan_id)
    if plan.patient_id != patient_id:
        raise Http404("No such plan for this patient.")
    patient = plan.patient
    record_read(request, clinic=clinic, obj=plan, patient=patient)
    library = load_library()
    needed = rules.needed_device_type(plan, library)
    initial: dict[str, Any] = {
        "practitioner": practitioner_users(clinic).first(),
        "room": clinics.rooms(clinic).first(),
        "device": clinics.devices(clinic, needed).first() if needed else None,
    }
    needed_label = library.device_types[needed].label if needed else ""
    form = SeriesForm(
        request.POST or None,
        clinic=clinic,
        initial=initial,
        needed=needed,
        needed_label=needed_label,
    )
    status = 200
    if request.method == "POST":
        status = 409
        if form.is_valid():
            try:
                booked = services.book_series(
                    clinic=clinic, plan=plan, by=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                _report_series(request, booked)
                return redirect(
                    "workspace:series",
                    clinic_slug=clinic_slug,
                    patient_id=patient.pk,
                    plan_id=plan.pk,
                )
    rows = series_rows(clinic, plan)
    may_book, booking_reason = patients.may_book_session(clinic, patient, request.membership)
    return page(
        request,
        "workspace/series.html",
        "patients",
        {
            "patient": patient,
            "plan": plan,
            "active": plan.status == PlanStatus.ACTIVE,
            "rows": rows,
            "open_count": sum(1 for r in rows if r["appointment"] is None),
            "form": form,
            "needed_label": needed_label,
            "template_label": plan.schedule_template.replace("_", " "),
            "may_book": may_book,
            "booking_reason": booking_reason,
        },
        status=status,
    )


SKIP_REASONS = {
    "past": "its planned time has passed",
    "booked": "it is booked already",
    "completed": "it took place already",
    "no_show": "the patient did not come",
}


def _report_series(request: StaffRequest, booked: services.SeriesBooking) -> None:
    if booked:
        numbers = ", ".join(str(a.planned_session.number) for a in booked)  # type: ignore[union-attr]
        noun = "session" if len(booked) == 1 else "sessions"
        messages.success(request, f"Booked {len(booked)} {noun}: {numbers}.")
    else:
        messages.info(request, "No session was booked: none of them was open.")
    for skipped in booked.skipped:
        why = SKIP_REASONS.get(skipped.reason, skipped.reason.replace("_", " "))
        messages.info(request, f"Session {skipped.number} skipped: {why}.")
