"""The safety pages: record an adverse event, triage a patient's report into one or close
it (the urgent banner then clears on Today and the chart), follow-ups, the signals page
with a flagged lot's quarantine and recall. Roles: practitioners and admins; front desk
gets 403 and sees on the chart only that an event exists; outsiders get 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from mesodesk.accounts.models import User
from mesodesk.audit.models import AccessEvent
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.selectors import clinic_today
from mesodesk.inventory.models import Lot
from mesodesk.patients.models import Patient
from mesodesk.safety.models import AdverseEvent, SideEffectReport
from mesodesk.safety.services import record_adverse_event
from tests.safety.conftest import (
    Charted,
    big_lot,
    chart_session,
    red_flag_report,
    suspect_lot,
    suspect_lot_events,
)

__all__ = ["big_lot", "chart_session", "suspect_lot"]
pytestmark = pytest.mark.django_db
C = "/staff/lindenhof"


@pytest.fixture
def report(
    clinic: Clinic, patient: Patient, pedro: User, chart_session: Charted, lot: Lot
) -> SideEffectReport:
    chart_session(lot)
    return red_flag_report(clinic, patient, pedro)


@pytest.fixture
def event(clinic: Clinic, patient: Patient, pedro: User) -> AdverseEvent:
    return record_adverse_event(
        clinic=clinic,
        patient=patient,
        by=pedro,
        event="infection",
        onset=clinic_today(patient.clinic),
        grade=2,
        follow_up_on=clinic_today(patient.clinic),
    )


def urls(patient: Patient, report: SideEffectReport, event: AdverseEvent) -> dict[str, str]:
    return {
        "safety": f"{C}/safety/",
        "new": f"{C}/patients/{patient.pk}/adverse-events/new/",
        "triage": f"{C}/patients/{patient.pk}/adverse-events/new/?report={report.pk}",
        "event": f"{C}/adverse-events/{event.pk}/",
        "follow_up": f"{C}/adverse-events/{event.pk}/follow-ups/",
        "report": f"{C}/side-effect-reports/{report.pk}/",
    }


def test_an_outsider_gets_404_for_every_safety_url(
    outsider: Client, patient: Patient, report: SideEffectReport, event: AdverseEvent
) -> None:
    for name, url in urls(patient, report, event).items():
        if name != "follow_up":
            assert outsider.get(url).status_code == 404, url
        if name not in ("safety", "event"):
            assert outsider.post(url, {"note": "x", "call": "expected"}).status_code == 404, url
    assert AdverseEvent.objects.count() == 1 and event.follow_ups.count() == 0
    report.refresh_from_db()
    assert report.closed_at is None


def test_front_desk_is_refused_and_sees_only_that_an_event_exists(
    desk: Client, patient: Patient, report: SideEffectReport, event: AdverseEvent
) -> None:
    for name, url in urls(patient, report, event).items():
        if name != "follow_up":
            assert desk.get(url).status_code == 403, url
        if name not in ("safety", "event"):
            assert desk.post(url, {"note": "x", "call": "expected"}).status_code == 403, url
    chart = desk.get(f"{C}/patients/{patient.pk}/").content.decode()
    assert "1 adverse event recorded" in chart
    assert "Infection" not in chart and "grade 2" not in chart
    assert "Triage" not in chart and "/safety/" not in chart
    today = desk.get(f"{C}/").content.decode()
    assert "Adverse events to follow up" not in today


def test_a_practitioner_triages_a_red_flag_report_and_the_banners_clear(
    doctor: Client, patient: Patient, report: SideEffectReport, pedro: User
) -> None:
    assert "Urgent side effects reported" in doctor.get(f"{C}/").content.decode()
    page = doctor.get(f"{C}/patients/{patient.pk}/adverse-events/new/?report={report.pk}")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Grade 3: Severe or medically significant" in text and "CTCAE v5.0" in text
    given = patient.session_records.get().administrations.get()
    answer = doctor.post(
        f"{C}/patients/{patient.pk}/adverse-events/new/",
        {
            "report": report.pk,
            "event": "nodules",
            "onset": report.since.isoformat(),
            "grade": "2",
            "session_record": given.record_id,
            "administrations": [given.pk],
            "outcome": "ongoing",
            "actions_taken": "Seen today; culture taken.",
            "follow_up_on": (clinic_today(patient.clinic) + timedelta(days=7)).isoformat(),
        },
    )
    event = AdverseEvent.objects.get()
    assert answer.status_code == 302 and answer["Location"].endswith(f"/adverse-events/{event.pk}/")
    assert event.suspects.get().lot_id == given.lot_id and event.report == report
    assert "Urgent side effects reported" not in doctor.get(f"{C}/").content.decode()
    chart = doctor.get(f"{C}/patients/{patient.pk}/").content.decode()
    assert "names a warning sign" not in chart and "Nodules or lumps" in chart
    shown = doctor.get(answer["Location"])
    assert "Seen today; culture taken." in shown.content.decode()
    assert AccessEvent.objects.filter(
        object_type="safety.adverseevent", object_id=str(event.pk), patient=patient
    ).exists()


def test_a_refused_event_shows_the_reason_next_to_the_field(
    doctor: Client, patient: Patient
) -> None:
    answer = doctor.post(
        f"{C}/patients/{patient.pk}/adverse-events/new/",
        {"event": "anaphylaxis", "onset": clinic_today(patient.clinic).isoformat(), "grade": "4",
         "outcome": "ongoing"},
    )  # fmt: skip
    assert answer.status_code == 400
    assert "A grade 4 or 5 event is serious" in answer.content.decode()
    assert not AdverseEvent.objects.exists()


def test_closing_a_report_with_a_note(
    admin: Client, patient: Patient, report: SideEffectReport
) -> None:
    assert (
        admin.post(f"{C}/side-effect-reports/{report.pk}/", {"call": "expected"}).status_code == 400
    )
    answer = admin.post(
        f"{C}/side-effect-reports/{report.pk}/",
        {"call": "expected", "note": "Called her: usual swelling, settling."},
    )
    assert answer.status_code == 302
    report.refresh_from_db()
    assert report.call == "expected" and report.closed_at is not None
    chart = admin.get(f"{C}/patients/{patient.pk}/").content.decode()
    assert "Expected reaction, patient reassured" in chart and "names a warning sign" not in chart


def test_a_follow_up_is_added_and_the_reminder_moves(doctor: Client, event: AdverseEvent) -> None:
    assert "Adverse events to follow up" in doctor.get(f"{C}/").content.decode()
    answer = doctor.post(
        f"{C}/adverse-events/{event.pk}/follow-ups/",
        {"note": "Better on antibiotics.", "outcome": "recovering",
         "follow_up_on": (clinic_today(event.clinic) + timedelta(days=3)).isoformat()},
    )  # fmt: skip
    assert answer.status_code == 302
    assert event.follow_ups.get().outcome == "recovering"
    assert "Adverse events to follow up" not in doctor.get(f"{C}/").content.decode()
    assert (
        doctor.post(f"{C}/adverse-events/{event.pk}/follow-ups/", {"note": ""}).status_code == 400
    )


def test_the_safety_page_flags_a_lot_and_offers_quarantine_and_recall(
    doctor: Client,
    clinic: Clinic,
    patient: Patient,
    pedro: User,
    chart_session: Charted,
    big_lot: Lot,
    suspect_lot: Lot,
) -> None:
    suspect_lot_events(
        chart_session, pedro, big_lot, suspect_lot, events=3, with_suspect=3, without=6
    )
    page = doctor.get(f"{C}/safety/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Biotin vial, lot BT-SUS" in text
    assert f"/stock/lots/{suspect_lot.pk}/#status" in text
    assert f"/stock/lots/{suspect_lot.pk}/recall/" in text
    assert f"/stock/lots/{big_lot.pk}/#status" not in text
    assert AccessEvent.objects.filter(path=f"{C}/safety/").exists()


def test_every_safety_page_logs_its_read(
    admin: Client, patient: Patient, report: SideEffectReport, event: AdverseEvent
) -> None:
    for name, url in urls(patient, report, event).items():
        if name == "follow_up":
            continue
        before = AccessEvent.objects.count()
        assert admin.get(url).status_code == 200, url
        logged = AccessEvent.objects.order_by("-id").first()
        assert AccessEvent.objects.count() == before + 1, url
        assert logged is not None and logged.action == "read"
        if name != "safety":
            assert logged.patient_id == patient.pk, url
