"""An endpoint marked `token_checked_by_read` (reading one appointment or patient) checks the bearer
token in the statement of its read on PostgreSQL (api.common.read_one): it must answer
exactly as if the token had been checked first, and write an access event only for a read
the token allowed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from mesodesk.accounts.models import ApiToken, User
from mesodesk.accounts.services import issue_api_token, revoke_api_token
from mesodesk.audit.models import AccessEvent
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic, Membership, Room
from mesodesk.clinics.services import add_member, add_room
from mesodesk.patients.services import register_patient
from mesodesk.scheduling.models import Appointment
from tests.api.conftest import API, signed_in
from tests.api.test_query_counts import consultation
from tests.query_counts import assert_statements, statements

BASE = f"{API}/lindenhof/appointments"


def book(clinic: Clinic, by: User, practitioner: User, room: Room, start: str) -> Appointment:
    patient = register_patient(clinic=clinic, by=by, first_name="Lena", last_name="Berg")
    return consultation(clinic, patient, by, practitioner, room, start)


@pytest.fixture
def booked(clinic: Clinic, fiona: User, pedro: User, room: Room, at: Callable) -> Appointment:
    return book(clinic, fiona, pedro, room, at("10:00"))


def read(token: str, appointment_id: object, slug: str = "lindenhof") -> tuple[int, dict]:
    response = Client().get(
        f"{API}/{slug}/appointments/{appointment_id}",
        headers={"Authorization": f"Bearer {token}"},
    )
    return response.status_code, response.json()


def test_a_valid_token_reads_the_row_and_logs_its_reader(
    clinic: Clinic, fiona: User, token: str, booked: Appointment
) -> None:
    status, answer = read(token, booked.pk)
    assert (status, answer["id"], answer["patient_name"]) == (200, booked.pk, "Lena Berg")
    event = AccessEvent.objects.get()
    assert (event.clinic_id, event.user_id, event.patient_id, event.action) == (
        clinic.pk,
        fiona.pk,
        booked.patient_id,
        "read",
    )
    assert (event.object_type, event.object_id) == ("scheduling.appointment", str(booked.pk))
    assert event.path == f"{BASE}/{booked.pk}"
    # The token's use is noted, as on any other endpoint.
    assert ApiToken.objects.get().last_used_at is not None


def test_an_unknown_token_is_a_401_and_nothing_is_logged(booked: Appointment) -> None:
    status, answer = read("mdk_" + "x" * 43, booked.pk)
    assert (status, answer["code"]) == (401, "unauthenticated")
    assert not AccessEvent.objects.exists()


def test_what_cannot_be_a_token_is_a_401(booked: Appointment) -> None:
    assert read("not-a-token", booked.pk)[0] == 401
    assert not AccessEvent.objects.exists()


def test_a_revoked_token_is_a_401(
    clinic: Clinic, fiona: User, alice: User, booked: Appointment
) -> None:
    api_token, raw = issue_api_token(clinic=clinic, user=fiona)
    revoke_api_token(token=api_token, by=alice)
    assert read(raw, booked.pk)[0] == 401
    assert not AccessEvent.objects.exists()


def test_a_deactivated_user_s_token_is_a_401(fiona: User, token: str, booked: Appointment) -> None:
    User.objects.filter(pk=fiona.pk).update(is_active=False)
    assert read(token, booked.pk)[0] == 401
    assert not AccessEvent.objects.exists()


def test_a_token_of_someone_no_longer_staff_is_a_401(
    clinic: Clinic, fiona: User, token: str, booked: Appointment
) -> None:
    Membership.objects.filter(clinic=clinic, user=fiona).delete()
    assert read(token, booked.pk)[0] == 401
    assert not AccessEvent.objects.exists()


def test_a_token_of_another_clinic_finds_no_clinic_here(
    other_clinic: Clinic, fiona: User, booked: Appointment
) -> None:
    add_member(clinic=other_clinic, user=fiona, role=Role.FRONT_DESK)
    _, harbour_token = issue_api_token(clinic=other_clinic, user=fiona)
    status, answer = read(harbour_token, booked.pk)
    assert (status, answer["code"]) == (404, "not_found")
    assert not AccessEvent.objects.exists()


def test_another_clinic_s_appointment_is_a_404_and_nothing_is_logged(
    other_clinic: Clinic, token: str, at: Callable
) -> None:
    harbour_doctor = User.objects.create_user(email="doc@harbour.test", password=None)
    add_member(clinic=other_clinic, user=harbour_doctor, role=Role.PRACTITIONER)
    theirs = book(
        other_clinic,
        harbour_doctor,
        harbour_doctor,
        add_room(clinic=other_clinic, name="A"),
        at("11:00"),
    )
    status, answer = read(token, theirs.pk)
    assert (status, answer["code"]) == (404, "not_found")
    assert read(token, theirs.pk + 1000)[0] == 404
    assert not AccessEvent.objects.exists()


def test_a_refused_input_still_waits_for_the_token(booked: Appointment, token: str) -> None:
    # The path's id is refused before the read: the token is checked all the same, first.
    assert read("mdk_" + "x" * 43, "not-a-number")[0] == 401
    assert read(token, "not-a-number")[0] == 422
    assert not AccessEvent.objects.exists()


def test_a_signed_in_session_still_reads_with_a_stale_token_in_the_header(
    fiona: User, booked: Appointment
) -> None:
    # As on every other endpoint: a bearer token that is not valid leaves the session to
    # authenticate the request.
    client = signed_in(fiona)
    response = client.get(
        f"{BASE}/{booked.pk}", headers={"Authorization": "Bearer mdk_" + "x" * 43}
    )
    assert (response.status_code, response.json()["id"]) == (200, booked.pk)
    assert AccessEvent.objects.get().user_id == fiona.pk


def test_reading_a_patient_logs_the_record_read_and_only_of_this_clinic(
    clinic: Clinic, other_clinic: Clinic, fiona: User, token: str, booked: Appointment
) -> None:
    client = Client(headers={"Authorization": f"Bearer {token}"})
    answer = client.get(f"{API}/lindenhof/patients/{booked.patient_id}?from=chart")
    assert (answer.status_code, answer.json()["last_name"]) == (200, "Berg")
    event = AccessEvent.objects.get()
    # As a chart's read is logged: the path with its query string.
    assert event.path == f"{API}/lindenhof/patients/{booked.patient_id}?from=chart"
    assert (event.user_id, event.patient_id, event.object_type, event.object_id) == (
        fiona.pk,
        booked.patient_id,
        "patients.patient",
        str(booked.patient_id),
    )
    harbour_desk = User.objects.create_user(email="desk@harbour.test", password=None)
    add_member(clinic=other_clinic, user=harbour_desk, role=Role.FRONT_DESK)
    theirs = register_patient(
        clinic=other_clinic, by=harbour_desk, first_name="Ann", last_name="Lee"
    )
    assert client.get(f"{API}/lindenhof/patients/{theirs.pk}").status_code == 404
    assert AccessEvent.objects.count() == 1


def test_a_token_of_another_clinic_reads_nothing_of_its_own_clinic_here(
    other_clinic: Clinic, at: Callable
) -> None:
    # Harbour's own appointment, through Lindenhof's URL: the read's statement takes the
    # row only when the token's clinic is the URL's, so nothing is read or logged.
    harbour_doctor = User.objects.create_user(email="doc@harbour.test", password=None)
    add_member(clinic=other_clinic, user=harbour_doctor, role=Role.PRACTITIONER)
    room = add_room(clinic=other_clinic, name="A")
    theirs = book(other_clinic, harbour_doctor, harbour_doctor, room, at("11:00"))
    _, harbour_token = issue_api_token(clinic=other_clinic, user=harbour_doctor)
    assert read(harbour_token, theirs.pk)[0] == 404
    assert not AccessEvent.objects.exists()
    assert read(harbour_token, theirs.pk, slug="harbour")[0] == 200


def test_the_patient_read_answers_a_bad_token_as_the_appointment_read(
    booked: Appointment,
) -> None:
    bad = Client(headers={"Authorization": "Bearer mdk_" + "x" * 43})
    assert bad.get(f"{API}/lindenhof/patients/{booked.patient_id}").status_code == 401
    assert bad.get(f"{API}/lindenhof/patients/not-a-number").status_code == 401
    assert not AccessEvent.objects.exists()


def test_a_stale_token_leaves_the_session_as_it_is_elsewhere(
    clinic: Clinic, other_clinic: Clinic, fiona: User, booked: Appointment
) -> None:
    stale = {"Authorization": "Bearer mdk_" + "x" * 43}
    without_totp = Client()
    without_totp.force_login(fiona)
    answer = without_totp.get(f"{BASE}/{booked.pk}", headers=stale)
    assert (answer.status_code, answer.json()["code"]) == (403, "mfa_required")
    outsider = User.objects.create_user(email="desk@harbour.test", password="correct horse b")
    add_member(clinic=other_clinic, user=outsider, role=Role.FRONT_DESK)
    assert signed_in(outsider).get(f"{BASE}/{booked.pk}", headers=stale).status_code == 404
    assert not AccessEvent.objects.exists()


def test_reads_with_a_token_create_no_session(token: str, booked: Appointment) -> None:
    from django.contrib.sessions.models import Session

    for appointment_id in (booked.pk, booked.pk + 1000, "not-a-number"):
        read(token, appointment_id)
    assert not Session.objects.exists()


def test_a_clinic_no_text_column_can_hold_is_a_404_after_the_token_s_check(
    token: str, booked: Appointment
) -> None:
    # A NUL in the URL's clinic: PostgreSQL refuses it as text, so the token is checked in
    # a statement of its own first, and the answer is its 401 or the 404 for the clinic.
    assert read("mdk_" + "x" * 43, booked.pk, slug="lind%00enhof")[0] == 401
    assert read(token, booked.pk, slug="lind%00enhof")[0] == 404
    assert not AccessEvent.objects.exists()


def test_the_document_gives_these_reads_the_security_of_every_other_operation() -> None:
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    listing = paths["/api/v1/clinics/{clinic}/appointments"]["get"]["security"]
    assert listing == [{"BearerToken": []}, {"SessionAuth": []}]
    for path in (
        "/api/v1/clinics/{clinic}/appointments/{appointment_id}",
        "/api/v1/clinics/{clinic}/patients/{patient_id}",
        "/api/v1/clinics/{clinic}/lots/{lot_id}",
    ):
        assert paths[path]["get"]["security"] == listing


def test_the_event_stores_the_readers_address_and_time_as_any_other_event(
    token: str, booked: Appointment
) -> None:
    before = timezone.now()
    response = Client().get(
        f"{BASE}/{booked.pk}",
        headers={"Authorization": f"Bearer {token}"},
        REMOTE_ADDR="2001:db8::7",
    )
    assert response.status_code == 200
    event = AccessEvent.objects.get()
    assert event.ip == "2001:db8::7"
    assert before <= event.at <= timezone.now()


def test_a_reader_on_a_link_local_address_is_logged_without_its_zone(
    token: str, booked: Appointment
) -> None:
    # The zone names an interface of one host; PostgreSQL's inet takes the address alone.
    response = Client().get(
        f"{BASE}/{booked.pk}",
        headers={"Authorization": f"Bearer {token}"},
        REMOTE_ADDR="fe80::7%eth0",
    )
    assert response.status_code == 200
    assert AccessEvent.objects.get().ip == "fe80::7"


# The day's list (api.scheduling.day_schedule) checks the token in its statement too, with
# the practitioner, the list and the access event of the clinic read (api.common.
# read_listed): the same answers as when each was a statement of its own.


def day_list(token: str, slug: str = "lindenhof", **query: object) -> tuple[int, Any]:
    response = Client().get(
        f"{API}/{slug}/appointments", query, headers={"Authorization": f"Bearer {token}"}
    )
    return response.status_code, response.json()


def ids(answer: tuple[int, Any]) -> list[int]:
    status, listed = answer
    assert status == 200, listed
    return [appointment["id"] for appointment in listed]


@pytest.fixture
def dora(clinic: Clinic) -> User:
    """A second practitioner at Lindenhof."""
    doctor = User.objects.create_user(email="dora@lindenhof.test", password=None)
    add_member(clinic=clinic, user=doctor, role=Role.PRACTITIONER)
    return doctor


def test_a_day_read_with_a_token_lists_it_and_logs_the_clinic_read(
    clinic: Clinic, fiona: User, pedro: User, dora: User, room: Room, token: str, at: Callable
) -> None:
    late = book(clinic, fiona, pedro, room, at("15:00"))
    early = book(clinic, fiona, dora, add_room(clinic=clinic, name="B"), at("09:00"))
    book(clinic, fiona, pedro, room, at("10:00", days=1))  # the next day
    monday = at("10:00")[:10]
    assert ids(day_list(token, day=monday, practitioner_id=pedro.pk)) == [late.pk]
    assert ids(day_list(token, day=monday)) == [early.pk, late.pk]
    # One event per list, of the clinic (a list names several patients), as the session's.
    logged = AccessEvent.objects.order_by("id")
    assert [(e.clinic_id, e.user_id, e.patient_id) for e in logged] == [
        (clinic.pk, fiona.pk, None)
    ] * 2
    assert {(e.object_type, e.object_id, e.path, e.action) for e in logged} == {
        ("clinics.clinic", str(clinic.pk), f"{API}/lindenhof/appointments", "read")
    }


def test_a_day_read_with_a_token_answers_as_with_a_session(
    clinic: Clinic, fiona: User, pedro: User, room: Room, token: str, at: Callable
) -> None:
    for start in ("09:00", "11:30", "16:00"):
        book(clinic, fiona, pedro, room, at(start))
    query = {"day": at("10:00")[:10], "practitioner_id": pedro.pk}
    session = signed_in(fiona).get(f"{API}/lindenhof/appointments", query)
    assert session.status_code == 200
    assert day_list(token, **query) == (200, session.json())
    assert len(session.json()) == 3


def test_a_day_read_is_refused_as_before_and_logs_nothing(
    other_clinic: Clinic, fiona: User, pedro: User, room: Room, token: str, at: Callable
) -> None:
    book(room.clinic, fiona, pedro, room, at("10:00"))
    monday = at("10:00")[:10]
    assert day_list("mdk_" + "x" * 43, day=monday)[0] == 401
    # Fiona is the front desk, not a practitioner; Harbour's doctor practises elsewhere;
    # and no one has the last id.
    harbour_doctor = User.objects.create_user(email="doc@harbour.test", password=None)
    add_member(clinic=other_clinic, user=harbour_doctor, role=Role.PRACTITIONER)
    for who in (fiona.pk, harbour_doctor.pk, pedro.pk + 1000):
        status, answer = day_list(token, day=monday, practitioner_id=who)
        assert (status, answer["code"]) == (404, "not_found")
    add_member(clinic=other_clinic, user=fiona, role=Role.FRONT_DESK)
    _, harbour_token = issue_api_token(clinic=other_clinic, user=fiona)
    status, answer = day_list(harbour_token, day=monday, practitioner_id=pedro.pk)
    assert (status, answer["code"]) == (404, "not_found")
    assert day_list(token, day="not-a-day")[0] == 422
    assert not AccessEvent.objects.exists()


def test_a_clinic_s_day_is_its_own_time_zone_s_after_the_zone_changed(
    clinic: Clinic, fiona: User, pedro: User, room: Room, token: str, at: Callable
) -> None:
    booked = book(clinic, fiona, pedro, room, at("10:00"))
    monday = date.fromisoformat(at("10:00")[:10])
    assert ids(day_list(token, day=monday.isoformat())) == [booked.pk]
    # 10:00 in Berlin is Sunday evening in Pago Pago (UTC-11).
    Clinic.objects.filter(pk=clinic.pk).update(time_zone="Pacific/Pago_Pago")
    with statements() as found:
        assert ids(day_list(token, day=monday.isoformat())) == []
    assert ids(day_list(token, day=(monday - timedelta(days=1)).isoformat())) == [booked.pk]
    # Each list read, empty or not, is logged once.
    assert AccessEvent.objects.count() == 3
    if connection.vendor == "postgresql":
        # The statement took the day in the zone this process last saw the clinic in
        # (Berlin); the clinic it read says otherwise, so the day is listed once more.
        assert_statements(found, 2)
        with statements() as found:
            assert ids(day_list(token, day=monday.isoformat())) == []
        assert_statements(found, 1)
