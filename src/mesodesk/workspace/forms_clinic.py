"""Forms of the clinic pages: a protocol override, clinic settings, closures, rooms,
devices, working hours and staff invitations. They only read input; services decide."""

from __future__ import annotations

from typing import Any

from django import forms

from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import MINIMUM_AGE_RANGE, Clinic, Room
from mesodesk.core.localtime import grouped_zones
from mesodesk.core.phones import countries
from mesodesk.protocols.choices import Severity
from mesodesk.web.fields import DateField, TextField

REASON_HELP = "Required. Staff see it next to the rule, and it is kept in the history."


class OverrideForm(forms.Form):
    """A clinic's value and/or severity for one library rule, with its reason."""

    severity = forms.ChoiceField(required=False, label="Severity for this clinic")
    value = forms.CharField(required=False, max_length=20, label="Value for this clinic")
    reason = TextField(
        multiline=True,
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=REASON_HELP,
    )

    def __init__(self, *args: Any, overridable: str, default: str, value_help: str, **kw: Any):
        super().__init__(*args, **kw)
        if overridable == "severity":
            del self.fields["value"]
            self.fields["severity"].choices = [  # type: ignore[attr-defined]
                ("", f"Keep the library's ({default})"),
                *Severity.choices,
            ]
            self.fields["severity"].help_text = (
                "Absolute makes a patient ineligible, relative sends them to a clinician's "
                "review, caution only informs."
            )
        else:
            del self.fields["severity"]
            self.fields["value"].help_text = f"{value_help} The library says: {default}."

    def changes(self) -> dict[str, Any]:
        """The service's keyword arguments for the valid form: blank fields change nothing."""
        data = self.cleaned_data
        severity = data.get("severity") or None
        value: Any = (data.get("value") or "").strip() or None
        if isinstance(value, str) and value.isascii() and value.isdigit():
            value = int(value)  # a preparation lead time is a whole number of days
        return {"severity": severity, "value": value, "reason": data["reason"]}


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _time_field(label: str) -> forms.TimeField:
    return forms.TimeField(
        required=False,
        label=label,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )


class ClinicSettingsForm(forms.Form):
    """The clinic's name, telephone, address, time zone, country, minimum age, idle timeout and
    reminder lead time."""

    name = TextField(max_length=200, label="Clinic name")
    phone = forms.CharField(
        max_length=40,
        required=False,
        label="Telephone for patients",
        help_text="Shown to patients wherever they are told to call the clinic.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    address = TextField(
        max_length=300,
        required=False,
        multiline=True,
        label="Address for patients",
        help_text="Street, postcode and town: in patients' calendar files and notices.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    time_zone = forms.ChoiceField(
        label="Time zone",
        help_text="Appointments, closures and reminders are in this zone.",
    )
    country = forms.ChoiceField(
        label="Country",
        help_text="Phone numbers written without a country code are read as this "
        "country's, and stored with its code.",
    )
    minimum_age = forms.IntegerField(
        label="Minimum age of patients",
        min_value=MINIMUM_AGE_RANGE[0],
        max_value=MINIMUM_AGE_RANGE[1],
        help_text=f"Younger people cannot sign up on the portal ({MINIMUM_AGE_RANGE[0]} to "
        f"{MINIMUM_AGE_RANGE[1]}; usually 18).",
    )
    idle_timeout_minutes = forms.IntegerField(
        label="Sign out idle staff after (minutes)",
        min_value=5,
        max_value=240,
        help_text="5 to 240 minutes.",
    )
    appointment_reminder_hours = forms.IntegerField(
        label="Send appointment reminders (hours before)",
        min_value=1,
        max_value=168,
        help_text="1 to 168 hours (a week).",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = str(self.initial.get("time_zone") or "")
        self.fields["time_zone"].choices = grouped_zones(current)  # type: ignore[attr-defined]
        self.fields["country"].choices = list(countries().items())  # type: ignore[attr-defined]


class OpeningHoursForm(forms.Form):
    """Up to two opening spans per weekday (say, a morning and an afternoon)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day, name in enumerate(WEEKDAYS):
            for n in (1, 2):
                self.fields[f"d{day}_open{n}"] = _time_field(f"{name}, span {n}: opens")
                self.fields[f"d{day}_close{n}"] = _time_field(f"{name}, span {n}: closes")

    @classmethod
    def initial_from(cls, opening_hours: dict[str, list[list[str]]]) -> dict[str, str]:
        initial = {}
        for day in range(7):
            for n, (start, end) in enumerate(opening_hours.get(str(day), [])[:2], start=1):
                initial[f"d{day}_open{n}"] = start
                initial[f"d{day}_close{n}"] = end
        return initial

    def days(self) -> list[tuple[str, list[tuple[forms.BoundField, forms.BoundField]]]]:
        """(weekday name, [(opens, closes) of span 1 and 2]) for the template."""
        return [
            (name, [(self[f"d{day}_open{n}"], self[f"d{day}_close{n}"]) for n in (1, 2)])
            for day, name in enumerate(WEEKDAYS)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for day in range(7):
            for n in (1, 2):
                opens, closes = data.get(f"d{day}_open{n}"), data.get(f"d{day}_close{n}")
                if (opens is None) != (closes is None):
                    missing = f"d{day}_close{n}" if closes is None else f"d{day}_open{n}"
                    if missing not in self.errors:
                        self.add_error(missing, "Give both the opening and the closing time.")
                elif opens is not None and opens >= closes:
                    self.add_error(f"d{day}_close{n}", "Closing must be after opening.")
        return data

    def opening_hours(self) -> dict[str, list[list[str]]]:
        """The valid form as Clinic.opening_hours."""
        out: dict[str, list[list[str]]] = {}
        for day in range(7):
            spans = []
            for n in (1, 2):
                opens = self.cleaned_data.get(f"d{day}_open{n}")
                closes = self.cleaned_data.get(f"d{day}_close{n}")
                if opens is not None and closes is not None:
                    spans.append([opens.strftime("%H:%M"), closes.strftime("%H:%M")])
            out[str(day)] = sorted(spans)
        return out


class ClosureForm(forms.Form):
    """A day the clinic is closed, and why."""

    date = DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    reason = TextField(
        max_length=200, required=False, label="Reason", help_text="For example: Easter Monday."
    )


class RoomForm(forms.Form):
    """A room's name (a new room, or a new name)."""

    name = TextField(max_length=100, label="Room name")


class DeviceForm(forms.Form):
    """A device: its name, library type, model and usual room."""

    name = TextField(max_length=100, label="Name", help_text="How staff call it.")
    device_type = forms.ChoiceField(label="Type")
    model_name = TextField(max_length=200, required=False, label="Model")
    room = forms.ModelChoiceField(
        queryset=Room.objects.none(), required=False, label="Kept in", empty_label="No room"
    )

    def __init__(
        self, *args: Any, clinic: Clinic, device_types: dict[str, str], edit: bool, **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self.fields["room"].queryset = Room.objects.filter(clinic=clinic).order_by("name")  # type: ignore[attr-defined]
        if edit:
            del self.fields["device_type"]  # a device keeps its type
        else:
            self.fields["device_type"].choices = list(device_types.items())  # type: ignore[attr-defined]


class WorkingHoursForm(forms.Form):
    """One span of a practitioner's week."""

    practitioner = forms.TypedChoiceField(label="Practitioner", coerce=int)
    weekday = forms.TypedChoiceField(label="Weekday", coerce=int, choices=list(enumerate(WEEKDAYS)))
    start = forms.TimeField(
        label="From", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end = forms.TimeField(
        label="Until", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )

    def __init__(self, *args: Any, practitioners: list[tuple[int, str]], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["practitioner"].choices = practitioners  # type: ignore[attr-defined]


class InviteForm(forms.Form):
    """An e-mail address to invite, and the role they will have."""

    email = forms.EmailField(label="E-mail address")
    role = forms.ChoiceField(label="Role", choices=Role.choices, initial=Role.PRACTITIONER)
