"""Adverse events: recorded by clinical roles with the library's vocabulary and a CTCAE
grade, triaged from a patient's report or the report closed with the call made, followed
up by new entries; never edited in place (the database refuses it on SQLite and
PostgreSQL alike)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.selectors import clinic_today
from mesodesk.inventory.models import Lot
from mesodesk.patients.models import Patient
from mesodesk.safety import selectors
from mesodesk.safety.choices import Outcome, ReportCall
from mesodesk.safety.models import AdverseEvent
from mesodesk.safety.services import (
    add_follow_up,
    close_report,
    record_adverse_event,
)
from tests.safety.conftest import Charted, red_flag_report

pytestmark = pytest.mark.django_db


def code(error: ValidationError, field: str) -> str:
    return error.error_dict[field][0].code  # type: ignore[no-any-return]


def test_an_event_takes_its_category_session_and_suspects_from_what_was_charted(
    clinic: Clinic, patient: Patient, pedro: User, chart_session: Charted, lot: Lot
) -> None:
    record, given = chart_session(lot)
    event = record_adverse_event(
        clinic=clinic,
        patient=patient,
        by=pedro,
        event="nodules",
        onset=clinic_today(clinic),
        grade=2,
        session_record=record,
        administrations=given,
        actions_taken="Warm compresses; review in a week.",
        follow_up_on=clinic_today(clinic) + timedelta(days=7),
    )
    assert event.category == "red_flag"
    assert event.appointment_id == record.appointment_id
    assert event.technique == "nappage"
    assert event.practitioner == pedro
    suspect = event.suspects.get()
    assert (suspect.lot, suspect.administration) == (lot, given[0])
    assert selectors.current(event).follow_up_on == clinic_today(clinic) + timedelta(days=7)


@pytest.mark.parametrize(
    ("grade", "serious", "outcome", "field", "error"),
    [
        (0, False, Outcome.ONGOING, "grade", "invalid"),
        (6, True, Outcome.ONGOING, "grade", "invalid"),
        (4, False, Outcome.ONGOING, "serious", "must_be_serious"),
        (5, True, Outcome.RESOLVED, "outcome", "grade_outcome"),
        (3, True, Outcome.FATAL, "outcome", "grade_outcome"),
    ],
)
def test_grades_follow_ctcae(
    clinic: Clinic,
    patient: Patient,
    pedro: User,
    grade: int,
    serious: bool,
    outcome: str,
    field: str,
    error: str,
) -> None:
    with pytest.raises(ValidationError) as refused:
        record_adverse_event(
            clinic=clinic,
            patient=patient,
            by=pedro,
            event="infection",
            onset=clinic_today(clinic),
            grade=grade,
            serious=serious,
            outcome=outcome,
        )
    assert code(refused.value, field) == error


def test_unknown_events_and_future_onsets_are_refused(
    clinic: Clinic, patient: Patient, pedro: User
) -> None:
    with pytest.raises(ValidationError) as refused:
        record_adverse_event(
            clinic=clinic,
            patient=patient,
            by=pedro,
            event="zombie",
            onset=date(2025, 1, 1),
            grade=1,
        )
    assert code(refused.value, "event") == "invalid"
    with pytest.raises(ValidationError) as refused:
        record_adverse_event(
            clinic=clinic,
            patient=patient,
            by=pedro,
            event="bruising",
            onset=clinic_today(clinic) + timedelta(days=3),
            grade=1,
        )
    assert code(refused.value, "onset") == "future"


def test_front_desk_records_and_triages_nothing(
    clinic: Clinic, patient: Patient, fiona: User, chart_session: Charted, lot: Lot
) -> None:
    chart_session(lot)
    report = red_flag_report(clinic, patient, fiona)
    with pytest.raises(ValidationError) as refused:
        record_adverse_event(
            clinic=clinic,
            patient=patient,
            by=fiona,
            event="bruising",
            onset=clinic_today(clinic),
            grade=1,
        )
    assert code(refused.value, "by") == "permission_denied"
    with pytest.raises(ValidationError) as refused:
        close_report(clinic=clinic, report=report, by=fiona, call="expected", note="Fine.")
    assert code(refused.value, "by") == "permission_denied"


def test_another_clinics_administration_or_lot_is_refused(
    clinic: Clinic,
    patient: Patient,
    pedro: User,
    chart_session: Charted,
    lot: Lot,
    other_clinic: Clinic,
) -> None:
    chart_session(lot)
    from mesodesk.inventory.services import create_product, receive_lot
    from tests.conftest import _staff

    boss = _staff(other_clinic, "boss@harbour.test", "admin", "Bo")
    product = create_product(clinic=other_clinic, by=boss, name="Elsewhere")
    theirs = receive_lot(
        clinic=other_clinic,
        product=product,
        by=boss,
        number="X1",
        expiry=clinic_today(clinic) + timedelta(days=90),
        quantity=1,
    )
    with pytest.raises(ValidationError) as refused:
        record_adverse_event(
            clinic=clinic,
            patient=patient,
            by=pedro,
            event="bruising",
            onset=clinic_today(clinic),
            grade=1,
            lots=[theirs],
        )
    assert code(refused.value, "lots") == "invalid"


def test_triage_turns_a_red_flag_report_into_an_event_and_clears_the_banner(
    clinic: Clinic, patient: Patient, pedro: User, chart_session: Charted, lot: Lot
) -> None:
    record, given = chart_session(lot)
    report = red_flag_report(clinic, patient, pedro)
    since = timezone.now() - timedelta(days=7)
    assert selectors.urgent_since(clinic, since) == [report]
    event = record_adverse_event(
        clinic=clinic,
        patient=patient,
        by=pedro,
        event="nodules",
        onset=report.since,
        grade=2,
        session_record=record,
        administrations=given,
        report=report,
    )
    report.refresh_from_db()
    assert report.call == ReportCall.EVENT and report.adverse_event == event
    assert selectors.urgent_since(clinic, since) == []
    with pytest.raises(ValidationError) as refused:
        close_report(clinic=clinic, report=report, by=pedro, call="expected", note="Again.")
    assert code(refused.value, "report") == "closed"


def test_closing_a_report_needs_the_call_and_a_note(
    clinic: Clinic, patient: Patient, pedro: User, chart_session: Charted, lot: Lot
) -> None:
    chart_session(lot)
    report = red_flag_report(clinic, patient, pedro)
    with pytest.raises(ValidationError) as refused:
        close_report(clinic=clinic, report=report, by=pedro, call="expected", note=" ")
    assert code(refused.value, "note") == "required"
    with pytest.raises(ValidationError) as refused:
        close_report(clinic=clinic, report=report, by=pedro, call="event", note="x")
    assert code(refused.value, "call") == "invalid"
    close_report(
        clinic=clinic, report=report, by=pedro, call="expected", note="Called: usual swelling."
    )
    assert selectors.urgent_since(clinic, timezone.now() - timedelta(days=7)) == []
    assert list(selectors.open_reports(clinic)) == []


def test_follow_ups_change_the_current_state_not_the_event(
    clinic: Clinic, patient: Patient, pedro: User, alice: User
) -> None:
    today = clinic_today(clinic)
    event = record_adverse_event(
        clinic=clinic,
        patient=patient,
        by=pedro,
        event="infection",
        onset=today,
        grade=2,
        follow_up_on=today,
    )
    assert [e for e, _ in selectors.follow_ups_due(clinic, today)] == [event]
    add_follow_up(
        clinic=clinic,
        event=event,
        by=alice,
        note="Worse: referred to hospital, IV antibiotics.",
        grade=3,
        serious=True,
        follow_up_on=today + timedelta(days=2),
    )
    add_follow_up(clinic=clinic, event=event, by=pedro, note="Healed.", outcome=Outcome.RESOLVED)
    event.refresh_from_db()
    now = selectors.current(event)
    assert (event.grade, event.serious, event.outcome) == (2, False, Outcome.ONGOING)
    assert (now.grade, now.serious, now.outcome, now.follow_up_on) == (
        3,
        True,
        Outcome.RESOLVED,
        None,
    )
    assert selectors.follow_ups_due(clinic, today + timedelta(days=5)) == []
    with pytest.raises(ValidationError) as refused:
        add_follow_up(clinic=clinic, event=event, by=pedro, note="Grade 5 now.", grade=5)
    assert code(refused.value, "outcome") == "grade_outcome"


def sql(statement: str, *params: object) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def refused(statement: str, *params: object) -> None:
    with pytest.raises(IntegrityError, match="never changed"):
        sql(statement, *params)


def test_events_suspects_follow_ups_and_closed_reports_cannot_be_edited_in_the_database(
    clinic: Clinic, patient: Patient, pedro: User, chart_session: Charted, lot: Lot
) -> None:
    record, given = chart_session(lot)
    report = red_flag_report(clinic, patient, pedro)
    open_report = red_flag_report(clinic, patient, pedro)
    event = record_adverse_event(
        clinic=clinic,
        patient=patient,
        by=pedro,
        event="abscess",
        onset=clinic_today(clinic),
        grade=3,
        serious=True,
        session_record=record,
        administrations=given,
        report=report,
    )
    entry = add_follow_up(clinic=clinic, event=event, by=pedro, note="Drained.")
    refused("UPDATE safety_adverseevent SET grade = 1 WHERE id = %s", event.pk)
    refused("DELETE FROM safety_adverseevent WHERE id = %s", event.pk)
    refused("UPDATE safety_suspect SET lot_id = NULL WHERE event_id = %s", event.pk)
    refused("DELETE FROM safety_suspect WHERE event_id = %s", event.pk)
    refused("UPDATE safety_followup SET note = 'x' WHERE id = %s", entry.pk)
    refused("DELETE FROM safety_followup WHERE id = %s", entry.pk)
    refused("UPDATE safety_sideeffectreport SET closing_note = 'x' WHERE id = %s", report.pk)
    refused("DELETE FROM safety_sideeffectreport WHERE id = %s", report.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        AdverseEvent.objects.filter(pk=event.pk).update(grade=1)
    # An open report is still the patient's to be closed.
    assert sql("UPDATE safety_sideeffectreport SET area = 'cheek' WHERE id = %s", open_report.pk)
    assert connection.vendor in ("sqlite", "postgresql")
