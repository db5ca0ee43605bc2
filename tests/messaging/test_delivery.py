"""Production refuses to start, and `check --deploy` says why, while a clinic offers text
messages and SMS_BACKEND never reaches a phone; the worker never prints a text there."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from pytest_django import Settings

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.messaging.delivery import clinics_offering_sms, undeliverable_sms
from mesodesk.messaging.models import ContactPreferences, Reminder
from mesodesk.messaging.sms import SmsError, sms_backend
from mesodesk.patients.models import Patient
from mesodesk.patients.services import register_patient
from tests.messaging.conftest import BookSession, next_weekday


@pytest.fixture
def production(settings: Settings) -> Settings:
    settings.PRODUCTION = True
    settings.SMS_BACKEND = "mesodesk.messaging.sms.ConsoleSmsBackend"
    return settings


@pytest.fixture
def texter(clinic: Clinic, fiona: User) -> Patient:
    """A patient who chose text messages in her preferences."""
    patient = register_patient(
        clinic=clinic, by=fiona, first_name="Tess", last_name="Text", phone="+4917011111111"
    )
    ContactPreferences.objects.create(clinic=clinic, patient=patient, email=False, sms=True)
    return patient


def test_a_clinic_offers_sms_once_a_patient_chooses_it(
    clinic: Clinic, other_clinic: Clinic, fiona: User
) -> None:
    assert not clinics_offering_sms().exists()
    register_patient(
        clinic=clinic,
        by=fiona,
        first_name="P",
        last_name="Q",
        phone="+4917022222222",
        preferred_channel="sms",
    )
    assert list(clinics_offering_sms()) == [clinic]


def test_production_with_the_console_backend_refuses_while_a_clinic_offers_sms(
    production: Settings, texter: Patient
) -> None:
    problem = undeliverable_sms()
    assert problem is not None
    assert "ConsoleSmsBackend" in problem and "lindenhof" in problem
    with pytest.raises(CommandError, match="never reaches a phone"):
        call_command("worker")
    with pytest.raises(CommandError, match="never reaches a phone"):
        call_command("serve")
    with pytest.raises(SystemCheckError, match=r"mesodesk\.E001"):
        call_command("check", deploy=True, tags=["security"])


def test_the_file_backend_is_refused_as_well(production: Settings, texter: Patient) -> None:
    production.SMS_BACKEND = "mesodesk.messaging.sms.FileSmsBackend"
    assert "FileSmsBackend" in (undeliverable_sms() or "")


def test_production_without_sms_or_with_twilio_starts(production: Settings, clinic: Clinic) -> None:
    assert undeliverable_sms() is None  # nobody chose text messages
    production.SMS_BACKEND = "mesodesk.messaging.twilio.TwilioSmsBackend"
    assert undeliverable_sms() is None


def test_embedded_mode_may_print_texts(settings: Settings, texter: Patient) -> None:
    settings.PRODUCTION = False
    assert undeliverable_sms() is None


def test_in_production_the_worker_never_builds_a_console_backend(production: Settings) -> None:
    # A patient may choose SMS after start-up: the text waits, it is not printed.
    with pytest.raises(SmsError) as caught:
        sms_backend()
    assert caught.value.transient


def test_preferences_a_waiting_text_or_the_preferred_channel_each_make_a_clinic_offer_sms(
    clinic: Clinic, other_clinic: Clinic, fiona: User, lena: Patient, book_session: BookSession
) -> None:
    # Preferences set without text messages outweigh the preferred channel.
    chose_not = register_patient(
        clinic=clinic,
        by=fiona,
        first_name="N",
        last_name="O",
        phone="+4917033333333",
        preferred_channel="sms",
    )
    prefs = ContactPreferences.objects.create(
        clinic=clinic, patient=chose_not, email=True, sms=False
    )
    assert not clinics_offering_sms().exists()
    prefs.sms = True
    prefs.save()
    assert list(clinics_offering_sms()) == [clinic]
    prefs.sms = False
    prefs.save()
    # A text still waiting to go (here, one of a booked session's reminders).
    appointment = book_session(lena, next_weekday(1))
    assert not clinics_offering_sms().exists()
    waiting = Reminder.objects.filter(appointment=appointment).first()
    assert waiting is not None and waiting.status == "pending"
    Reminder.objects.filter(pk=waiting.pk).update(channel="sms")
    assert list(clinics_offering_sms()) == [clinic]
    Reminder.objects.filter(pk=waiting.pk).update(status="sent")
    assert not clinics_offering_sms().exists()


def test_the_question_joins_nothing_to_the_clinic() -> None:
    """Each way of offering SMS is an EXISTS of its own. Joined to the clinic at once,
    preferences x patients x reminders multiplied into billions of rows on a clinic of
    1,000 patients, and `mesodesk serve` did not start."""
    sql = str(clinics_offering_sms().query)
    outer_from = sql.split(" WHERE ", 1)[0]
    assert "JOIN" not in outer_from
    assert sql.count("EXISTS") == 3
