"""The staff workspace's forms: they check the shape of what was sent and offer only the
clinic's own practitioners, rooms and devices; the services decide everything else."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.models import ModelChoiceIterator

from mesodesk.accounts.models import User
from mesodesk.clinics import selectors as clinics
from mesodesk.clinics.models import Clinic, Device, Room
from mesodesk.patients.choices import Channel, Sex
from mesodesk.scheduling.choices import AppointmentKind
from mesodesk.web.fields import DateField, DateTimeField, TextField
from mesodesk.web.widgets import Select


class _ReadOnce(ModelChoiceIterator):
    """The choices from the field's queryset as one read of it per form: Django's own
    iterator reads the table again each time the list is drawn or looked at, and a page
    that also names the slots it found from the same rows would read them twice."""

    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        # The rows the form was given, else the field's own queryset: filled once, reused.
        given = getattr(self.field, "given", None)
        found = given if given is not None else self.queryset
        for obj in found:
            yield self.choice(obj)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __bool__(self) -> bool:
        return any(True for _ in self)


class ClinicChoice(forms.ModelChoiceField):
    """One of the clinic's rows (the form sets the queryset), read once per form; or,
    when the form is given them (`given`, the rows a page has read anyway), one of those,
    checked without a read."""

    iterator = _ReadOnce
    given: list[Any] | None = None

    def to_python(self, value: Any) -> Any:
        if self.given is None or value in self.empty_values:
            return super().to_python(value)
        key = str(getattr(value, "pk", value))
        for obj in self.given:
            if str(obj.pk) == key:
                return obj
        raise ValidationError(
            self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )


class PractitionerChoice(ClinicChoice):
    """A practitioner of the clinic, shown by name."""

    def label_from_instance(self, obj: Any) -> str:
        return person(obj)


class DeviceChoice(ClinicChoice):
    """A device of the clinic, shown with its model."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.model_name})" if obj.model_name else obj.name


def person(user: User) -> str:
    """How staff are named on the pages: their name, else their e-mail address."""
    return user.get_full_name() or user.email


def practitioner_users(clinic: Clinic) -> QuerySet[User]:
    """The clinic's practitioners as users, by name."""
    ids = clinics.practitioners(clinic).values("user_id")
    return User.objects.filter(pk__in=ids).order_by("first_name", "last_name", "email")


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Puts a service's refusal next to the field it names (or above the form)."""
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for field, messages in error.message_dict.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)


# Each ClinicForm field's rows of a clinic, when the form is not given them.
_OF_CLINIC: dict[str, Callable[[Clinic], QuerySet[Any]]] = {
    "practitioner": practitioner_users,
    "room": clinics.rooms,
    "device": clinics.devices,
}


class ClinicForm(forms.Form):
    """A form whose choices are one clinic's practitioners, rooms and devices: the rows
    `given` for a field (a ClinicChoice), else its queryset of the clinic's."""

    def __init__(
        self,
        *args: Any,
        clinic: Clinic,
        given: Mapping[str, list[Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        for name, queryset in _OF_CLINIC.items():
            if name not in self.fields:
                continue
            if given is not None and name in given:
                # No queryset made for a field that never reads one (the slot search page
                # built three of them, a millisecond of ORM, on every search: issue 15).
                self.fields[name].given = given[name]  # type: ignore[attr-defined]
            else:
                self.fields[name].queryset = queryset(clinic)  # type: ignore[attr-defined]


class SlotSearchForm(ClinicForm):
    """What the desk is looking for: a kind of appointment, maybe one practitioner, room or
    device, from a date on. Its lists are the `resources` the search itself uses, read
    once for both (clinics.selectors.resources)."""

    def __init__(self, *args: Any, resources: clinics.Resources, **kwargs: Any) -> None:
        given: dict[str, list[Any]] = {
            "practitioner": resources.practitioners_by_name,
            "room": resources.rooms,
            "device": resources.devices,
        }
        super().__init__(*args, given=given, **kwargs)
        self.resources = resources

    # Its select boxes drawn in Python (web.widgets): the page is searched again and again.
    kind = forms.ChoiceField(
        choices=AppointmentKind.choices, initial=AppointmentKind.SESSION, widget=Select
    )
    practitioner = PractitionerChoice(
        queryset=User.objects.none(),
        required=False,
        empty_label="Any practitioner",
        widget=Select,
    )
    room = ClinicChoice(
        queryset=Room.objects.none(), required=False, empty_label="Any room", widget=Select
    )
    device = DeviceChoice(
        queryset=Device.objects.none(),
        required=False,
        empty_label="Any suitable device",
        widget=Select,
        help_text="A session whose plan needs a device gets one of the right type.",
    )
    start = DateField(
        label="From",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Free times from this day on, over four weeks.",
    )


class SlotSearchFixedKindForm(SlotSearchForm):
    """Slot search for moving an appointment: its kind does not change."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["kind"]


class BookForm(ClinicForm):
    """One slot the desk picked (hidden fields of a slot's button)."""

    kind = forms.ChoiceField(choices=AppointmentKind.choices)
    start = DateTimeField()
    practitioner = forms.ModelChoiceField(queryset=User.objects.none())
    room = forms.ModelChoiceField(queryset=Room.objects.none())
    device = forms.ModelChoiceField(queryset=Device.objects.none(), required=False)


class MoveForm(BookForm):
    """A new slot for an appointment (its kind stays)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["kind"]


class SeriesForm(ClinicForm):
    """Who, where and with what a whole series is booked."""

    practitioner = PractitionerChoice(queryset=User.objects.none())
    room = forms.ModelChoiceField(queryset=Room.objects.none())
    device = DeviceChoice(queryset=Device.objects.none(), required=False)

    def __init__(
        self, *args: Any, clinic: Clinic, needed: str | None, needed_label: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, clinic=clinic, **kwargs)
        field = self.fields["device"]
        # The plan's technique decides: a device of its type is required, or none is used.
        if needed:
            field.queryset = clinics.devices(clinic, needed)  # type: ignore[attr-defined]
            field.required = True
            field.empty_label = f"Choose a {needed_label.lower()}"  # type: ignore[attr-defined]
            field.help_text = f"The plan's technique needs a {needed_label.lower()}."
            field.error_messages["required"] = (
                f"Choose a {needed_label.lower()}: the plan's technique needs one."
            )
        else:
            field.empty_label = "None (the technique needs no device)"  # type: ignore[attr-defined]
            field.help_text = "The plan's technique needs no device."


class CancelForm(forms.Form):
    """Why an appointment is cancelled."""

    reason = TextField(
        multiline=True,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept with the appointment's history.",
        error_messages={"required": "Say why the appointment is cancelled."},
    )


class LateCancelForm(forms.Form):
    """Why the patient called the visit off at short notice."""

    # Beside the cancel form on the appointment page: its own field ids.
    prefix = "late"

    reason = TextField(
        multiline=True,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example: called an hour before, has a fever.",
        error_messages={"required": "Say why the appointment is cancelled."},
    )


class SignOffForm(forms.Form):
    """A practitioner's reason for accepting a review verdict."""

    reason = TextField(
        multiline=True,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why this patient may be treated despite the findings above.",
        error_messages={"required": "Say why the patient may be treated."},
    )


class PatientForm(forms.Form):
    """A new patient's details."""

    first_name = TextField(max_length=100)
    last_name = TextField(max_length=100)
    birth_date = DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    sex = forms.ChoiceField(choices=Sex.choices, initial=Sex.UNKNOWN)
    email = forms.EmailField(label="E-mail", required=False)
    phone = forms.CharField(
        max_length=40,
        required=False,
        help_text="With the country code if it is not a local number; a mobile for text messages.",
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
    preferred_channel = forms.ChoiceField(
        label="Reminders by", choices=Channel.choices, initial=Channel.EMAIL
    )
    # Sent by the "register anyway" button after a likely duplicate was shown.
    register_anyway = forms.BooleanField(required=False, widget=forms.HiddenInput)


def search_initial(today: date) -> dict[str, Any]:
    """The slot search's defaults."""
    return {"kind": AppointmentKind.SESSION, "start": today}
