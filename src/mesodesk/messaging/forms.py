"""The contact-preferences form (the portal's page and a message's link both use it)."""

from __future__ import annotations

from datetime import time
from typing import Any, Self

from django import forms

from mesodesk.messaging.models import ContactPreferences


class PreferencesForm(forms.Form):
    """How, whether and when a patient wants reminders."""

    email = forms.BooleanField(required=False, label="By e-mail")
    sms = forms.BooleanField(required=False, label="By text message")
    appointment = forms.BooleanField(required=False, label="Before each appointment")
    preparation = forms.BooleanField(
        required=False, label="When a preparation step starts (for example, what to stop)"
    )
    aftercare = forms.BooleanField(required=False, label="When an aftercare step is over")
    check_in = forms.BooleanField(
        required=False, label="Two days after a session: how is your skin?"
    )
    recall = forms.BooleanField(required=False, label="When your next visit is due")
    quiet_start = forms.TimeField(
        label="Quiet from",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="No messages between these times.",
    )
    quiet_end = forms.TimeField(
        label="Quiet until", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )

    @classmethod
    def for_preferences(cls, prefs: ContactPreferences, data: Any = None) -> Self:
        initial: dict[str, bool | time] = {
            name: getattr(prefs, name)
            for name in (
                "email",
                "sms",
                "appointment",
                "preparation",
                "aftercare",
                "check_in",
                "recall",
                "quiet_start",
                "quiet_end",
            )
        }
        return cls(data=data, initial=initial)
