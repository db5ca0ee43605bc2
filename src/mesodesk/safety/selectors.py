"""Reads of safety records; always within one clinic."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from mesodesk.clinics.models import Clinic
from mesodesk.core.library import Library
from mesodesk.patients.models import Patient
from mesodesk.safety.models import SideEffectReport


def side_effect_reports(
    clinic: Clinic, patient: Patient | None = None
) -> QuerySet[SideEffectReport]:
    """The clinic's side-effect reports (of one patient, if given), newest first."""
    qs = SideEffectReport.objects.filter(clinic=clinic).select_related("patient")
    if patient is not None:
        qs = qs.filter(patient=patient)
    return qs.order_by("-created_at", "-id")


def urgent_since(clinic: Clinic, since: datetime) -> list[SideEffectReport]:
    """Urgent reports (a warning sign ticked, or called severe) sent since `since`, newest
    first: what staff must see at once (the patient was also told to call the clinic
    today, or emergency services)."""
    return [
        report
        for report in side_effect_reports(clinic).filter(created_at__gte=since)
        if report.urgent
    ]


def labelled(report: SideEffectReport, library: Library) -> dict[str, object]:
    """A report with its symptoms and warning signs in the library's words."""
    symptoms = {e.code: e.label for e in library.side_effects}
    flags = {f.code: f.label for f in library.red_flags}
    return {
        "report": report,
        "symptoms": [symptoms.get(code, code) for code in report.symptoms],
        "red_flags": [flags.get(code, code) for code in report.red_flags],
    }
