"""Time zones as people name them in templates: {{ clinic.time_zone|zone_label }} is
"Berlin time"."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import template

from mesodesk.core.localtime import zone_label as _label

register = template.Library()


@register.filter
def zone_label(name: str) -> str:
    """ "Europe/Berlin" → "Berlin time"; an unknown name as it is."""
    try:
        return _label(ZoneInfo(name))
    except (ZoneInfoNotFoundError, ValueError):
        return name
