"""Every staff page and API answer that shows patient data writes an access event: who,
which patient (or the clinic, for a page of several), from which page. Walked."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from mesodesk.accounts.models import User
from mesodesk.audit.models import AccessEvent
from mesodesk.clinics.models import Clinic
from mesodesk.patients.models import Patient
from tests.patient_pages import API_READS, STAFF_READS, World, build_world


@pytest.fixture
def world(clinic: Clinic, fiona: User, pedro: User) -> World:
    return build_world(clinic, fiona, pedro)


def assert_logged(
    world: World, name: str, url: str, patient: Patient | None, user: User, *, since: int
) -> None:
    events = list(AccessEvent.objects.filter(pk__gt=since).order_by("id"))
    assert events, f"{name}: no access event"
    assert {e.path for e in events} == {urlsplit(url).path}, name
    assert {e.user_id for e in events} == {user.pk}, name
    assert {e.action for e in events} == {"read"}, name
    if patient is not None:
        assert patient.pk in {e.patient_id for e in events}, f"{name}: not about the patient"
    else:
        assert any(e.object_type == "clinics.clinic" for e in events), name


def last_event_id() -> int:
    last = AccessEvent.objects.order_by("-id").first()
    return last.pk if last else 0


def test_every_staff_page_with_patient_data_logs_its_read(world: World, pedro: User) -> None:
    pages = world.staff_urls()
    assert {name.split(" ")[0] for name in pages} == STAFF_READS
    for name, (url, patient) in pages.items():
        since = last_event_id()
        assert world.doctor.get(url).status_code == 200, name
        assert_logged(world, name, url, patient, pedro, since=since)


def test_every_api_answer_with_patient_data_logs_its_read(world: World, pedro: User) -> None:
    """As a practitioner, who reads every answer (the front desk some: clinics.reading)."""
    answers = world.api_urls()
    assert set(answers) == API_READS
    for name, (url, patient) in answers.items():
        since = last_event_id()
        assert world.api_doctor.get(url).status_code == 200, name
        assert_logged(world, name, url, patient, pedro, since=since)


def test_a_refused_booking_shown_again_logs_the_read_too(world: World, pedro: User) -> None:
    url = f"/staff/lindenhof/appointments/{world.appointment.pk}/reschedule/"
    since = last_event_id()
    response = world.doctor.post(url, {"start": "not a time"})
    assert response.status_code in (200, 409, 422)
    assert_logged(world, "reschedule refused", url, world.patient, pedro, since=since)
