"""The consent pages: the chart's documents by role, the tablet hand-over and its return,
the consent page with verify and withdrawal, and the portal's signing without JavaScript."""

from __future__ import annotations

import hashlib

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.test import Client
from django.urls import reverse

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.consents.choices import Channel, Method, Purpose
from mesodesk.consents.models import SignedConsent
from mesodesk.patients.models import Patient
from tests.accounts.helpers import sign_in_with_mfa, totp_code
from tests.consents.conftest import STROKES, sign, template_for
from tests.portal.conftest import make_patient as make_portal_patient

pytestmark = pytest.mark.django_db


def staff(clinic: Clinic, name: str, *args: object) -> str:
    return reverse(f"workspace:{name}", args=[clinic.slug, *args])


def code_of(user: User) -> str:
    totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    return totp_code(decrypt(totp.data["secret"]))


def test_front_desk_sees_that_a_consent_is_signed_never_more(
    clinic: Clinic, unconsented: Patient, fiona: User, pedro: User
) -> None:
    consent = sign(clinic, unconsented, by=pedro, strokes=STROKES)
    desk = sign_in_with_mfa(Client(), fiona)
    chart = desk.get(staff(clinic, "patient", unconsented.pk)).text
    assert consent.title in chart and "valid" in chart
    assert staff(clinic, "consent_pdf", consent.pk) not in chart
    assert "I agree" not in chart and consent.sha256 not in chart
    for name in ("consent", "consent_pdf"):
        assert desk.get(staff(clinic, name, consent.pk)).status_code == 403
    assert desk.post(staff(clinic, "consent_verify", consent.pk)).status_code == 403
    assert desk.get(staff(clinic, "consent_collect", unconsented.pk)).status_code == 403


def test_a_practitioner_reads_verifies_and_downloads_the_pdf(
    clinic: Clinic, unconsented: Patient, pedro: User
) -> None:
    consent = sign(clinic, unconsented, by=pedro, strokes=STROKES)
    client = sign_in_with_mfa(Client(), pedro)
    page = client.get(staff(clinic, "consent", consent.pk)).text
    assert consent.sha256 in page and "Verify the PDF" in page and "Drawn signature" in page
    verified = client.post(staff(clinic, "consent_verify", consent.pk)).text
    assert "The PDF is intact" in verified
    pdf = client.get(staff(clinic, "consent_pdf", consent.pk))
    assert pdf["Content-Type"] == "application/pdf"
    assert hashlib.sha256(pdf.content).hexdigest() == consent.sha256 == pdf["X-Content-SHA256"]


def test_the_chart_offers_to_collect_a_missing_consent(
    clinic: Clinic, unconsented: Patient, pedro: User
) -> None:
    chart = sign_in_with_mfa(Client(), pedro).get(staff(clinic, "patient", unconsented.pk)).text
    assert "has not signed a treatment consent" in chart
    assert staff(clinic, "consent_collect", unconsented.pk) in chart


def test_the_tablet_shows_only_the_consent_until_the_staff_code(
    clinic: Clinic, unconsented: Patient, pedro: User
) -> None:
    client = sign_in_with_mfa(Client(), pedro)
    template = template_for(clinic, Purpose.TREATMENT, "manual_needle")
    handed = client.post(
        staff(clinic, "consent_hand_over", unconsented.pk), {"template": template.pk}
    )
    tablet = staff(clinic, "consent_tablet")
    assert handed["Location"] == tablet
    # Every other page, the workspace's and the admin's, leads back to the consent.
    for other in (staff(clinic, "patient", unconsented.pk), "/admin/", staff(clinic, "today")):
        assert client.get(other)["Location"] == tablet
    screen = client.get(tablet).text
    assert template.title in screen and 'aria-label="Workspace"' not in screen
    # The patient signs with the keyboard: the typed name, no drawing.
    signed = client.post(
        tablet,
        {"agree": "on", "who": "patient", "signer_name": "Pat Unconsented", "strokes": ""},
        HTTP_USER_AGENT="Tablet/1.0",
        REMOTE_ADDR="192.0.2.44",
    )
    assert signed.status_code == 302
    consent = SignedConsent.objects.get(patient=unconsented)
    assert (consent.method, consent.channel, consent.collected_by) == (
        Method.TYPED,
        Channel.TABLET,
        pedro,
    )
    assert (consent.ip, consent.user_agent, consent.template_version) == (
        "192.0.2.44",
        "Tablet/1.0",
        1,
    )
    assert "hand the tablet back" in client.get(tablet).text
    wrong = client.post(staff(clinic, "consent_return"), {"code": "000000"})
    assert wrong["Location"] == tablet
    assert client.get(staff(clinic, "today"))["Location"] == tablet
    back = client.post(staff(clinic, "consent_return"), {"code": code_of(pedro)})
    assert back["Location"] == staff(clinic, "patient", unconsented.pk)
    assert client.get(staff(clinic, "today")).status_code == 200


def test_a_representative_must_say_their_relationship(
    clinic: Clinic, unconsented: Patient, pedro: User
) -> None:
    client = sign_in_with_mfa(Client(), pedro)
    template = template_for(clinic, Purpose.TREATMENT, "manual_needle")
    client.post(staff(clinic, "consent_hand_over", unconsented.pk), {"template": template.pk})
    form = {"agree": "on", "who": "representative", "signer_name": "Rita Unconsented"}
    refused = client.post(staff(clinic, "consent_tablet"), form)
    assert refused.status_code == 422 and "Say how you are related" in refused.text
    client.post(staff(clinic, "consent_tablet"), form | {"relationship": "Mother"})
    consent = SignedConsent.objects.get(patient=unconsented)
    assert (consent.signer_name, consent.representative_relationship) == (
        "Rita Unconsented",
        "Mother",
    )


def test_starting_a_session_without_consent_offers_to_collect_it(
    clinic: Clinic, unconsented: Patient, pedro: User, room: object
) -> None:
    from tests.charting.fixtures import session

    appointment = session(clinic, unconsented, pedro, room, started_at=None)
    client = sign_in_with_mfa(Client(), pedro)
    response = client.post(reverse("workspace:visit", args=[clinic.slug, appointment.pk, "start"]))
    assert response["Location"].startswith(staff(clinic, "consent_collect", unconsented.pk))
    page = client.get(response["Location"]).text
    assert "has not signed the treatment consent" in page or "has not signed a treatment" in page


def test_the_portal_signs_with_the_typed_name_and_lists_the_pdf(clinic: Clinic) -> None:
    paula = make_portal_patient(clinic, "paula@example.test")
    client = Client()
    client.force_login(paula.portal_user)
    listing = client.get(reverse("portal:consents", args=[clinic.slug])).text
    template = template_for(clinic, Purpose.PHOTOGRAPHY, tier="teaching")
    sign_url = reverse("portal:consent_sign", args=[clinic.slug, template.pk])
    assert sign_url in listing
    page = client.get(sign_url).text
    assert template.title in page and 'name="signer_name"' in page
    done = client.post(sign_url, {"agree": "on", "who": "patient", "signer_name": "Paula K"})
    assert done.status_code == 302
    consent = SignedConsent.objects.get(patient=paula)
    assert consent.channel == Channel.PORTAL and consent.collected_by is None
    documents = client.get(reverse("portal:consents", args=[clinic.slug])).text
    pdf_url = reverse("portal:consent_pdf", args=[clinic.slug, consent.pk])
    assert pdf_url in documents
    assert hashlib.sha256(client.get(pdf_url).content).hexdigest() == consent.sha256
    client.post(reverse("portal:consent_withdraw", args=[clinic.slug, consent.pk]))
    assert SignedConsent.objects.get(pk=consent.pk).withdrawal.channel == Channel.PORTAL


def test_another_patients_consent_is_not_found_in_the_portal(
    clinic: Clinic, unconsented: Patient
) -> None:
    consent = sign(clinic, unconsented)
    paula = make_portal_patient(clinic, "paula@example.test")
    client = Client()
    client.force_login(paula.portal_user)
    assert (
        client.get(reverse("portal:consent_pdf", args=[clinic.slug, consent.pk])).status_code == 404
    )
