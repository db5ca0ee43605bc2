"""A recall reaches exactly the patients who received the lot: the list (one statement,
read through the lot's index), its access events, and one neutral message per patient
through the outbox, sent once however often it is asked for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.audit.models import AccessEvent
from mesodesk.charting.models import Administration
from mesodesk.clinics.models import Clinic
from mesodesk.inventory.models import Lot, Product
from mesodesk.inventory.selectors import recipients, recipients_for_read
from mesodesk.inventory.services import (
    adjust,
    ask_recipients_to_contact,
    recall,
    receive_lot,
)
from mesodesk.messaging.choices import ReminderKind, ReminderStatus
from mesodesk.messaging.models import Reminder
from mesodesk.messaging.worker import Worker
from mesodesk.patients.models import Patient
from tests.inventory.conftest import administer
from tests.messaging.conftest import SmtpServer, mail_to_smtp, smtp

__all__ = ["mail_to_smtp", "smtp"]
pytestmark = pytest.mark.django_db
MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def treated(
    clinic: Clinic,
    alice: User,
    pedro: User,
    cocktail: Product,
    lot: Lot,
    patients: list[Patient],
) -> dict[str, Administration]:
    """Maria twice from the lot (face, then neck a week later), Jonas once (scalp) and one
    entry of Ida's entered in error; Jonas also from another lot."""
    maria, jonas, ida = patients
    # Each day opens a new 5 mL vial and bins the last one's rest: plenty in stock.
    adjust(clinic=clinic, lot=lot, quantity=Decimal("40"), by=alice, reason="Second box")
    other = receive_lot(
        clinic=clinic,
        product=cocktail,
        by=alice,
        number="OTHER",
        expiry=lot.expiry,
        quantity=Decimal("10"),
    )
    out = {
        "maria_face": administer(
            clinic=clinic, lot=lot, patient=maria, practitioner=pedro, start=MONDAY
        ),
        "jonas_scalp": administer(
            clinic=clinic,
            lot=lot,
            patient=jonas,
            practitioner=pedro,
            start=MONDAY + timedelta(days=1),
            area="scalp",
            volume="2.00",
        ),
        "maria_neck": administer(
            clinic=clinic,
            lot=lot,
            patient=maria,
            practitioner=pedro,
            start=MONDAY + timedelta(days=7),
            area="neck",
            volume="0.50",
        ),
        "ida_error": administer(
            clinic=clinic,
            lot=lot,
            patient=ida,
            practitioner=pedro,
            start=MONDAY + timedelta(days=8),
        ),
        "jonas_other": administer(
            clinic=clinic,
            lot=other,
            patient=jonas,
            practitioner=pedro,
            start=MONDAY + timedelta(days=9),
        ),
    }
    Administration.objects.filter(pk=out["ida_error"].pk).update(
        entered_in_error_at=timezone.now(),
        entered_in_error_by=pedro,
        entered_in_error_reason="Wrong lot typed",
    )
    return out


def test_the_recall_finds_exactly_the_administrations_from_the_lot_in_one_statement(
    clinic: Clinic,
    lot: Lot,
    treated: dict[str, Administration],
    django_assert_num_queries: object,
) -> None:
    with django_assert_num_queries(1):  # type: ignore[operator]
        found = recipients(clinic, lot)
    assert [r.administration_id for r in found] == [
        treated[k].pk for k in ("maria_face", "jonas_scalp", "maria_neck", "ida_error")
    ]
    first = found[0]
    assert (first.patient_name, first.area, first.volume_ml, first.practitioner) == (
        "Maria Keller",
        "face",
        Decimal("1.00"),
        "Pedro",
    )
    assert first.session_start == MONDAY
    assert first.appointment_id == treated["maria_face"].record.appointment_id
    assert [r.entered_in_error for r in found] == [False, False, False, True]


def test_another_clinic_finds_nobody_for_the_lot(
    other_clinic: Clinic, lot: Lot, treated: dict[str, Administration]
) -> None:
    assert recipients(other_clinic, lot) == []


def test_reading_the_list_writes_an_access_event_per_patient(
    clinic: Clinic, alice: User, lot: Lot, treated: dict[str, Administration]
) -> None:
    recipients_for_read(clinic, lot, user=alice)
    events = AccessEvent.objects.filter(object_type="inventory.lot", object_id=str(lot.pk))
    assert sorted(e.patient.first_name for e in events) == ["Ida", "Jonas", "Maria"]
    assert {(e.user, e.action) for e in events} == {(alice, "read")}


def test_only_a_recalled_lot_s_patients_are_asked_to_contact_the_clinic(
    clinic: Clinic, alice: User, lot: Lot, treated: dict[str, Administration]
) -> None:
    with pytest.raises(ValidationError) as refused:
        ask_recipients_to_contact(clinic=clinic, lot=lot, by=alice)
    assert refused.value.error_dict["lot"][0].code == "not_recalled"


def test_one_neutral_message_per_reachable_patient_and_a_second_click_sends_nothing_twice(
    clinic: Clinic,
    alice: User,
    lot: Lot,
    cocktail: Product,
    patients: list[Patient],
    treated: dict[str, Administration],
    mail_to_smtp: SmtpServer,
) -> None:
    maria, jonas, _ida = patients
    recall(clinic=clinic, lot=lot, by=alice, reason="Endotoxin above limit", reference="FSN-9")
    now = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    result = ask_recipients_to_contact(clinic=clinic, lot=lot, by=alice, now=now)
    # Ida's only entry was entered in error: she is not asked.
    assert (result.queued, result.already, result.unreachable) == (2, 0, [])
    rows = Reminder.objects.filter(kind=ReminderKind.TREATMENT_CONTACT).order_by("patient_id")
    assert [(r.patient, r.channel) for r in rows] == [(maria, "email"), (jonas, "email")]
    # Maria is asked about her latest session with the lot.
    assert rows[0].appointment_id == treated["maria_neck"].record.appointment_id

    again = ask_recipients_to_contact(clinic=clinic, lot=lot, by=alice, now=now)
    assert (again.queued, again.already) == (0, 2)
    assert Reminder.objects.filter(kind=ReminderKind.TREATMENT_CONTACT).count() == 2

    Worker().run_once(now=now)
    assert set(rows.values_list("status", flat=True)) == {ReminderStatus.SENT}
    messages = {m["To"]: m for m in mail_to_smtp.inbox.messages}
    assert set(messages) == {"maria@example.test", "jonas@example.test"}
    body = messages["maria@example.test"].get_payload(decode=True).decode()
    assert "please contact Lindenhof Aesthetics about your treatment of 9 November 2026" in body
    for secret in (
        cocktail.name,
        cocktail.manufacturer,
        lot.number,
        "Revita",
        "recall",
        "Endotoxin",
        "hyaluronic",
        "FSN-9",
    ):
        assert secret.lower() not in body.lower()
        assert secret.lower() not in messages["maria@example.test"]["Subject"].lower()


def test_a_patient_without_an_address_is_listed_to_be_called(
    clinic: Clinic, alice: User, pedro: User, lot: Lot, patients: list[Patient]
) -> None:
    ida = patients[2]
    administer(clinic=clinic, lot=lot, patient=ida, practitioner=pedro, start=MONDAY)
    recall(clinic=clinic, lot=lot, by=alice, reason="Recall")
    result = ask_recipients_to_contact(clinic=clinic, lot=lot, by=alice)
    assert (result.queued, result.unreachable) == (0, [ida.pk])
