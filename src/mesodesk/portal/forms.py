"""The portal's forms: sign-up, the intake questionnaire, booking, side effects, reminder
choices and the request to delete the account. Labels and help are in plain words."""

from __future__ import annotations

from datetime import date
from typing import Any

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.selectors import clinic_today
from mesodesk.core.library import load_library
from mesodesk.core.localtime import grouped_zones
from mesodesk.messaging.forms import PreferencesForm as MessagingPreferencesForm
from mesodesk.patients.services import phone_e164
from mesodesk.portal import services
from mesodesk.safety.choices import HowBad
from mesodesk.web.fields import DateField, TextField

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
YES_NO = [("yes", "Yes"), ("no", "No")]


class EveryProblemAtOnce(AllauthSignupForm):
    """allauth's sign-up, reporting every problem in one go: all the password's (the
    adapter's clean_password) and, even then, two passwords that differ, which allauth
    checks only when the first one passed."""

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean()
        first, second = self.data.get("password1", ""), self.data.get("password2", "")
        if first and second and first != second and "password2" not in self.errors:
            self.add_error("password2", "The two passwords are not the same.")
        return cleaned


class SignupForm(EveryProblemAtOnce):
    """allauth's sign-up (e-mail, password twice) with the details the clinic needs."""

    first_name = TextField(max_length=100, label="First name")
    last_name = TextField(max_length=100, label="Last name")
    birth_date = DateField(label="Date of birth", widget=DATE_INPUT)
    phone = forms.CharField(
        max_length=40,
        required=False,
        label="Mobile phone",
        help_text="Only if you want reminders by text message.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )

    field_order = ("first_name", "last_name", "birth_date", "email", "phone")

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        self.clinic = clinic
        super().__init__(*args, **kwargs)
        self.fields["first_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["last_name"].widget.attrs["autocomplete"] = "family-name"
        self.fields["birth_date"].widget.attrs["autocomplete"] = "bday"
        self.fields["email"].label = "E-mail address"
        self.fields["email"].help_text = "We send a link to this address to check it is yours."
        for name in ("first_name", "last_name", "email"):
            self.fields[name].widget.attrs.pop("placeholder", None)
        for name in ("password1", "password2"):
            if name in self.fields:
                self.fields[name].widget.attrs.pop("placeholder", None)
        if "password1" in self.fields:
            self.fields["password1"].help_text = "At least 12 characters; a few words work well."

    def clean_birth_date(self) -> date:
        birth_date: date = self.cleaned_data["birth_date"]
        if birth_date > clinic_today(self.clinic):
            raise forms.ValidationError("The date of birth cannot be in the future.")
        if birth_date.year < 1900:
            raise forms.ValidationError("Check the year of your date of birth.")
        if services.age_on(birth_date, clinic_today(self.clinic)) < self.clinic.minimum_age:
            raise forms.ValidationError(services.too_young(self.clinic), code="too_young")
        return birth_date

    def clean_phone(self) -> str:
        try:
            return phone_e164(self.clinic, self.cleaned_data.get("phone", ""))
        except ValidationError as error:
            raise forms.ValidationError(error.message_dict["phone"]) from None

    def custom_signup(self, request: HttpRequest, user: User) -> None:
        services.start_signup(
            clinic=self.clinic,
            user=user,
            first_name=self.cleaned_data["first_name"],
            last_name=self.cleaned_data["last_name"],
            birth_date=self.cleaned_data["birth_date"],
            phone=self.cleaned_data.get("phone", ""),
        )


class CancelForm(forms.Form):
    """Why the patient cancels (the clinic sees it)."""

    reason = TextField(
        max_length=500,
        label="Why are you cancelling?",
        help_text="A few words are enough, for example 'I am ill' or 'the time does not suit me'.",
        widget=forms.TextInput(),
    )


class SideEffectForm(forms.Form):
    """What the patient notices after a session."""

    symptoms = forms.MultipleChoiceField(
        required=False,
        label="What do you notice?",
        help_text="Tick all that apply.",
        widget=forms.CheckboxSelectMultiple,
    )
    other = TextField(
        max_length=500,
        required=False,
        label="Something else",
        help_text="Anything not in the list, in your own words.",
    )
    area = TextField(
        max_length=200,
        label="Where is it?",
        help_text="For example 'left cheek' or 'the whole treated area'.",
    )
    since = DateField(label="Since when?", widget=DATE_INPUT)
    how_bad = forms.ChoiceField(
        label="How bad is it?", choices=HowBad.choices, widget=forms.RadioSelect
    )
    red_flags = forms.MultipleChoiceField(
        required=False,
        label="Do you have any of these signs?",
        help_text="Tick any that apply. If you have trouble breathing or swelling of the lips, "
        "tongue or throat, call emergency services now instead of using this form.",
        widget=forms.CheckboxSelectMultiple,
    )
    details = TextField(
        multiline=True,
        required=False,
        max_length=2000,
        label="Anything else the clinic should know?",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        library = load_library()
        self.fields["symptoms"].choices = [(e.code, e.label) for e in library.side_effects]  # type: ignore[attr-defined]
        self.fields["red_flags"].choices = [(f.code, f.label) for f in library.red_flags]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not (cleaned.get("symptoms") or cleaned.get("other") or cleaned.get("red_flags")):
            self.add_error(
                "symptoms", "Tick what you notice, or describe it under 'Something else'."
            )
        return cleaned


class PreferencesForm(MessagingPreferencesForm):
    """The reminder choices of a message's link, plus the patient's own time zone."""

    time_zone = forms.ChoiceField(
        required=False,
        label="Your time zone",
        help_text="Reminders come at times in this zone.",
    )

    def set_zones(self, *, clinic_zone: str, current: str) -> None:
        """The canonical zones to choose from, the clinic's own first (the default)."""
        self.fields["time_zone"].choices = [  # type: ignore[attr-defined]
            ("", f"The clinic's: {clinic_zone.replace('_', ' ')}"),
            *grouped_zones(current),
        ]


class DeleteAccountForm(forms.Form):
    """The patient confirms with their password."""

    password = forms.CharField(
        label="Your password",
        help_text="To make sure it is really you.",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.")
        return password
