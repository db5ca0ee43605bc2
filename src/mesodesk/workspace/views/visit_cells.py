"""A schedule row's cells as HTML, made in Python: patient, kind, practitioner, room,
device, the visit's stage with who took each step when, and the one-click steps.

Today lists up to 35 appointments and the visits still to close; through the template
language each row cost about 0.4 ms (three included templates, six `{% url %}` and eight
date formats a row), most of the page's time (DESIGN 12). Here a row is one
string put together from values worked out once: the addresses from `Links` (ids only),
the times formatted in the clinic's zone, and every text escaped as the templates escaped
it (`html.escape`, which Django's own `escape` uses).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from django.middleware.csrf import get_token
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from mesodesk.workspace.links import Links

# The visit steps drawn as secondary buttons (they undo or close without treatment).
SECONDARY_STEPS = frozenset({"no-show", "undo-check-in"})


@dataclass(frozen=True)
class RowContext:
    """What every row of one page shares."""

    links: Links
    zone: ZoneInfo
    today: date
    next_path: str  # where a step's form sends the member back to
    csrf_input: SafeString
    day_names: dict[date, str] = field(default_factory=dict)

    def day_month(self, local: datetime) -> str:
        """ "7 Dec": `date_format(local, "j M")`, formatted once per day on a page (Django's
        formatting goes through the translations each time)."""
        day = local.date()
        name = self.day_names.get(day)
        if name is None:
            name = self.day_names[day] = date_format(day, "j M")
        return name

    @classmethod
    def of(cls, request: Any, zone: ZoneInfo, today: date) -> RowContext:
        return cls(
            links=Links(clinic_slug=request.clinic.slug),
            zone=zone,
            today=today,
            next_path=request.get_full_path(),
            csrf_input=csrf_input(request),
        )


def csrf_input(request: Any) -> SafeString:
    """The hidden field `{% csrf_token %}` writes, for the forms made in Python."""
    return format_html(
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
    )


def hm(instant: datetime, zone: ZoneInfo) -> str:
    """ "09:05": the time of day in `zone`, as `|time:"H:i"` writes it."""
    return instant.astimezone(zone).strftime("%H:%M")


def stage(a: Any, ctx: RowContext) -> str:
    """The visit's stage badge, then who took each step at what time (and day, when not
    the appointment's day), as HTML. Needs `a.visit` (visit_info.with_visits)."""
    visit = a.visit
    start_day = a.start.astimezone(ctx.zone).date()
    html = f'<span class="badge {escaped(visit.stage.value)}">{escaped(visit.stage.label)}</span>'
    for label, at, who in visit.events:
        local = at.astimezone(ctx.zone)
        day = "" if local.date() == start_day else f" on {ctx.day_month(local)}"
        text = f"{label} {local:%H:%M}{day}" + (f" by {who}" if who else "")
        html += f'<span class="visit-event">{escaped(text)}</span>'
    return html


def steps(a: Any, ctx: RowContext) -> SafeString:
    """The one-click steps this member may take now, as plain POST forms (the services
    decide again). Needs `a.visit`."""
    if not a.visit.steps:
        return mark_safe("")
    local = a.start.astimezone(ctx.zone)
    when = f"{ctx.day_month(local)} {local:%H:%M}"  # date_format's "j M H:i"
    hidden = f"{escaped(a.patient.list_name)}, {escaped(when)}"
    back = escaped(ctx.next_path)
    forms = ""
    for step, label in a.visit.steps:
        action = ctx.links("workspace:visit", appointment_id=a.pk, step=step)
        secondary = " secondary" if step in SECONDARY_STEPS else ""
        forms += (
            f'<form method="post" action="{action}" class="inline-form">{ctx.csrf_input}'
            f'<input type="hidden" name="next" value="{back}">'
            f'<button type="submit" class="step{secondary}">{escaped(label)}'
            f'<span class="visually-hidden">: {hidden}</span></button></form>'
        )
    return mark_safe(f'<div class="visit-steps">{forms}</div>')  # noqa: S308 - every value escaped


def cells(a: Any, ctx: RowContext) -> SafeString:
    """The cells every schedule row shares, after its time: patient, kind, practitioner,
    room, device, the visit, and its actions."""
    name = escaped(a.patient.list_name)
    practitioner = escaped(a.practitioner.get_full_name() or a.practitioner.email)
    device = escaped(a.device.name) if a.device else '<span class="muted">—</span>'
    rebook = ""
    if a.visit.rebook:
        book = ctx.links("workspace:book", patient_id=a.patient_id)
        rebook = (
            f'<a class="small-link" href="{book}?kind={escaped(a.kind)}&amp;start={ctx.today}">'
            f'Book again<span class="visually-hidden"> for {name}</span></a>'
        )
    patient = ctx.links("workspace:patient", patient_id=a.patient_id)
    details = ctx.links("workspace:appointment", appointment_id=a.pk)
    return mark_safe(  # noqa: S308 - every value escaped
        f'<td data-label="Patient"><a href="{patient}">{name}</a></td>'
        f'<td data-label="Kind">{escaped(a.get_kind_display())}</td>'
        f'<td data-label="Practitioner">{practitioner}</td>'
        f'<td data-label="Room">{escaped(a.room.name)}</td>'
        f'<td data-label="Device">{device}</td>'
        f'<td data-label="Visit">{stage(a, ctx)} <a class="small-link" href="{details}">Details'
        f'<span class="visually-hidden"> of {name} at {hm(a.start, ctx.zone)}</span></a></td>'
        f'<td data-label="Actions">{steps(a, ctx)}{rebook}</td>'
    )


def schedule_row(a: Any) -> SafeString:
    """A row of the day's schedule: its times in the clinic's zone, then `a.cells` (both
    set by visit_info.with_visits); a cancelled appointment's row marked as such."""
    shown = a.shown
    marked = ' class="is-cancelled"' if a.status in ("cancelled", "late_cancelled") else ""
    return mark_safe(  # noqa: S308 - times and cells made here, escaped
        f'<tr{marked}><td data-label="Time" class="time">'
        f'<time datetime="{shown.start_iso}">{shown.start_hm}</time>–'
        f'<time datetime="{shown.end_iso}">{shown.end_hm}</time></td>{a.cells}</tr>'
    )


def past_row(a: Any) -> SafeString:
    """A row of the visits still to close: its day and time, then `a.cells`."""
    shown = a.shown
    return mark_safe(  # noqa: S308 - times and cells made here, escaped
        f'<tr><td data-label="When" class="time"><time datetime="{shown.start_iso}">'
        f"{escaped(shown.start_long)}</time></td>{a.cells}</tr>"
    )


def escaped(text: object) -> str:
    """`text` escaped for HTML, as the template language escapes it (& < > " ')."""
    return escape(str(text))
