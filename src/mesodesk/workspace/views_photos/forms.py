"""The photo upload form: the file (camera or disk), the library's areas, the standard
views, before/after/progress and the patient's sessions. The photo services decide the
rest (the file's format and size are judged from its bytes there)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django import forms

from mesodesk.core.images import MAX_BYTES, MAX_PIXELS
from mesodesk.core.library import load_library
from mesodesk.photos.choices import Kind, View
from mesodesk.scheduling.models import Appointment


class PhotoForm(forms.Form):
    """One photo of one area from one standard view."""

    image = forms.FileField(
        label="Photo",
        # `capture` opens the camera on a phone or tablet; a desk computer offers its files.
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
        help_text=(
            f"JPEG, PNG or HEIC, at most {MAX_BYTES // 1024 // 1024} MB and "
            f"{MAX_PIXELS // 1_000_000} megapixels. Same distance and light, no flash, "
            "before and after."
        ),
    )
    area = forms.ChoiceField(label="Area")
    view = forms.ChoiceField(label="View", choices=View.choices)
    kind = forms.ChoiceField(
        label="Taken", choices=Kind.choices, widget=forms.RadioSelect, initial=Kind.BEFORE
    )
    appointment = forms.TypedChoiceField(
        label="Session", required=False, coerce=int, empty_value=None
    )

    def __init__(
        self, *args: Any, sessions: list[Appointment], zone: ZoneInfo, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        areas = load_library().areas
        self.fields["area"].choices = [(code, term.label) for code, term in areas.items()]  # type: ignore[attr-defined]
        self.fields["appointment"].choices = [("", "No session")] + [  # type: ignore[attr-defined]
            (a.pk, f"{a.start.astimezone(zone):%a %-d %b %Y, %H:%M}") for a in sessions
        ]
        self.sessions = {a.pk: a for a in sessions}

    def chosen_session(self) -> Appointment | None:
        pk = self.cleaned_data.get("appointment")
        return self.sessions.get(pk) if pk is not None else None
