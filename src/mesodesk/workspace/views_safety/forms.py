"""The adverse-event forms: record (or triage a report into) an event, add a follow-up,
close a report. Choices come from the protocol library (events, CTCAE grades, techniques)
and from the patient's own charted sessions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import formats

from mesodesk.accounts.models import User
from mesodesk.charting.models import Administration, SessionRecord
from mesodesk.clinics import selectors as clinics
from mesodesk.clinics.models import Clinic, Device
from mesodesk.core.library import Library
from mesodesk.core.library.model import ADVERSE_EVENT_CATEGORIES
from mesodesk.patients.models import Patient
from mesodesk.safety.choices import Outcome, ReportCall
from mesodesk.web.fields import DateField, TextField
from mesodesk.workspace.forms import practitioner_users

# A patient's sessions offered in the form, newest first.
SESSIONS_SHOWN = 10
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def event_choices(library: Library) -> list[tuple[str, list[tuple[str, str]]]]:
    """The library's events grouped by category (red flags first: they matter most)."""
    groups = []
    for category in ("red_flag", "expected"):
        items = [
            (term.code, term.label)
            for term in library.adverse_events.values()
            if term.category == category
        ]
        groups.append((f"{ADVERSE_EVENT_CATEGORIES[category]}s", items))
    return groups


def grade_choices(library: Library) -> list[tuple[int, str]]:
    """Grades 1-5 with their CTCAE v5 definitions, so staff grade by the words."""
    return [
        (int(level.value), f"Grade {level.value}: {level.label}")
        for level in library.scales["ctcae"].levels
    ]


def _session_label(record: SessionRecord) -> str:
    day = formats.date_format(record.appointment.start.date(), "j M Y")
    who = record.practitioner.get_full_name() or record.practitioner.email
    return f"{day} with {who} ({record.get_status_display().lower()})"


def _administration_label(given: Administration, library: Library) -> str:
    day = formats.date_format(given.record.appointment.start.date(), "j M Y")
    lot = f", lot {given.lot.number}" if given.lot is not None else ""
    technique = library.injection_techniques.get(given.technique)
    how = technique.label if technique else given.technique
    return f"{day}: {given.product.name}{lot}, {given.volume_ml} mL, {given.area}, {how}"


class AdverseEventForm(forms.Form):
    event = forms.ChoiceField(label="Event")
    description = TextField(
        label="What you see", required=False, multiline=True, widget=forms.Textarea({"rows": 3})
    )
    onset = DateField(label="Onset", widget=DATE)
    grade = forms.TypedChoiceField(
        label="Grade (after CTCAE v5)", coerce=int, widget=forms.RadioSelect
    )
    serious = forms.BooleanField(
        label="Serious: hospitalisation, life-threatening, lasting harm or death",
        required=False,
    )
    session_record = forms.ModelChoiceField(
        label="Session",
        queryset=SessionRecord.objects.none(),
        required=False,
        empty_label="None (no session charted)",
    )
    administrations = forms.ModelMultipleChoiceField(
        label="What was given that you suspect (with its lot)",
        queryset=Administration.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    technique = forms.ChoiceField(
        label="Technique",
        required=False,
    )
    device: forms.ModelChoiceField[Device] = forms.ModelChoiceField(
        label="Device",
        queryset=None,
        required=False,
        empty_label="From the administrations",
    )
    practitioner: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        label="Practitioner",
        queryset=None,
        required=False,
        empty_label="The session's",
        help_text="Left empty, the session's practitioner is taken.",
    )
    actions_taken = TextField(
        label="Actions taken", required=False, multiline=True, widget=forms.Textarea({"rows": 2})
    )
    outcome = forms.ChoiceField(label="Outcome", choices=Outcome.choices, initial=Outcome.ONGOING)
    follow_up_on = DateField(
        label="Follow up on",
        required=False,
        widget=DATE,
        help_text="Staff see a reminder on Today from that day.",
    )

    def __init__(
        self, *args: Any, clinic: Clinic, patient: Patient, library: Library, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        fields = self.fields
        fields["event"].choices = [("", "Choose…"), *event_choices(library)]  # type: ignore[attr-defined]
        fields["grade"].choices = grade_choices(library)  # type: ignore[attr-defined]
        records = (
            SessionRecord.objects.filter(clinic=clinic, patient=patient)
            .select_related("appointment", "practitioner")
            .order_by("-appointment__start", "-id")[:SESSIONS_SHOWN]
        )
        session = fields["session_record"]
        session.queryset = SessionRecord.objects.filter(pk__in=[r.pk for r in records])  # type: ignore[attr-defined]
        session.label_from_instance = _session_label  # type: ignore[attr-defined]
        given = fields["administrations"]
        given.queryset = (  # type: ignore[attr-defined]
            Administration.objects.filter(
                clinic=clinic, record__in=list(records), entered_in_error_at__isnull=True
            )
            .select_related("record__appointment", "product", "lot")
            .order_by("-record__appointment__start", "id")
        )
        given.label_from_instance = lambda a: _administration_label(a, library)  # type: ignore[attr-defined]
        fields["technique"].choices = [  # type: ignore[attr-defined]
            ("", "From the administrations"),
            *((t.code, t.label) for t in library.injection_techniques.values()),
        ]
        fields["device"].queryset = clinics.devices(clinic)  # type: ignore[attr-defined]
        fields["practitioner"].queryset = practitioner_users(clinic)  # type: ignore[attr-defined]


class FollowUpForm(forms.Form):
    note = TextField(
        label="What you saw or did", multiline=True, widget=forms.Textarea({"rows": 3})
    )
    grade = forms.TypedChoiceField(label="Grade now", coerce=int, required=False, empty_value=None)
    serious = forms.TypedChoiceField(
        label="Serious now",
        required=False,
        choices=[("", "Unchanged"), ("yes", "Serious"), ("no", "Not serious")],
        coerce=lambda v: v == "yes",
        empty_value=None,
    )
    outcome = forms.ChoiceField(
        label="Outcome now", required=False, choices=[("", "Unchanged"), *Outcome.choices]
    )
    actions_taken = TextField(
        label="Actions taken", required=False, multiline=True, widget=forms.Textarea({"rows": 2})
    )
    follow_up_on = DateField(
        label="Next follow-up",
        required=False,
        widget=DATE,
        help_text="Left empty, no further reminder.",
    )

    def __init__(self, *args: Any, library: Library, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = [("", "Unchanged"), *grade_choices(library)]  # type: ignore[attr-defined]


class CloseReportForm(forms.Form):
    call = forms.ChoiceField(
        label="Your call",
        choices=[(v, label) for v, label in ReportCall.choices if v != ReportCall.EVENT],
        widget=forms.RadioSelect,
    )
    note = TextField(
        label="What you found and what the patient was told",
        multiline=True,
        widget=forms.Textarea({"rows": 3}),
    )
