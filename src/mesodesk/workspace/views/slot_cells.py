"""The free times of a slot search as HTML, made in Python: each time is a small POST form
(hidden start, practitioner, room and device, and a button that names them), and through
the template language the twenty of a page cost most of the page's time (DESIGN 12). The
values are escaped as the templates escaped them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.utils.dateformat import format as date_format
from django.utils.safestring import SafeString, mark_safe

from mesodesk.workspace.views.visit_cells import csrf_input
from mesodesk.workspace.views.visit_cells import escaped as _e

Days = list[tuple[date, list[dict[str, Any]]]]


def add_forms(days: Days, request: Any, *, action: str, verb: str, kind: str = "") -> None:
    """Sets `html` on every free time of `days` (as `_search` found them): its form, posting
    to `action` with `kind` (booking) and a button saying `verb` ("Book", "Move here")."""
    head = f'<form method="post" action="{_e(action)}">{csrf_input(request)}'
    if kind:
        head += f'<input type="hidden" name="kind" value="{_e(kind)}">'
    # Each day's name, and each person's, room's and device's name escaped, once a page:
    # formatting a date through Django's translations cost as much as the rest of a time.
    names: dict[str, str] = {}

    def name(text: str) -> str:
        found = names.get(text)
        if found is None:
            found = names[text] = _e(text)
        return found

    for day, slots in days:
        day_name = date_format(day, "l j F")
        for slot in slots:
            slot["html"] = _item(slot, head, _e(verb), day_name, name)


def _item(
    s: dict[str, Any], head: str, verb: str, day: str, name: Callable[[str], str]
) -> SafeString:
    local = s["local_start"]
    hm, at = f"{local:%H:%M}", local.isoformat()
    device = f" · {name(s['device'])}" if s["device"] else ""
    device_input = (
        f'<input type="hidden" name="device" value="{s["device_id"]}">' if s["device_id"] else ""
    )
    who, room = name(s["practitioner"]), name(s["room"])
    return mark_safe(  # noqa: S308 - every value escaped
        f'<li class="slot">{head}'
        f'<input type="hidden" name="start" value="{at}">'
        f'<input type="hidden" name="practitioner" value="{s["practitioner_id"]}">'
        f'<input type="hidden" name="room" value="{s["room_id"]}">{device_input}'
        f'<p class="slot-time"><time datetime="{at}">{hm}</time></p>'
        f'<p class="slot-who">{who}<br><span class="muted">{room}{device}</span></p>'
        f'<button type="submit">{verb}<span class="visually-hidden"> {day} at {hm} with {who},'
        f" {room}</span></button></form></li>"
    )
