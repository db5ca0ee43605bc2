"""Reminder choices and the request to delete the account."""

from __future__ import annotations

from django.test import Client

from mesodesk.clinics.models import Clinic
from mesodesk.messaging.selectors import preferences
from mesodesk.patients.models import Patient
from mesodesk.portal.models import DeletionRequest
from tests.portal.conftest import PASSWORD, url

CHOICES = {
    "email": "on",
    "appointment": "on",
    "preparation": "on",
    "quiet_start": "22:00",
    "quiet_end": "07:30",
    "time_zone": "",
}


def test_reminder_choices_are_saved(clinic: Clinic, paula: Patient, paula_client: Client) -> None:
    assert paula_client.get(url("preferences", clinic)).status_code == 200
    response = paula_client.post(url("preferences", clinic), CHOICES)
    assert response.status_code == 302
    prefs = preferences(clinic, paula)
    assert (prefs.email, prefs.sms, prefs.aftercare, prefs.quiet_start.hour) == (
        True,
        False,
        False,
        22,
    )


def test_text_messages_without_a_phone_number_are_refused_at_the_field(
    clinic: Clinic, paula: Patient, paula_client: Client
) -> None:
    response = paula_client.post(url("preferences", clinic), CHOICES | {"sms": "on"})
    assert response.status_code == 200
    assert "Add a mobile number first" in response.text
    assert 'id="id_sms_error"' in response.text


def test_an_unknown_time_zone_is_refused(
    clinic: Clinic, paula: Patient, paula_client: Client
) -> None:
    response = paula_client.post(url("preferences", clinic), CHOICES | {"time_zone": "Mars/Base"})
    assert response.status_code == 200
    assert 'id="id_time_zone_error"' in response.text


def test_the_patients_zone_is_a_choice_of_canonical_zones_the_clinics_first(
    clinic: Clinic, paula: Patient, paula_client: Client
) -> None:
    page = paula_client.get(url("preferences", clinic)).text
    assert '<select name="time_zone"' in page
    assert '<option value="" selected>The clinic&#x27;s: Europe/Berlin</option>' in page
    assert '<option value="America/New_York">America/New York</option>' in page
    assert 'value="W-SU"' not in page and 'value="Factory"' not in page
    # An alias is refused like a made-up name; a canonical zone is saved.
    refused = paula_client.post(url("preferences", clinic), CHOICES | {"time_zone": "W-SU"})
    assert 'id="id_time_zone_error"' in refused.text
    saved = paula_client.post(url("preferences", clinic), CHOICES | {"time_zone": "Europe/Moscow"})
    assert saved.status_code == 302
    assert preferences(clinic, paula).time_zone == "Europe/Moscow"
    page = paula_client.get(url("preferences", clinic)).text
    assert '<option value="Europe/Moscow" selected>Europe/Moscow</option>' in page


def test_deleting_needs_the_password(clinic: Clinic, paula: Patient, paula_client: Client) -> None:
    response = paula_client.post(url("delete", clinic), {"password": "wrong"})
    assert response.status_code == 200
    assert "That is not your password." in response.text
    assert not DeletionRequest.objects.exists()


def test_a_deletion_request_is_recorded_and_the_patient_signed_out(
    clinic: Clinic, paula: Patient, paula_client: Client
) -> None:
    response = paula_client.post(url("delete", clinic), {"password": PASSWORD})
    assert response["Location"] == url("deleted", clinic)
    request = DeletionRequest.objects.get()
    assert (request.patient, request.requested_by, request.status) == (
        paula,
        paula.portal_user,
        "pending",
    )
    page = paula_client.get(response["Location"]).text
    assert "as long as the law requires" in page
    assert paula_client.get(url("intake", clinic)).status_code == 302  # signed out
    # Signing in again while the clinic handles it: the overview says the request waits.
    paula_client.force_login(paula.portal_user)
    home = paula_client.get(url("home", clinic)).text
    assert 'id="deletion"' in home and "is handling it" in home
