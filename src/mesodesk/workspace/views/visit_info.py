"""What the pages show of a visit: its stage, who did what when, and the one-click steps
the member may take now (the services decide again when a step is posted)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.dateformat import format as date_format

from mesodesk.accounts.access import StaffRequest
from mesodesk.accounts.models import User
from mesodesk.scheduling import selectors, visits
from mesodesk.scheduling.choices import AppointmentKind, VisitStage
from mesodesk.scheduling.models import Appointment
from mesodesk.workspace.forms import person
from mesodesk.workspace.views import visit_cells
from mesodesk.workspace.views.common import clinic_today
from mesodesk.workspace.views.visit_cells import RowContext

# The URL's name of each step, its service, the button's words, and what was done.
STEPS: dict[str, tuple[str, str, str]] = {
    # url step: (visits.may_take step, button label, done message)
    "check-in": ("check_in", "Check in", "checked in"),
    "undo-check-in": ("undo_check_in", "Undo check-in", "check-in undone for"),
    "start": ("start", "Start treatment", "treatment started for"),
    "complete": ("complete", "Complete", "visit completed for"),
    "no-show": ("no_show", "No-show", "no-show recorded for"),
}


@dataclass
class Visit:
    """What the pages show of one appointment's visit: its stage, who did what when, and
    the one-click steps the member may take now."""

    stage: VisitStage
    events: list[tuple[str, datetime, str]] = field(default_factory=list)
    steps: list[tuple[str, str]] = field(default_factory=list)
    may_late_cancel: bool = False
    rebook: bool = False


def _steps(appointment: Appointment, stage: VisitStage, role: str, now: datetime) -> list[str]:
    """The steps the services would allow `role` now (they decide again on the POST)."""
    begun = appointment.start <= now
    candidates = {
        VisitStage.BOOKED: ["check-in", "no-show" if begun else ""],
        VisitStage.ARRIVED: ["start", "undo-check-in"],
        VisitStage.IN_TREATMENT: ["complete"],
    }.get(stage, [])
    # A consultation or follow-up needs no start: it is completed once the patient came.
    if appointment.kind != AppointmentKind.SESSION and (
        stage is VisitStage.ARRIVED or (stage is VisitStage.BOOKED and begun)
    ):
        candidates = ["complete", *[c for c in candidates if c != "start"]]
    return [c for c in candidates if c and visits.may_take(role, STEPS[c][0])]


def visit_of(
    appointment: Appointment,
    role: str,
    names: dict[int, str],
    *,
    today: date,
    now: datetime,
    zone: ZoneInfo,
) -> Visit:
    """The visit of `appointment` as a member of `role` sees it; `names` holds the staff
    who took its steps (`staff_names`)."""
    stage = visits.stage(appointment)
    events = [
        (label, at, names.get(by_id or 0, ""))
        for label, at, by_id in (
            ("Checked in", appointment.arrived_at, appointment.arrived_by_id),
            ("Treatment started", appointment.started_at, appointment.started_by_id),
            (
                {"completed": "Completed", "no_show": "Recorded as a no-show"}.get(
                    appointment.status, "Closed"
                ),
                appointment.ended_at,
                appointment.ended_by_id,
            ),
            ("Cancelled", appointment.cancelled_at, appointment.cancelled_by_id),
        )
        if at is not None
    ]
    # Check-in is for the day itself (or a day gone by), not for days ahead.
    local_day = appointment.start.astimezone(zone).date()
    steps = _steps(appointment, stage, role, now)
    if local_day > today:
        steps = [s for s in steps if s != "check-in"]
    return Visit(
        stage=stage,
        events=events,
        steps=[(s, STEPS[s][1]) for s in steps],
        may_late_cancel=stage in (VisitStage.BOOKED, VisitStage.ARRIVED)
        and visits.may_take(role, "late_cancel"),
        rebook=stage in (VisitStage.NO_SHOW, VisitStage.LATE_CANCELLED) or appointment.rebook,
    )


def staff_names(appointments: Iterable[Appointment]) -> dict[int, str]:
    """The names of everyone who took a step of these visits: one query."""
    ids = {
        by
        for a in appointments
        for by in (a.arrived_by_id, a.started_by_id, a.ended_by_id, a.cancelled_by_id)
        if by is not None
    }
    if not ids:
        return {}
    return {user.pk: person(user) for user in User.objects.filter(pk__in=ids)}


def with_visits(request: StaffRequest, appointments: list[Appointment]) -> list[Appointment]:
    """The appointments, each with its `visit` (`visit_of`) for this member, the cells of
    its schedule row (`cells`, visit_cells) and its times in the clinic's zone (`shown`)."""
    names = staff_names(appointments)
    now, today = timezone.now(), clinic_today(request)
    zone = selectors.clinic_zone(request.clinic)
    row = RowContext.of(request, zone, today)
    for appointment in appointments:
        appointment.visit = visit_of(  # type: ignore[attr-defined]
            appointment, request.membership.role, names, today=today, now=now, zone=zone
        )
        appointment.cells = visit_cells.cells(appointment, row)  # type: ignore[attr-defined]
        start, end = appointment.start.astimezone(zone), appointment.end.astimezone(zone)
        appointment.shown = Shown(start, end)  # type: ignore[attr-defined]
    return appointments


@dataclass(frozen=True)
class Shown:
    """An appointment's times as the schedule writes them, in the clinic's zone."""

    start: datetime
    end: datetime

    @property
    def start_iso(self) -> str:
        return self.start.isoformat()

    @property
    def start_hm(self) -> str:
        return self.start.strftime("%H:%M")

    @property
    def end_iso(self) -> str:
        return self.end.isoformat()

    @property
    def end_hm(self) -> str:
        return self.end.strftime("%H:%M")

    @property
    def start_long(self) -> str:
        """ "Mon 9 Nov, 10:00", for the rows of other days."""
        return date_format(self.start, "D j M, H:i")
