"""Signing, the PDF and its hash, verify, withdrawal, and the database's lock."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.consents import selectors
from mesodesk.consents.choices import Channel, Method, Purpose
from mesodesk.consents.models import ConsentTemplate, ConsentWithdrawal, SignedConsent
from mesodesk.consents.services import (
    ensure_templates,
    render_pdf,
    save_template_version,
    withdraw_consent,
)
from mesodesk.patients.models import Patient
from tests.consents.conftest import STROKES, sign, template_for
from tests.helpers import require_program
from tests.scheduling.conftest import make_patient

pytestmark = pytest.mark.django_db


def test_the_library_texts_become_the_clinics_version_1_once(clinic: Clinic) -> None:
    assert ensure_templates(clinic=clinic) == 9
    assert ensure_templates(clinic=clinic) == 0
    latest = selectors.latest_templates(clinic)
    assert [(t.purpose, t.technique or t.tier) for t in latest][:1] == [
        ("treatment", "manual_needle")
    ]
    assert {t.version for t in latest} == {1}
    assert all(t.sources for t in latest)  # every text says where its wording rests


def pdf_metadata(data: bytes, folder: Path) -> str:
    """The XMP metadata of a PDF, as poppler's pdfinfo reads it."""
    pdfinfo = require_program("pdfinfo", "poppler-utils")
    path = folder / "consent.pdf"
    path.write_bytes(data)
    done = subprocess.run([pdfinfo, "-meta", str(path)], capture_output=True, text=True, check=True)
    return done.stdout


def test_a_drawn_consent_keeps_who_how_when_and_a_pdf_whose_hash_verifies(
    clinic: Clinic, unconsented: Patient, pedro: User, tmp_path: Path
) -> None:
    consent = sign(clinic, unconsented, by=pedro, strokes=STROKES)
    assert consent.method == Method.DRAWN
    assert consent.signature_svg.startswith("<svg") and "M10 100" in consent.signature_svg
    assert consent.collected_by == pedro and consent.channel == Channel.TABLET
    assert consent.ip == "192.0.2.7" and consent.user_agent == "Mozilla/5.0 (test)"
    assert consent.template_version == 1 and consent.text.startswith("I agree")
    data = selectors.pdf_bytes(consent)
    assert data.startswith(b"%PDF-")
    assert 'pdfaid:part="3" pdfaid:conformance="B"' in pdf_metadata(data, tmp_path)
    assert hashlib.sha256(data).hexdigest() == consent.sha256
    assert selectors.verify(consent).intact


def test_identical_input_gives_identical_bytes(clinic: Clinic, unconsented: Patient) -> None:
    consent = sign(clinic, unconsented)
    again = render_pdf(SignedConsent.objects.get(pk=consent.pk))
    assert again == selectors.pdf_bytes(consent)
    assert hashlib.sha256(again).hexdigest() == consent.sha256


def test_one_changed_byte_fails_verification(clinic: Clinic, unconsented: Patient) -> None:
    consent = sign(clinic, unconsented)
    data = bytearray(selectors.pdf_bytes(consent))
    data[len(data) // 2] ^= 0x01
    # Only by going around the lock, as tampering would.
    with connection.cursor() as cursor:
        _lift(cursor)
        cursor.execute(
            "UPDATE consents_signedconsent SET pdf = %s WHERE id = %s", [bytes(data), consent.pk]
        )
        _restore(cursor)
    result = selectors.verify(consent)
    assert not result.intact and result.stored == consent.sha256 != result.computed
    assert "changed" in result.message


def _lock_module():  # type: ignore[no-untyped-def]
    import importlib

    return importlib.import_module("mesodesk.consents.migrations.0003_signed_consents_locked")


def _lift(cursor) -> None:  # type: ignore[no-untyped-def]
    locked = _lock_module()
    if connection.vendor == "sqlite":
        for name, _ in locked.SQLITE_TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        cursor.execute("SET session_replication_role = replica")  # row triggers do not fire


def _restore(cursor) -> None:  # type: ignore[no-untyped-def]
    locked = _lock_module()
    if connection.vendor == "sqlite":
        for _, statement in locked.SQLITE_TRIGGERS:
            cursor.execute(statement)
    else:
        cursor.execute("SET session_replication_role = origin")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE consents_signedconsent SET signer_name = 'Someone else' WHERE id = %s",
        "UPDATE consents_signedconsent SET sha256 = 'x' WHERE id = %s",
        "DELETE FROM consents_signedconsent WHERE id = %s",
        "UPDATE consents_consentwithdrawal SET reason = 'edited' WHERE consent_id = %s",
        "DELETE FROM consents_consentwithdrawal WHERE consent_id = %s",
        "UPDATE consents_consenttemplate SET text = 'edited' WHERE id ="
        " (SELECT template_id FROM consents_signedconsent WHERE id = %s)",
    ],
)
def test_the_database_refuses_to_change_a_signed_consent(
    clinic: Clinic, unconsented: Patient, pedro: User, statement: str
) -> None:
    consent = sign(clinic, unconsented)
    withdraw_consent(clinic=clinic, consent=consent, by=pedro, channel=Channel.TABLET)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [consent.pk])
    consent.refresh_from_db()
    assert consent.signer_name == "Pat Unconsented" and selectors.verify(consent).intact


def test_the_orm_cannot_change_one_either(clinic: Clinic, unconsented: Patient) -> None:
    consent = sign(clinic, unconsented)
    consent.signer_name = "Changed"
    with pytest.raises(IntegrityError), transaction.atomic():
        consent.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        SignedConsent.objects.filter(pk=consent.pk).delete()


def test_a_merge_may_re_point_a_consent_to_the_record_kept(
    clinic: Clinic, unconsented: Patient, fiona: User
) -> None:
    consent = sign(clinic, unconsented)
    eligible = make_patient(clinic, fiona, "Eligible")
    SignedConsent.objects.filter(pk=consent.pk).update(patient=eligible)
    assert SignedConsent.objects.get(pk=consent.pk).patient == eligible


def test_withdrawal_is_a_new_event_once(clinic: Clinic, unconsented: Patient, pedro: User) -> None:
    consent = sign(clinic, unconsented)
    withdrawal = withdraw_consent(
        clinic=clinic, consent=consent, by=pedro, channel=Channel.TABLET, reason="Asked to"
    )
    assert withdrawal.by == pedro and ConsentWithdrawal.objects.count() == 1
    with pytest.raises(ValidationError) as refused:
        withdraw_consent(clinic=clinic, consent=consent, by=pedro, channel=Channel.TABLET)
    assert refused.value.error_dict["consent"][0].code == "withdrawn"


def test_front_desk_collects_no_consent(clinic: Clinic, unconsented: Patient, fiona: User) -> None:
    with pytest.raises(ValidationError) as refused:
        sign(clinic, unconsented, by=fiona)
    assert refused.value.error_dict["by"][0].code == "permission_denied"


def test_a_new_version_of_the_text_refuses_a_signature_on_the_old_one(
    clinic: Clinic, unconsented: Patient, alice: User
) -> None:
    old = template_for(clinic, Purpose.MARKETING)
    new = save_template_version(
        clinic=clinic, based_on=old, by=alice, title=old.title, text=old.text + "\n\nNew."
    )
    assert new.version == 2 and ConsentTemplate.objects.get(pk=old.pk).text == old.text
    from mesodesk.consents.services import Origin, Signature, sign_consent

    with pytest.raises(ValidationError) as refused:
        sign_consent(
            clinic=clinic,
            patient=unconsented,
            template=old,
            signature=Signature(signer_name="Pat"),
            origin=Origin(Channel.PORTAL, None, None, ""),
        )
    assert refused.value.error_dict["template"][0].code == "stale_template"
    assert sign(clinic, unconsented, Purpose.MARKETING).template_version == 2


def test_a_malformed_drawing_is_refused_with_a_reason(clinic: Clinic, unconsented: Patient) -> None:
    with pytest.raises(ValidationError) as refused:
        sign(clinic, unconsented, strokes="10,10 <script>")
    assert refused.value.error_dict["signature"][0].code == "invalid"
    assert not SignedConsent.objects.exists()


def test_the_verify_command_says_intact(clinic: Clinic, unconsented: Patient) -> None:
    from io import StringIO

    from django.core.management import call_command

    consent = sign(clinic, unconsented)
    out = StringIO()
    call_command("consent", "verify", str(consent.pk), stdout=out)
    assert out.getvalue() == f"consent {consent.pk}: intact sha256 {consent.sha256}\n"
