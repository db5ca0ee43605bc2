"""The week's appointments as HTML, made in Python: each appointment is drawn twice (in
the hour grid, and in the list that phones and screen readers use), and through the
template language that cost about 0.3 ms an appointment, two `{% url %}` and six date
formats each (DESIGN 12). The values are worked out once per appointment and escaped as
the templates escaped them."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.utils.safestring import SafeString, mark_safe

from mesodesk.workspace.links import Links
from mesodesk.workspace.views.visit_cells import escaped as _e


def _link(a: Any, links: Links, zone: ZoneInfo) -> str:
    """The appointment's times and patient, linking to its page."""
    start, end = a.start.astimezone(zone), a.end.astimezone(zone)
    return (
        f'<a href="{links("workspace:appointment", appointment_id=a.pk)}">'
        f'<span class="week-time"><time datetime="{start.isoformat()}">{start:%H:%M}</time>'
        f'–{end:%H:%M}</span> <span class="week-patient">{_e(a.patient.list_name)}</span></a>'
    )


def grid_item(placed: Any, links: Links, zone: ZoneInfo) -> SafeString:
    """An appointment in the hour grid, at its rows and lane (week_grid.Placed)."""
    a = placed.appointment
    who = _e(a.practitioner.first_name or a.practitioner.email)
    return mark_safe(  # noqa: S308 - every value escaped
        f'<li class="week-item {_e(a.status)} kind-{_e(a.kind)} wg-r-{placed.row}'
        f' wg-s-{placed.span} wg-l-{placed.lane}">{_link(a, links, zone)}'
        f'<span class="week-meta">{_e(a.get_kind_display())} · {who} · {_e(a.room.name)}</span>'
        "</li>"
    )


def list_item(a: Any, links: Links, zone: ZoneInfo) -> SafeString:
    """An appointment in the day-by-day list."""
    who = _e(a.practitioner.get_full_name() or a.practitioner.email)
    device = f" · {_e(a.device.name)}" if a.device else ""
    badge = (
        f' <span class="badge {_e(a.status)}">{_e(a.get_status_display())}</span>'
        if a.status != "booked"
        else ""
    )
    return mark_safe(  # noqa: S308 - every value escaped
        f'<li class="week-item {_e(a.status)} kind-{_e(a.kind)}">{_link(a, links, zone)}'
        f' <span class="week-meta">{_e(a.get_kind_display())} · {who} · {_e(a.room.name)}'
        f"{device}</span>{badge}</li>"
    )
