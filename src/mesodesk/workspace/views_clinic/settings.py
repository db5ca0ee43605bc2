"""Clinic settings: general settings and opening hours, closures, rooms, devices, staff
working hours. Every member may look; only admins change anything (others get 403).

Each page is one view: GET shows it, POST carries an `action` and, for a row, its `id`
(another clinic's row is a 404). A refused change shows the page again with the errors next
to the fields, status 400; a stored one redirects back (POST-redirect-GET).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.views.decorators.http import require_http_methods

from mesodesk.accounts.access import StaffRequest, require_role, staff_view
from mesodesk.audit.services import record_read
from mesodesk.clinics import selectors, services
from mesodesk.clinics.choices import Role
from mesodesk.core.library import load_library
from mesodesk.core.phones import shown
from mesodesk.scheduling import closures as day_closures
from mesodesk.scheduling.models import Appointment
from mesodesk.workspace.forms_clinic import (
    WEEKDAYS,
    ClinicSettingsForm,
    ClosureForm,
    DeviceForm,
    OpeningHoursForm,
    RoomForm,
    WorkingHoursForm,
)
from mesodesk.workspace.views_clinic.common import add_service_errors, frame

PAGES = (
    ("settings", "General and hours"),
    ("settings_closures", "Closures"),
    ("settings_rooms", "Rooms"),
    ("settings_devices", "Devices"),
    ("settings_working_hours", "Working hours"),
    ("settings_staff", "Staff"),
)
# Pages only admins open (the exports app's and patients' requests): shown to them only.
ADMIN_PAGES = (
    ("admin_feeds", "Calendar feeds"),
    ("admin_exports", "Exports"),
    ("admin_integrations", "Integrations"),
    ("deletion_requests", "Deletion requests"),
)


def settings_pages(request: StaffRequest) -> tuple[tuple[str, str], ...]:
    """The settings navigation the member sees: admins also see their own pages."""
    return PAGES + ADMIN_PAGES if request.membership.role == Role.ADMIN else PAGES


def page(request: StaffRequest, name: str, template: str, *, status: int = 200, **ctx: Any):
    """Renders a settings page in the workspace frame with the settings navigation."""
    pages = settings_pages(request)
    context = frame(request, "settings", pages=pages, page_name=name, **ctx)
    return render(request, f"workspace/clinic/{template}", context, status=status)


def admin_post(request: StaffRequest) -> str:
    """The POST's action, after checking that the member is an admin (403 otherwise)."""
    require_role(request.membership, Role.ADMIN)
    return request.POST.get("action", "")


def attempt(form: forms.Form, change: Callable[[], object], **rename: str) -> bool:
    """Calls the service `change` for a valid form; its refusal goes onto the form."""
    if not form.is_valid():
        return False
    try:
        change()
    except ValidationError as error:
        add_service_errors(form, error, **rename)
        return False
    return True


def row_id(request: StaffRequest) -> int:
    raw = request.POST.get("id", "")
    if not (raw.isascii() and raw.isdigit()):
        raise Http404("No such row.")
    return int(raw)


@require_http_methods(["GET", "POST"])
@staff_view()
def general(request: StaffRequest, clinic_slug: str) -> HttpResponse:
    """Name, telephone, time zone, country, minimum age, idle timeout, reminder lead time;
    opening hours per weekday."""
    clinic = request.clinic
    initial = {
        "name": clinic.name,
        "phone": shown(clinic.phone) if clinic.phone else "",
        "address": clinic.address,
        "time_zone": clinic.time_zone,
        "country": clinic.country,
        "minimum_age": clinic.minimum_age,
        "idle_timeout_minutes": clinic.idle_timeout_minutes,
        "appointment_reminder_hours": clinic.appointment_reminder_hours,
    }
    settings_form = ClinicSettingsForm(initial=initial, prefix="general")
    hours_form = OpeningHoursForm(
        initial=OpeningHoursForm.initial_from(clinic.opening_hours), prefix="hours"
    )
    if request.method == "POST":
        action = admin_post(request)
        if action == "general":
            settings_form = ClinicSettingsForm(request.POST, initial=initial, prefix="general")
            if attempt(
                settings_form,
                lambda: services.update_clinic_settings(
                    clinic=clinic, **settings_form.cleaned_data
                ),
            ):
                messages.success(request, "The clinic's settings are saved.")
                return redirect("workspace:settings", clinic_slug=clinic_slug)
        elif action == "hours":
            hours_form = OpeningHoursForm(request.POST, prefix="hours")
            if attempt(
                hours_form,
                lambda: services.update_clinic_settings(
                    clinic=clinic, opening_hours=hours_form.opening_hours()
                ),
            ):
                messages.success(request, "The opening hours are saved.")
                return redirect("workspace:settings", clinic_slug=clinic_slug)
        else:
            raise Http404("No such action.")
    if request.membership.role != Role.ADMIN:
        for form in (settings_form, hours_form):
            for field in form.fields.values():
                field.disabled = True
    invalid = settings_form.errors or hours_form.errors
    return page(
        request,
        "settings",
        "settings.html",
        settings_form=settings_form,
        hours_form=hours_form,
        status=400 if invalid else 200,
    )


@require_http_methods(["GET", "POST"])
@staff_view()
def closures(request: StaffRequest, clinic_slug: str) -> HttpResponse:
    """Whole days the clinic is closed: add one with a reason, or remove one. A day with
    bookings lists them first and asks to confirm: they are then cancelled, each patient
    told, and Today lists them to book again."""
    clinic = request.clinic
    form = ClosureForm()
    bookings: list[Appointment] = []
    if request.method == "POST":
        action = admin_post(request)
        if action == "add":
            form = ClosureForm(request.POST)
            raw = request.POST.get("confirmed", "")
            confirmed = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 6 else 0
            if form.is_valid():
                day = form.cleaned_data["date"]
                try:
                    _, cancelled = day_closures.close_day(
                        clinic=clinic,
                        by=request.user,
                        day=day,
                        reason=form.cleaned_data["reason"],
                        confirmed=confirmed,
                    )
                except ValidationError as error:
                    codes = [e.code for e in error.error_dict.get("date", [])]
                    if "bookings_on_day" in codes:
                        # The day's bookings by patient name, shown to confirm: a read.
                        bookings = list(day_closures.booked_on(clinic, day))
                        record_read(request, clinic=clinic, obj=clinic)
                    else:
                        add_service_errors(form, error, __all__="date")
                else:
                    told = (
                        f" {len(cancelled)} appointment{pluralize(len(cancelled))} cancelled, "
                        "the patients told; Today lists them to book again."
                        if cancelled
                        else ""
                    )
                    messages.success(request, f"Closed on {day:%A %-d %B %Y}.{told}")
                    return redirect("workspace:settings_closures", clinic_slug=clinic_slug)
        elif action == "remove":
            closure = selectors.get_closure(clinic, row_id(request))
            services.remove_closure(clinic=clinic, closure=closure)
            messages.success(request, f"Open again on {closure.date:%A %-d %B %Y}.")
            return redirect("workspace:settings_closures", clinic_slug=clinic_slug)
        else:
            raise Http404("No such action.")
    return page(
        request,
        "settings_closures",
        "closures.html",
        form=form,
        closures=selectors.closures(clinic),
        bookings=bookings,
        zone=clinic.time_zone,
        status=400 if form.errors and not bookings else 200,
    )


@require_http_methods(["GET", "POST"])
@staff_view()
def rooms(request: StaffRequest, clinic_slug: str) -> HttpResponse:
    """The clinic's rooms: add, rename, take out of use and back."""
    clinic = request.clinic
    form = RoomForm(prefix="new")
    bound: dict[int, RoomForm] = {}
    if request.method == "POST":
        action = admin_post(request)
        if action == "add":
            form = RoomForm(request.POST, prefix="new")
            add = lambda: services.add_room(clinic=clinic, **form.cleaned_data)  # noqa: E731
            if attempt(form, add, __all__="name"):
                messages.success(request, f"Room “{form.cleaned_data['name']}” added.")
                return redirect("workspace:settings_rooms", clinic_slug=clinic_slug)
        elif action in {"rename", "deactivate", "activate"}:
            room = selectors.get_room(clinic, row_id(request))
            if action == "rename":
                rename = RoomForm(request.POST, prefix=f"room-{room.pk}")
                bound[room.pk] = rename
                if attempt(
                    rename,
                    lambda: services.rename_room(
                        clinic=clinic, room=room, name=rename.cleaned_data["name"]
                    ),
                    __all__="name",
                ):
                    messages.success(request, f"Renamed to “{room.name}”.")
                    return redirect("workspace:settings_rooms", clinic_slug=clinic_slug)
            else:
                services.set_active(clinic=clinic, resource=room, active=action == "activate")
                state = "in use again" if room.active else "out of use"
                messages.success(request, f"Room “{room.name}” is {state}.")
                return redirect("workspace:settings_rooms", clinic_slug=clinic_slug)
        else:
            raise Http404("No such action.")
    rows = [
        (
            room,
            bound.get(room.pk) or RoomForm(initial={"name": room.name}, prefix=f"room-{room.pk}"),
        )
        for room in selectors.rooms(clinic, include_inactive=True)
    ]
    invalid = form.errors or any(f.errors for f in bound.values())
    return page(
        request,
        "settings_rooms",
        "rooms.html",
        form=form,
        rows=rows,
        status=400 if invalid else 200,
    )


def _device_types() -> dict[str, str]:
    return {code: t.label for code, t in load_library().device_types.items()}


@require_http_methods(["GET", "POST"])
@staff_view()
def devices(request: StaffRequest, clinic_slug: str) -> HttpResponse:
    """The clinic's devices: add one of a library type, edit, take out of use and back."""
    clinic = request.clinic
    types = _device_types()

    def device_form(data: Any = None, *, edit: bool, **kw: Any) -> DeviceForm:
        return DeviceForm(data, clinic=clinic, device_types=types, edit=edit, **kw)

    form = device_form(prefix="new", edit=False)
    bound: dict[int, DeviceForm] = {}
    if request.method == "POST":
        action = admin_post(request)
        if action == "add":
            form = device_form(request.POST, prefix="new", edit=False)
            add = lambda: services.add_device(clinic=clinic, **form.cleaned_data)  # noqa: E731
            if attempt(form, add, __all__="name"):
                messages.success(request, f"Device “{form.cleaned_data['name']}” added.")
                return redirect("workspace:settings_devices", clinic_slug=clinic_slug)
        elif action in {"edit", "deactivate", "activate"}:
            device = selectors.get_device(clinic, row_id(request))
            if action == "edit":
                edit = device_form(request.POST, prefix=f"device-{device.pk}", edit=True)
                bound[device.pk] = edit
                if attempt(
                    edit,
                    lambda: services.update_device(
                        clinic=clinic, device=device, **edit.cleaned_data
                    ),
                    __all__="name",
                ):
                    messages.success(request, f"Device “{device.name}” saved.")
                    return redirect("workspace:settings_devices", clinic_slug=clinic_slug)
            else:
                services.set_active(clinic=clinic, resource=device, active=action == "activate")
                state = "in use again" if device.active else "out of use"
                messages.success(request, f"Device “{device.name}” is {state}.")
                return redirect("workspace:settings_devices", clinic_slug=clinic_slug)
        else:
            raise Http404("No such action.")
    rows = []
    for device in selectors.devices_with_rooms(clinic):
        edit_form = bound.get(device.pk) or device_form(
            initial={"name": device.name, "model_name": device.model_name, "room": device.room_id},
            prefix=f"device-{device.pk}",
            edit=True,
        )
        rows.append((device, types.get(device.device_type, device.device_type), edit_form))
    invalid = form.errors or any(f.errors for f in bound.values())
    return page(
        request,
        "settings_devices",
        "devices.html",
        form=form,
        rows=rows,
        status=400 if invalid else 200,
    )


@require_http_methods(["GET", "POST"])
@staff_view()
def working_hours(request: StaffRequest, clinic_slug: str) -> HttpResponse:
    """When each practitioner works: add a span to a weekday, or remove one."""
    clinic = request.clinic
    members = list(selectors.practitioners(clinic))
    choices = [(m.user_id, m.user.get_full_name() or m.user.email) for m in members]
    form = WorkingHoursForm(practitioners=choices)
    if request.method == "POST":
        action = admin_post(request)
        if action == "add":
            form = WorkingHoursForm(request.POST, practitioners=choices)

            def add() -> object:
                data = dict(form.cleaned_data)
                practitioner = selectors.get_practitioner(clinic, data.pop("practitioner"))
                return services.add_working_hours(clinic=clinic, practitioner=practitioner, **data)

            if attempt(form, add):
                messages.success(request, "Working hours added.")
                return redirect("workspace:settings_working_hours", clinic_slug=clinic_slug)
        elif action == "remove":
            hours = selectors.get_working_hours(clinic, row_id(request))
            services.remove_working_hours(clinic=clinic, hours=hours)
            messages.success(request, "Working hours removed.")
            return redirect("workspace:settings_working_hours", clinic_slug=clinic_slug)
        else:
            raise Http404("No such action.")
    by_person: dict[int, list[Any]] = {m.user_id: [] for m in members}
    for row in selectors.all_working_hours(clinic):
        by_person.setdefault(row.practitioner_id, []).append(row)
    people = [(m, by_person[m.user_id]) for m in members]
    return page(
        request,
        "settings_working_hours",
        "working_hours.html",
        form=form,
        people=people,
        weekdays=WEEKDAYS,
        status=400 if form.errors else 200,
    )
