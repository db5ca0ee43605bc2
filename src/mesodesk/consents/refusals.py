"""A refusal for want of consent offers to collect it: the staff pages that start or
chart a session send a practitioner or admin to the consent hand-over, back to the
appointment afterwards (front desk stays on the page, with the refusal's sentence)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from mesodesk.accounts.access import StaffRequest
from mesodesk.consents.services import COLLECTORS

CODE = "consent_missing"


def consent_missing(error: ValidationError) -> bool:
    if not hasattr(error, "error_dict"):
        return False
    return any(item.code == CODE for items in error.error_dict.values() for item in items)


def collect_consent(request: StaffRequest, appointment: Any) -> HttpResponse:
    back = reverse("workspace:appointment", args=[request.clinic.slug, appointment.pk])
    if request.membership.role not in COLLECTORS:
        return redirect(back)
    target = reverse(
        "workspace:consent_collect", args=[request.clinic.slug, appointment.patient_id]
    )
    return redirect(f"{target}?next={back}")
