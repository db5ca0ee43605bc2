"""The way in (/staff/), the clinic's day and its week calendar."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from mesodesk.accounts.access import StaffRequest, staff_view
from mesodesk.clinics import selectors as clinics
from mesodesk.clinics.models import Membership
from mesodesk.patients.selectors import portal_records
from mesodesk.portal.selectors import open_deletion_count
from mesodesk.safety import selectors as safety
from mesodesk.scheduling import selectors
from mesodesk.scheduling.choices import AppointmentStatus
from mesodesk.scheduling.models import Appointment
from mesodesk.workspace.forms import person
from mesodesk.workspace.links import Links
from mesodesk.workspace.views import visit_cells, week_cells
from mesodesk.workspace.views.common import clinic_today, page, parse_day
from mesodesk.workspace.views.visit_info import with_visits
from mesodesk.workspace.week_grid import union_hours, week_grid


@require_safe
def staff_home(request: HttpRequest) -> HttpResponse:
    """Sends a signed-in member to their (first) clinic's day, a patient to their portal;
    says so if they are neither."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    first = (
        Membership.objects.filter(user_id=request.user.pk)
        .select_related("clinic")
        .order_by("clinic__name", "clinic_id")
        .first()
    )
    if first is None:
        record = portal_records(request.user).first()
        if record is not None:
            return redirect("portal:home", clinic_slug=record.clinic.slug)
        return render(request, "workspace/no_clinic.html", status=200)
    return redirect("workspace:today", clinic_slug=first.clinic.slug)


# Past visits still open are listed up to this many, oldest first.
UNCLOSED_SHOWN = 50
# Warning signs reported in the last week are shown at the top of the day.
RED_FLAG_DAYS = timedelta(days=7)


@require_safe
@staff_view()
def today(request: StaffRequest, clinic_slug: str) -> HttpResponse:
    """One day of the clinic's appointments (?day=YYYY-MM-DD, else today), in its zone."""
    now_day = clinic_today(request)
    day = parse_day(request.GET.get("day"), now_day)
    # The day's patients by name, and urgent side-effect reports: a read of patient data,
    # logged with the day's read.
    appointments = selectors.day_schedule(
        request.clinic, day, include_cancelled=True, read_by=request
    )
    booked = sum(1 for a in appointments if a.status == "booked")
    # Visits whose time is over with no outcome, before today: the clinic closes them.
    day_start, _ = selectors.local_day_range(request.clinic, now_day)
    # With the appointments a closure cancelled, to book again: the same query.
    pending = selectors.unclosed_or_to_rebook(request.clinic, now=day_start, limit=UNCLOSED_SHOWN)
    unclosed = [a for a in pending if a.status == AppointmentStatus.BOOKED]
    to_rebook = [a for a in pending if a.status != AppointmentStatus.BOOKED]
    with_visits(request, appointments + pending)
    return page(
        request,
        "workspace/today.html",
        "today",
        {
            "day": day,
            "is_today": day == now_day,
            "previous_day": day - timedelta(days=1),
            "next_day": day + timedelta(days=1),
            "today_day": now_day,
            "appointments": appointments,
            # The rows as HTML made in Python (visit_cells): the template's loop over 35
            # rows cost more than the rest of the page.
            "schedule_rows": [visit_cells.schedule_row(a) for a in appointments],
            "booked_count": booked,
            "unclosed": unclosed,
            "unclosed_rows": [visit_cells.past_row(a) for a in unclosed],
            "unclosed_more": len(pending) == UNCLOSED_SHOWN,
            "to_rebook": to_rebook,
            # Urgent reports of the last week: staff must see them first.
            "red_flag_reports": safety.urgent_since(request.clinic, timezone.now() - RED_FLAG_DAYS),
            # Adverse events to follow up by this day: a reminder for clinical staff.
            "follow_ups_due": safety.follow_ups_due(request.clinic, day)
            if safety.may_read_events(request.membership)
            else [],
            # Patients' deletion requests waiting: the admins decide them.
            "deletion_requests": open_deletion_count(request.clinic, request.membership),
        },
    )


def _filtered(
    appointments: list[Appointment], room_id: int | None, device_id: int | None
) -> list[Appointment]:
    return [
        a
        for a in appointments
        if (room_id is None or a.room_id == room_id)
        and (device_id is None or a.device_id == device_id)
    ]


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isascii() and text.isdigit() else None


@require_safe
@staff_view()
def week(request: StaffRequest, clinic_slug: str) -> HttpResponse:
    """Seven days from ?start= (else this week's Monday), for the whole clinic or one
    practitioner, room or device."""
    clinic = request.clinic
    now_day = clinic_today(request)
    start = parse_day(request.GET.get("start"), now_day - timedelta(days=now_day.weekday()))
    # Who and what the week may show, with everyone's working hours: one statement.
    found = clinics.resources(clinic)
    practitioners = found.practitioners_by_name
    rooms, devices = found.every_room, found.every_device
    # Only the clinic's own: another clinic's id is ignored, not looked up.
    practitioner = next(
        (p for p in practitioners if p.pk == _int(request.GET.get("practitioner"))), None
    )
    room = next((r for r in rooms if r.pk == _int(request.GET.get("room"))), None)
    device = next((d for d in devices if d.pk == _int(request.GET.get("device"))), None)
    # The week's patients by name: a read of patient data, logged with the week's read.
    days = selectors.week_schedule(clinic, start, practitioner, read_by=request)
    week_days = [
        (day, _filtered(items, room.pk if room else None, device.pk if device else None))
        for day, items in days.items()
    ]
    filters = [
        ("practitioner", practitioner and practitioner.pk),
        ("room", room and room.pk),
        ("device", device and device.pk),
    ]
    query = "&".join(f"{name}={value}" for name, value in filters if value)
    # The hour grid: the working hours of the practitioner shown (of everyone, else) and
    # the closures decide the hours drawn and the days hidden.
    shown_ids = [practitioner.pk] if practitioner else [p.pk for p in practitioners]
    zone = selectors.clinic_zone(clinic)
    grid = week_grid(
        dict(week_days),
        union_hours({pk: found.hours[pk] for pk in shown_ids}, clinics.clinic_hours(clinic)),
        clinics.closures_between(clinic, start, start + timedelta(days=6)),
        zone,
    )
    # Each appointment's HTML, for the grid and for the list (week_cells).
    links = Links(clinic_slug=clinic.slug)
    for grid_day in grid.days:
        for placed in grid_day.items:
            placed.html = week_cells.grid_item(placed, links, zone)  # type: ignore[attr-defined]
    listed = [
        (day, [week_cells.list_item(a, links, zone) for a in items]) for day, items in week_days
    ]
    shown = [
        label
        for label in (
            practitioner and person(practitioner),
            room and room.name,
            device and device.name,
        )
        if label
    ]
    return page(
        request,
        "workspace/week.html",
        "week",
        {
            "start": start,
            "end": start + timedelta(days=6),
            "previous_start": start - timedelta(days=7),
            "next_start": start + timedelta(days=7),
            "this_week": now_day - timedelta(days=now_day.weekday()),
            "today_day": now_day,
            "week_days": listed,
            "grid": grid,
            "total": sum(len(items) for _, items in week_days),
            "practitioners": [(p.pk, person(p)) for p in practitioners],
            "rooms": rooms,
            "devices": devices,
            "practitioner": practitioner,
            "room": room,
            "device": device,
            "filter_query": query,
            "shown": ", ".join(shown),
        },
    )
