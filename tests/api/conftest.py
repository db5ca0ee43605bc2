"""API callers: Lindenhof's staff signed in with TOTP, a token, and Harbour's outsiders."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.accounts.services import create_user, issue_api_token
from mesodesk.charting.models import SessionRecord
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic, Device, Room
from mesodesk.clinics.selectors import clinic_today
from mesodesk.clinics.services import add_device, add_member, add_room
from mesodesk.inventory.models import Lot
from mesodesk.patients.services import record_intake, register_patient
from mesodesk.photos.services import take_photo
from mesodesk.planning.services import create_plan
from mesodesk.safety.services import record_adverse_event, report_side_effect
from mesodesk.scheduling import selectors as scheduling_selectors
from mesodesk.scheduling.services import book_appointment
from tests.accounts.helpers import sign_in_with_mfa
from tests.charting.fixtures import nappage
from tests.helpers import give_consents
from tests.photos.files import png

BERLIN = ZoneInfo("Europe/Berlin")
API = "/api/v1/clinics"


@pytest.fixture(autouse=True)
def fresh_worker() -> None:
    """Each test as a fresh worker: no clinic's time zone seen yet by the day list
    (scheduling.selectors.day_listing_read guesses from those it has seen)."""
    scheduling_selectors._zones_seen.clear()


def intake(**changes: Any) -> dict[str, Any]:
    """A healthy patient's intake (DESIGN 7.1), with `changes`."""
    return {
        "birth_date": "1988-06-15",
        "sex": "female",
        "pregnant": False,
        "breastfeeding": False,
        "conditions": [],
        "medications": [],
        "allergies": [],
        "recent_procedures": [],
        "fitzpatrick": 2,
    } | changes


def signed_in(user: User) -> Client:
    """A browser session of `user`, who has activated TOTP and gave a code in this session.

    Recorded the way allauth's sign-in does (tests.accounts.helpers.record_mfa), not by
    walking the sign-in and TOTP pages: many tests need several such clients, and the real
    pages are tested in tests/accounts.
    """
    return sign_in_with_mfa(Client(), user)


@pytest.fixture
def desk(fiona: User) -> Client:
    """Lindenhof's front desk, signed in."""
    return signed_in(fiona)


@pytest.fixture
def doctor(pedro: User) -> Client:
    """Lindenhof's practitioner, signed in."""
    return signed_in(pedro)


@pytest.fixture
def token(clinic: Clinic, fiona: User) -> str:
    """A Lindenhof API token of the front desk."""
    return issue_api_token(clinic=clinic, user=fiona, name="tests")[1]


@pytest.fixture
def room(clinic: Clinic) -> Room:
    return add_room(clinic=clinic, name="Room 1")


@pytest.fixture
def needle_kit(clinic: Clinic) -> Device:
    return add_device(
        clinic=clinic, name="Needles", device_type="manual_needle_kit", model_name="30G 4 mm"
    )


@pytest.fixture
def monday() -> date:
    """A Monday two to three weeks ahead (bookings refuse the past)."""
    today = timezone.now().astimezone(BERLIN).date()
    return today + timedelta(days=14 + (7 - today.weekday()))


@pytest.fixture
def at(monday: date) -> Callable[..., str]:
    """at("10:00") is `monday` at 10:00 in Berlin, as ISO text with its offset."""

    def make(hh_mm: str, *, days: int = 0) -> str:
        moment = datetime.combine(monday + timedelta(days=days), time.fromisoformat(hh_mm), BERLIN)
        return moment.isoformat()

    return make


@pytest.fixture
def outsiders(other_clinic: Clinic) -> dict[str, Client]:
    """Harbour's staff of every role, signed in with TOTP: strangers to Lindenhof."""
    out = {}
    for role in Role:
        user = create_user(email=f"{role.value}@harbour.test", password="correct horse battery")
        add_member(clinic=other_clinic, user=user, role=role)
        out[role.value] = signed_in(user)
    return out


@pytest.fixture
def lindenhof_ids(
    clinic: Clinic,
    fiona: User,
    pedro: User,
    room: Room,
    needle_kit: Device,
    at: Callable[..., str],
    record: SessionRecord,
    lot: Lot,
) -> dict[str, int]:
    """One of each of Lindenhof's objects that a URL can name (the lot's id too: it is in
    bodies, and its own paths name it)."""
    patient = register_patient(clinic=clinic, by=fiona, first_name="Lena", last_name="Berg")
    record_intake(clinic=clinic, patient=patient, by=fiona, answers=intake())
    plan = create_plan(
        clinic=clinic,
        patient=patient,
        by=pedro,
        indication="skin_rejuvenation",
        areas=["face"],
        ingredients=["hyaluronic_acid"],
        technique="manual_needle",
        schedule_template="monthly_starter",
        first_session=datetime.fromisoformat(at("10:00")),
    )
    appointment = book_appointment(
        clinic=clinic,
        patient=patient,
        by=fiona,
        kind="consultation",
        start=datetime.fromisoformat(at("15:00", days=-7)),
        practitioner=pedro,
        room=room,
    )
    screening = patient.screenings.order_by("-id").first()
    assert screening is not None
    product = lot.product
    give_consents(patient, photography="clinical")
    given = nappage(clinic, record, pedro, lot)
    report = report_side_effect(
        clinic=clinic,
        patient=record.patient,
        by=pedro,
        symptoms=["swelling"],
        other="",
        area="cheek",
        since=clinic_today(clinic),
        how_bad="severe",
        red_flags=[],
    )
    event = record_adverse_event(
        clinic=clinic,
        patient=record.patient,
        by=pedro,
        event="bruising",
        onset=clinic_today(clinic),
        grade=1,
        session_record=record,
        administrations=[given],
    )
    return {
        "patient_id": patient.pk,
        "screening_id": screening.pk,
        "plan_id": plan.pk,
        "appointment_id": appointment.pk,
        "product_id": product.pk,
        "lot_id": lot.pk,
        "record_id": record.pk,
        "administration_id": given.pk,
        "event_id": event.pk,
        "report_id": report.pk,
        "photo_id": take_photo(
            clinic=clinic,
            patient=patient,
            by=pedro,
            data=png(),
            area="face",
            view="frontal",
            kind="before",
        ).pk,
        "consent_id": patient.signed_consents.order_by("id").values_list("pk", flat=True)[0],
    }
