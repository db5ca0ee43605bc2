"""The safety API: adverse events (create, read, follow-ups), patients' side-effect
reports (list, triage, close) and signals, for practitioners and admins; front desk gets
403; bad input is 422 with a code; reads are logged."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from mesodesk.accounts.models import User
from mesodesk.audit.models import AccessEvent
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.selectors import clinic_today
from mesodesk.safety.models import AdverseEvent, SideEffectReport
from tests.api.conftest import signed_in

pytestmark = pytest.mark.django_db
C = "/api/v1/clinics/lindenhof"


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def test_front_desk_is_refused_everything(desk: Client, lindenhof_ids: dict[str, int]) -> None:
    patient = AdverseEvent.objects.get(pk=lindenhof_ids["event_id"]).patient_id
    for url in (
        f"{C}/patients/{patient}/adverse-events",
        f"{C}/adverse-events/{lindenhof_ids['event_id']}",
        f"{C}/side-effect-reports",
        f"{C}/safety/signals",
    ):
        answer = desk.get(url)
        assert answer.status_code == 403, url
        assert answer.json()["code"] == "forbidden"
    answer = post(
        desk,
        f"{C}/side-effect-reports/{lindenhof_ids['report_id']}/close",
        {"call": "expected", "note": "Fine."},
    )
    assert answer.status_code == 403


def test_a_practitioner_triages_a_report_into_a_graded_event_with_its_lot(
    doctor: Client, clinic: Clinic, lindenhof_ids: dict[str, int], pedro: User
) -> None:
    reports = doctor.get(f"{C}/side-effect-reports").json()
    assert [r["id"] for r in reports] == [lindenhof_ids["report_id"]] and reports[0]["urgent"]
    answer = post(
        doctor,
        f"{C}/side-effect-reports/{lindenhof_ids['report_id']}/triage",
        {
            "event": "infection",
            "onset": clinic_today(clinic).isoformat(),
            "grade": 3,
            "serious": True,
            "session_record_id": lindenhof_ids["record_id"],
            "administration_ids": [lindenhof_ids["administration_id"]],
            "actions_taken": "Oral antibiotics.",
            "follow_up_on": (clinic_today(clinic) + timedelta(days=2)).isoformat(),
        },
    )
    assert answer.status_code == 201, answer.content
    event = answer.json()
    assert event["category"] == "red_flag" and event["grade"] == 3
    assert event["report_id"] == lindenhof_ids["report_id"]
    assert event["suspects"][0]["lot_id"] == lindenhof_ids["lot_id"]
    assert event["practitioner_id"] == pedro.pk and event["technique"] == "nappage"
    assert doctor.get(f"{C}/side-effect-reports").json() == []
    follow = post(
        doctor,
        f"{C}/adverse-events/{event['id']}/follow-ups",
        {"note": "Settling.", "outcome": "recovering"},
    )
    assert follow.status_code == 201
    again = doctor.get(f"{C}/adverse-events/{event['id']}").json()
    assert again["outcome"] == "ongoing" and again["current"]["outcome"] == "recovering"
    assert again["current"]["follow_up_on"] is None
    assert AccessEvent.objects.filter(
        object_type="safety.adverseevent", object_id=str(event["id"])
    ).exists()


def test_closing_a_report(alice: User, lindenhof_ids: dict[str, int]) -> None:
    admin_api = signed_in(alice)
    url = f"{C}/side-effect-reports/{lindenhof_ids['report_id']}/close"
    answer = post(admin_api, url, {"call": "expected", "note": "Usual swelling."})
    assert answer.status_code == 200 and answer.json()["call"] == "expected"
    again = post(admin_api, url, {"call": "expected", "note": "Twice."})
    assert again.status_code == 422 and again.json()["code"] == "closed"
    assert SideEffectReport.objects.get().closed_at is not None


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"event": "bruising", "onset": "2026-01-05", "grade": 4}, "must_be_serious"),
        ({"event": "bruising", "onset": "2999-01-05", "grade": 1}, "future"),
        (
            {"event": "bruising", "onset": "2026-01-05", "grade": 5, "serious": True},
            "grade_outcome",
        ),
        ({"event": "zombie", "onset": "2026-01-05", "grade": 1}, "invalid"),
        ({"event": "bruising", "onset": "2026-01-05", "grade": 6}, "invalid"),
    ],
)
def test_bad_input_is_422_with_a_code(
    doctor: Client, lindenhof_ids: dict[str, int], body: dict[str, Any], code: str
) -> None:
    patient = AdverseEvent.objects.get(pk=lindenhof_ids["event_id"]).patient_id
    answer = post(doctor, f"{C}/patients/{patient}/adverse-events", body)
    assert answer.status_code == 422, answer.content
    assert code in json.dumps(answer.json())


def test_signals_list_every_unit(doctor: Client, lindenhof_ids: dict[str, int]) -> None:
    found = doctor.get(f"{C}/safety/signals").json()
    lot = next(s for s in found if s["kind"] == "lot")
    assert lot["key"] == str(lindenhof_ids["lot_id"]) and lot["events"] == 1
    assert lot["flagged"] is False and lot["p_value"] == 1.0
