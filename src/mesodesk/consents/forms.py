"""The signing form (portal and tablet), the withdrawal form and the tablet's return."""

from __future__ import annotations

from typing import Any

from django import forms

WHO = (("patient", "I am the patient"), ("representative", "I sign for the patient"))


class SignForm(forms.Form):
    """Who signs and how: a drawn signature (the page's canvas fills `strokes`) or, without
    a drawing, the typed name alone. Who collected it is never asked: it is the session."""

    agree = forms.BooleanField(
        label="I have read this consent and I agree to it",
        error_messages={"required": "Tick the box to agree, or don't sign."},
    )
    who = forms.ChoiceField(
        label="Who is signing?", choices=WHO, initial="patient", widget=forms.RadioSelect
    )
    signer_name = forms.CharField(
        label="Full name of the person signing",
        max_length=200,
        help_text="Typing your full name here signs the consent; you may also draw your"
        " signature below.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    relationship = forms.CharField(
        label="Relationship to the patient",
        max_length=100,
        required=False,
        help_text="Only when signing for the patient: parent, legal guardian, carer with power"
        " of attorney…",
    )
    strokes = forms.CharField(required=False, widget=forms.HiddenInput, max_length=60000)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("who") == "representative" and not (data.get("relationship") or "").strip():
            self.add_error("relationship", "Say how you are related to the patient.")
        if data.get("who") != "representative":
            data["relationship"] = ""
        return data


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Reason (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReturnForm(forms.Form):
    code = forms.CharField(
        label="Your authenticator code",
        max_length=10,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]*"}
        ),
    )
