"""`{{ number|phone }}`: a stored E.164 number as people read it (+49 30 1234567)."""

from django import template

from mesodesk.core.phones import shown

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """The number in international format; empty stays empty."""
    return shown(value) if value else ""
