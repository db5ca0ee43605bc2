"""The forms of the exports pages."""

from __future__ import annotations

from typing import Any

from django import forms

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.exports.selectors import staff_members


def _person(user: User) -> str:
    name = user.get_full_name()
    return f"{name} ({user.email})" if name else user.email


class IssueTokenForm(forms.Form):
    """Who the new API token acts as, and what it is for."""

    user = forms.TypedChoiceField(label="Acts as", coerce=int)
    name = forms.CharField(
        max_length=100,
        required=False,
        label="What it is for",
        help_text="For example “Booking site” or “FHIR export to the registry”.",
    )

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [  # type: ignore[attr-defined]
            (m.user_id, f"{_person(m.user)} · {m.get_role_display()}")
            for m in staff_members(clinic)
        ]
        self.fields[
            "user"
        ].help_text = (
            "The token can do what this person may do in the clinic (their role), no more."
        )
