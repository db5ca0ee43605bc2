"""The admin's deletion-request pages: the notice on Today, the list, erase or refuse;
roles (admin only, others 403, outsiders 404); the erased patient's pseudonym in lists."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.accounts.services import create_user
from mesodesk.audit.models import AccessEvent
from mesodesk.clinics.models import Clinic, Room
from mesodesk.clinics.services import add_room
from mesodesk.patients.models import Patient
from mesodesk.patients.services import register_patient
from mesodesk.portal.choices import DeletionStatus
from mesodesk.portal.models import DeletionRequest
from mesodesk.portal.services import request_deletion
from mesodesk.scheduling.choices import AppointmentStatus
from tests.charting.fixtures import session

PASSWORD = "correct horse battery"


def ws(name: str, clinic: Clinic, **kwargs: object) -> str:
    return reverse(f"workspace:{name}", kwargs={"clinic_slug": clinic.slug, **kwargs})


@pytest.fixture
def room(clinic: Clinic) -> Room:
    return add_room(clinic=clinic, name="Room 1")


@pytest.fixture
def asked(clinic: Clinic, fiona: User, pedro: User, room: Room) -> DeletionRequest:
    """Rosa Brandt, seen today, asked to have her account deleted."""
    user = create_user(email="rosa@example.test", password=PASSWORD)
    patient = register_patient(
        clinic=clinic, by=fiona, first_name="Rosa", last_name="Brandt", email=user.email
    )
    patient.portal_user = user
    patient.save(update_fields=["portal_user"])
    now = timezone.now()
    session(
        clinic,
        patient,
        pedro,
        room,
        start=now - timedelta(minutes=5),
        end=now + timedelta(minutes=25),
        status=AppointmentStatus.BOOKED,
        arrived_at=None,
        started_at=None,
    )
    return request_deletion(clinic=clinic, patient=patient, by=user)


def test_the_admin_sees_the_notice_and_the_list(
    clinic: Clinic, admin: Client, doctor: Client, asked: DeletionRequest
) -> None:
    today = admin.get(ws("today", clinic)).content.decode()
    assert "1 patient asked to have their account deleted" in today
    assert ws("deletion_requests", clinic) in today
    # Practitioners don't decide them: no notice.
    assert "asked to have" not in doctor.get(ws("today", clinic)).content.decode()

    page = admin.get(ws("deletion_requests", clinic))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Rosa Brandt" in text
    assert ws("deletion_request", clinic, request_id=asked.pk) in text
    # The settings menu names the page for admins only.
    assert "Deletion requests" in admin.get(ws("settings", clinic)).content.decode()
    assert "Deletion requests" not in doctor.get(ws("settings", clinic)).content.decode()


@pytest.mark.parametrize("who", ["doctor", "desk"])
def test_other_roles_get_403(
    clinic: Clinic, asked: DeletionRequest, who: str, request: pytest.FixtureRequest
) -> None:
    client: Client = request.getfixturevalue(who)
    assert client.get(ws("deletion_requests", clinic)).status_code == 403
    detail = ws("deletion_request", clinic, request_id=asked.pk)
    assert client.get(detail).status_code == 403
    assert client.post(detail, {"action": "erase", "confirm": "on"}).status_code == 403
    assert DeletionRequest.objects.get(pk=asked.pk).status == DeletionStatus.PENDING


def test_outsiders_get_404(
    clinic: Clinic, other_clinic: Clinic, outsider: Client, asked: DeletionRequest
) -> None:
    assert outsider.get(ws("deletion_requests", clinic)).status_code == 404
    assert outsider.get(ws("deletion_request", clinic, request_id=asked.pk)).status_code == 404
    # At their own clinic, another clinic's request id is no request.
    mine = ws("deletion_request", other_clinic, request_id=asked.pk)
    assert outsider.get(mine).status_code == 404
    assert outsider.post(mine, {"action": "erase", "confirm": "on"}).status_code == 404


def test_erasing_in_the_page_pseudonymises_lists_and_keeps_the_chart(
    clinic: Clinic, admin: Client, doctor: Client, asked: DeletionRequest
) -> None:
    detail = ws("deletion_request", clinic, request_id=asked.pk)
    unconfirmed = admin.post(detail, {"action": "erase"})
    assert unconfirmed.status_code == 400
    assert "Tick the box to confirm." in unconfirmed.content.decode()
    response = admin.post(detail, {"action": "erase", "confirm": "on"})
    assert response.status_code == 302
    page = admin.get(detail).content.decode()
    pk = asked.patient_id
    assert f"Patient #{pk} (erased)" in page and "What was done" in page
    asked.refresh_from_db()
    assert asked.status == DeletionStatus.ERASED
    assert AccessEvent.objects.filter(patient_id=pk, action="read").exists()

    for name in ("today", "week", "patients", "deletion_requests"):
        text = admin.get(ws(name, clinic)).content.decode()
        assert f"Patient #{pk} (erased)" in text, name
        assert "Rosa" not in text and "Brandt" not in text, name
    found = admin.get(ws("patients", clinic) + f"?q=%23{pk}").content.decode()
    assert f"Patient #{pk} (erased)" in found
    assert "Patient #" not in admin.get(ws("patients", clinic) + "?q=Brandt").content.decode()
    # The chart is the medical record, kept with the name for clinical staff.
    chart = doctor.get(ws("patient", clinic, patient_id=pk)).content.decode()
    assert "Brandt" in chart and "deletion request was granted" in chart
    # Decided: the forms are gone, the notice too.
    assert 'value="erase"' not in page
    assert "asked to have" not in admin.get(ws("today", clinic)).content.decode()


def test_refusing_in_the_page_needs_a_reason(
    clinic: Clinic, admin: Client, asked: DeletionRequest, alice: User
) -> None:
    detail = ws("deletion_request", clinic, request_id=asked.pk)
    empty = admin.post(detail, {"action": "refuse", "reason": ""})
    assert empty.status_code == 400
    assert "Say why: the patient is told." in empty.content.decode()
    admin.post(detail, {"action": "refuse", "reason": "A court asked us to keep the account."})
    asked.refresh_from_db()
    assert asked.status == DeletionStatus.REFUSED and asked.decided_by == alice
    page = admin.get(detail).content.decode()
    assert "A court asked us to keep the account." in page
    patient = Patient.objects.get(pk=asked.patient_id)
    assert patient.erased_at is None and patient.list_name == "Rosa Brandt"


def test_a_request_decided_meanwhile_is_shown_as_decided(
    clinic: Clinic, admin: Client, asked: DeletionRequest, alice: User
) -> None:
    from mesodesk.portal.services import refuse_deletion

    refuse_deletion(clinic=clinic, request=asked, by=alice, reason="Kept for a legal claim.")
    detail = ws("deletion_request", clinic, request_id=asked.pk)
    response = admin.post(detail, {"action": "erase", "confirm": "on"}, follow=True)
    text = response.content.decode()
    assert "This request was decided already" in text and "Kept for a legal claim." in text
    asked.refresh_from_db()
    assert asked.status == DeletionStatus.REFUSED
    assert Patient.objects.get(pk=asked.patient_id).erased_at is None
