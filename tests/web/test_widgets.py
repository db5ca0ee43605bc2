"""web.widgets.Select writes what Django's own select templates write, character for
character: plain, with a value selected, with attributes (True, False, text), with
option groups, and with text that must be escaped."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms

from mesodesk.web.widgets import Select

CHOICES: list[Any] = [("", "Any room"), (1, "Room <1>"), (2, 'The "blue" room & co')]
GROUPED: list[Any] = [
    ("", "Any"),
    ("Rooms", [(1, "Room 1"), (2, "Room 2")]),
    ("Devices", [("d3", "Needles")]),
]


@pytest.mark.parametrize(
    ("choices", "value", "attrs"),
    [
        (CHOICES, None, None),
        (CHOICES, 2, {"id": "id_room", "aria-describedby": "room-help"}),
        (CHOICES, "1", {"required": True, "disabled": False, "class": 'a"b'}),
        (GROUPED, "d3", {"id": "id_what"}),
        ([], None, None),
    ],
)
def test_it_writes_what_djangos_templates_write(
    choices: list[Any], value: Any, attrs: dict[str, Any] | None
) -> None:
    ours = Select(choices=choices).render("room<x>", value, attrs)
    djangos = forms.Select(choices=choices).render("room<x>", value, attrs)
    assert ours == djangos


def test_a_bound_form_field_renders_the_same() -> None:
    class Django(forms.Form):
        room = forms.ChoiceField(choices=CHOICES, required=False)

    class Ours(forms.Form):
        room = forms.ChoiceField(choices=CHOICES, required=False, widget=Select)

    assert str(Ours({"room": "2"})["room"]) == str(Django({"room": "2"})["room"])
