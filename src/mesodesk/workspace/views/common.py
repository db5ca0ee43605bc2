"""What the clinical pages share: the frame's context and the clinic's calendar day."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render

from mesodesk.accounts.access import StaffRequest
from mesodesk.clinics.choices import Role
from mesodesk.clinics.reading import Part, may_read
from mesodesk.clinics.selectors import clinic_today as clinics_today


def page(
    request: StaffRequest,
    template: str,
    section: str,
    context: dict[str, Any],
    *,
    status: int = 200,
) -> HttpResponse:
    """Renders a workspace page inside the frame (workspace/base.html)."""
    frame = {
        "clinic": request.clinic,
        "membership": request.membership,
        # What the member reads of a patient's record (clinics.reading), for templates.
        "reads": {part.value: may_read(request.membership, part) for part in Part},
        "section": section,
        "zone": request.clinic.time_zone,
    }
    return render(request, template, frame | context, status=status)


def clinic_today(request: StaffRequest) -> date:
    """Today in the clinic's time zone."""
    return clinics_today(request.clinic)


# How far from `default` a day asked for may be: enough for any schedule, and far from
# the calendar's ends, where the pages' "a week later" would overflow.
DAY_RANGE = timedelta(days=3660)


def parse_day(text: str | None, default: date) -> date:
    """A YYYY-MM-DD query parameter, or `default` when it is missing, malformed or more
    than ten years from `default`."""
    if not text:
        return default
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return default
    return day if abs(day - default) <= DAY_RANGE else default


def may_sign_off(request: StaffRequest) -> bool:
    """Whether this member may sign off a review verdict (patients.services decides the
    same: a practitioner of the clinic)."""
    return request.membership.role == Role.PRACTITIONER


# Plans are clinical decisions: practitioners and admins make and read them whole.
PLANNERS = (Role.PRACTITIONER, Role.ADMIN)


def may_plan(request: StaffRequest) -> bool:
    """Whether this member may plan, change and close plans and read what they treat and
    with what (the front desk sees their series only)."""
    return request.membership.role in PLANNERS
