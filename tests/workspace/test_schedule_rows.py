"""Today's rows, made in Python (workspace.views.visit_cells): every text escaped, each
address the one `reverse` gives, and the steps a member may take as forms."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.services import add_device, add_room
from mesodesk.patients.services import register_patient
from mesodesk.scheduling.models import Appointment
from mesodesk.scheduling.services import book_appointment
from mesodesk.workspace.links import Links
from tests.accounts.helpers import sign_in_with_mfa

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
NASTY = "<script>alert(\"x\")</script> & 'O'Brien"


def test_a_row_escapes_every_text_and_links_as_reverse_does(
    clinic: Clinic, pedro: User, fiona: User
) -> None:
    room = add_room(clinic=clinic, name=f"Room {NASTY}")
    kit = add_device(clinic=clinic, name=f"Kit {NASTY}", device_type="manual_needle_kit")
    patient = register_patient(clinic=clinic, by=fiona, first_name=NASTY, last_name="Keller")
    # Yesterday: the visit is over and still booked, so the desk may check in or record a
    # no-show; it is listed under the past visits to close and on its own day.
    day = timezone.now().astimezone(BERLIN).date() - timedelta(days=1)
    start = datetime.combine(day, time(10), BERLIN)
    appointment = book_appointment(
        clinic=clinic,
        patient=patient,
        by=fiona,
        kind="consultation",
        start=datetime.combine(day + timedelta(days=8 - day.weekday()), time(10), BERLIN),
        practitioner=pedro,
        room=room,
        device=kit,
    )
    Appointment.objects.filter(pk=appointment.pk).update(
        start=start, end=start + timedelta(minutes=30)
    )
    desk = sign_in_with_mfa(Client(), fiona)
    page = desk.get("/staff/lindenhof/", {"day": day.isoformat()}).text
    assert "<script>" not in page
    escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;O&#x27;Brien"
    assert f"{escaped} Keller" in page  # the patient
    assert f"Room {escaped}" in page and f"Kit {escaped}" in page
    patient_url = reverse("workspace:patient", args=["lindenhof", patient.pk])
    details = reverse("workspace:appointment", args=["lindenhof", appointment.pk])
    no_show = reverse("workspace:visit", args=["lindenhof", appointment.pk, "no-show"])
    assert f'<a href="{patient_url}">{escaped} Keller</a>' in page
    assert f'href="{details}">Details' in page
    assert f'action="{no_show}"' in page and 'name="csrfmiddlewaretoken"' in page
    assert f'<time datetime="{start.isoformat()}">10:00</time>' in page
    # The week draws it twice, in the hour grid and in the list, escaped the same way.
    week = desk.get("/staff/lindenhof/week/", {"start": day.isoformat()}).text
    assert "<script>" not in week
    assert week.count(f'<span class="week-patient">{escaped} Keller</span>') == 2
    assert week.count(f'<a href="{details}">') == 2
    assert f"Consultation · Pedro · Room {escaped} · Kit {escaped}" in week


def test_links_fill_in_ids_as_reverse_does() -> None:
    links = Links(clinic_slug="lindenhof")
    for pk in (1, 9, 10, 98765432, 12345678901):
        assert links("workspace:patient", patient_id=pk) == reverse(
            "workspace:patient", args=["lindenhof", pk]
        )
        for step in ("check-in", "no-show", "complete"):
            assert links("workspace:visit", appointment_id=pk, step=step) == reverse(
                "workspace:visit", args=["lindenhof", pk, step]
            )
