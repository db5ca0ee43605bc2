"""Reminder preferences from a message's link, the check-in link, the clinic's outbox, and
the clinic's own message templates."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from mesodesk.accounts.models import User
from mesodesk.accounts.services import create_user
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.services import add_member, update_clinic_settings
from mesodesk.core.library import load_library
from mesodesk.messaging.choices import ReminderStatus
from mesodesk.messaging.models import ContactPreferences, MessageTemplate, Reminder
from mesodesk.messaging.render import Renderer
from mesodesk.patients.models import Patient
from tests.accounts.helpers import sign_in_with_mfa
from tests.messaging.conftest import BookSession, next_weekday

pytestmark = pytest.mark.django_db

CHOICES = {
    "email": "on",
    "appointment": "on",
    "aftercare": "on",
    "check_in": "on",
    "recall": "on",
    "quiet_start": "22:00",
    "quiet_end": "07:30",
}


@pytest.fixture
def prefs(lena: Patient, book_session: BookSession) -> ContactPreferences:
    book_session(lena, next_weekday(3))
    return ContactPreferences.objects.get(patient=lena)


def test_the_link_in_a_message_opens_the_patients_choices(
    client: Client, prefs: ContactPreferences
) -> None:
    page = client.get(f"/reminders/p/{prefs.token}/")
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "same-origin"
    assert page["Cache-Control"] == "private, no-store"
    assert "Your reminders from Lindenhof Aesthetics" in page.text
    # Nothing about her health, not even her last name.
    assert "Vogt" not in page.text


def test_choices_saved_from_the_link_change_the_pending_reminders(
    client: Client, prefs: ContactPreferences
) -> None:
    response = client.post(f"/reminders/p/{prefs.token}/", CHOICES)  # no preparation
    assert response.status_code == 302
    prefs.refresh_from_db()
    assert not prefs.preparation
    assert str(prefs.quiet_start) == "22:00:00"
    pending = Reminder.objects.filter(patient=prefs.patient, status=ReminderStatus.PENDING)
    assert pending.exists()
    assert not pending.filter(kind="preparation").exists()


def test_asking_for_text_messages_without_a_number_says_so(
    client: Client, prefs: ContactPreferences
) -> None:
    Patient.objects.filter(pk=prefs.patient_id).update(phone="")
    page = client.post(f"/reminders/p/{prefs.token}/", CHOICES | {"sms": "on"})
    assert page.status_code == 200
    assert "Add a mobile number first" in page.text
    prefs.refresh_from_db()
    assert not prefs.sms


def test_the_check_in_link_leads_to_the_clinics_side_effect_report(
    client: Client, prefs: ContactPreferences
) -> None:
    response = client.get(f"/reminders/p/{prefs.token}/report/")
    assert response.status_code == 302
    assert response["Location"] == "/portal/lindenhof/side-effects/"


def test_an_unknown_link_is_a_404(client: Client, db: None) -> None:
    assert client.get("/reminders/p/not-a-token/").status_code == 404
    assert client.get("/reminders/p/not-a-token/report/").status_code == 404


def test_the_outbox_shows_the_clinics_reminders_to_its_staff_only(
    clinic: Clinic, fiona: User, pedro: User, prefs: ContactPreferences, other_clinic: Clinic
) -> None:
    desk = sign_in_with_mfa(Client(), fiona)
    page = desk.get("/reminders/lindenhof/outbox/")
    assert page.status_code == 200
    assert "Appointment reminder" in page.text
    # Times in the clinic's zone: the appointment reminder, 24 hours before 10:00.
    assert "10:00" in page.text
    row = Reminder.objects.filter(kind="appointment").first()
    assert row is not None
    # The text is for practitioners and admins (clinics.reading); the desk sees the rest.
    preview = sign_in_with_mfa(Client(), pedro).get(f"/reminders/lindenhof/outbox/?show={row.pk}")
    assert "reminder of your appointment" in preview.text
    assert (
        "reminder of your appointment"
        not in desk.get(f"/reminders/lindenhof/outbox/?show={row.pk}").text
    )
    outsider = create_user(email="o@harbour.test", password="correct horse battery")
    add_member(clinic=other_clinic, user=outsider, role="admin")
    assert (
        sign_in_with_mfa(Client(), outsider).get("/reminders/lindenhof/outbox/").status_code == 404
    )


def test_a_clinic_template_replaces_the_default_wording(
    clinic: Clinic, prefs: ContactPreferences
) -> None:
    MessageTemplate.objects.create(
        clinic=clinic,
        kind="appointment",
        channel="email",
        subject="See you soon, {{ first_name }}",
        body="{{ clinic }} expects you on {{ appointment_when }}.",
    )
    row = Reminder.objects.get(kind="appointment")
    rendered = Renderer(load_library()).render(row, prefs)
    assert rendered.subject == "See you soon, Lena"
    assert rendered.body.startswith("Lindenhof Aesthetics expects you on ")


def test_the_check_in_gives_the_clinics_telephone_when_it_has_one(
    clinic: Clinic, prefs: ContactPreferences
) -> None:
    row = Reminder.objects.get(kind="check_in", channel="email")
    assert "call us on" not in Renderer(load_library()).render(row, prefs).body
    update_clinic_settings(clinic=clinic, phone="+49 30 1234567")
    row = Reminder.objects.select_related("clinic").get(pk=row.pk)
    assert "or call us on +49 30 1234567." in Renderer(load_library()).render(row, prefs).body


def test_a_template_that_does_not_compile_is_refused(clinic: Clinic) -> None:
    template = MessageTemplate(clinic=clinic, kind="recall", channel="sms", body="{% if %}")
    with pytest.raises(ValidationError) as refused:
        template.full_clean()
    assert "body" in refused.value.message_dict


def test_a_preparation_template_must_keep_the_prescribed_medicine_sentence(
    clinic: Clinic, prefs: ContactPreferences
) -> None:
    template = MessageTemplate(
        clinic=clinic, kind="preparation", channel="sms", body="From {{ today }}: {{ steps }}"
    )
    with pytest.raises(ValidationError) as refused:
        template.full_clean()
    assert "keep_prescribed" in refused.value.message_dict["body"][0]
    template.body += " {{ keep_prescribed }}"
    template.full_clean()
    # One stored past the check still carries the sentence when it is rendered.
    MessageTemplate.objects.filter(pk=template.pk).delete()
    MessageTemplate.objects.create(
        clinic=clinic, kind="preparation", channel="email", body="From {{ today }}: stop things."
    )
    row = Reminder.objects.filter(kind="preparation", channel="email").first()
    assert row is not None
    body = Renderer(load_library()).render(row, prefs).body
    assert body.startswith("From ")
    assert body.rstrip().endswith("keep taking it unless that doctor tells you otherwise.")
