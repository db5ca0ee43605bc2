"""The issue's whole journey through the API: register, intake, verdict with sources,
sign-off by a practitioner, a plan, a series booked in one step, and every refusal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from mesodesk.audit.models import AccessEvent
from mesodesk.clinics.models import Clinic, Device, Room
from tests.api.conftest import API, intake
from tests.query_counts import read_and_log

BASE = f"{API}/lindenhof"


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(f"{BASE}{path}", body, content_type="application/json")


def register(client: Client, last_name: str, **answers: Any) -> tuple[int, dict[str, Any]]:
    patient = post(client, "/patients", {"first_name": "Maria", "last_name": last_name}).json()
    recorded = post(client, f"/patients/{patient['id']}/intakes", {"answers": intake(**answers)})
    assert recorded.status_code == 201, recorded.json()
    return patient["id"], recorded.json()


def test_front_desk_and_practitioner_take_a_patient_from_intake_to_a_booked_series(
    clinic: Clinic,
    desk: Client,
    doctor: Client,
    pedro: Any,
    room: Room,
    needle_kit: Device,
    at: Callable[..., str],
) -> None:
    patient_id, recorded = register(
        desk, "Keller", medications=[{"name": "Eliquis 5 mg", "prescribed": True}]
    )
    screening = recorded["screening"]
    # The front desk reads the verdict and that no session may be booked yet; the findings
    # (which name her medicine) are the practitioner's (clinics.reading).
    assert (screening["verdict"], screening["findings"]) == ("review", [])
    assert screening["may_book_session"] is False
    assert desk.get(f"{BASE}/patients/{patient_id}/intakes").status_code == 403
    whole = doctor.get(f"{BASE}/screenings/{screening['id']}").json()
    [finding] = [f for f in whole["findings"] if f["code"] == "anticoagulant_therapy"]
    assert finding["sources"] and finding["severity"] == "relative"

    refused = post(desk, f"/screenings/{screening['id']}/sign-off", {"reason": "ok"})
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")

    signed = post(
        doctor,
        f"/screenings/{screening['id']}/sign-off",
        {"reason": "Spoke with her cardiologist; small volumes, pressure afterwards."},
    )
    assert signed.status_code == 200
    assert signed.json()["signed_off_by"] == pedro.email
    assert signed.json()["may_book_session"] is True

    plan = post(
        doctor,
        f"/patients/{patient_id}/plans",
        {
            "indication": "skin_rejuvenation",
            "areas": ["face"],
            "ingredients": ["hyaluronic_acid", "amino_acids"],
            "technique": "manual_needle",
            "schedule_template": "monthly_starter",
            "first_session": at("10:00"),
        },
    )
    assert plan.status_code == 201, plan.json()
    assert [s["number"] for s in plan.json()["sessions"]] == [1, 2, 3]

    # The new plan re-screened the patient; the sign-off was for the screening before it.
    latest = desk.get(f"{BASE}/patients/{patient_id}/screenings").json()[-1]
    if latest["verdict"] == "review" and latest["signed_off_at"] is None:
        post(doctor, f"/screenings/{latest['id']}/sign-off", {"reason": "Plan reviewed."})

    series = post(
        desk,
        f"/plans/{plan.json()['id']}/book-series",
        {"practitioner_id": pedro.pk, "room_id": room.pk, "device_id": needle_kit.pk},
    )
    assert series.status_code == 201, series.json()
    assert [a["status"] for a in series.json()] == ["booked"] * 3

    day = at("10:00")[:10]
    schedule = desk.get(f"{BASE}/appointments", {"day": day}).json()
    assert [a["patient_id"] for a in schedule] == [patient_id]


def test_the_same_slot_twice_is_a_409_conflict(
    clinic: Clinic, desk: Client, pedro: Any, room: Room, at: Callable[..., str]
) -> None:
    first, _ = register(desk, "One")
    second, _ = register(desk, "Two")
    body = {"kind": "consultation", "start": at("11:00"), "practitioner_id": pedro.pk}
    booked = post(desk, "/appointments", {"patient_id": first, "room_id": room.pk, **body})
    clash = post(desk, "/appointments", {"patient_id": second, "room_id": room.pk, **body})
    assert booked.status_code == 201
    assert (clash.status_code, clash.json()["code"]) == (409, "conflict")
    assert "practitioner" in clash.json()["errors"]


def test_an_ineligible_patient_is_refused_a_session_with_the_reason(
    clinic: Clinic, desk: Client, pedro: Any, room: Room, at: Callable[..., str]
) -> None:
    patient_id, recorded = register(desk, "Pregnant", pregnant=True)
    assert recorded["screening"]["verdict"] == "ineligible"
    refused = post(
        desk,
        "/appointments",
        {
            "patient_id": patient_id,
            "kind": "session",
            "start": at("10:00"),
            "practitioner_id": pedro.pk,
            "room_id": room.pk,
        },
    )
    assert refused.status_code == 422
    assert "pregnan" in refused.json()["detail"].lower()


def test_a_session_too_soon_after_a_peel_is_refused_with_the_earliest_safe_start(
    clinic: Clinic, desk: Client, pedro: Any, room: Room, at: Callable[..., str]
) -> None:
    # Yesterday: the 28 days without peels end long after the session two weeks ahead.
    peel_day = (timezone.now().date() - timedelta(days=1)).isoformat()
    patient_id, _ = register(
        desk, "Peel", recent_procedures=[{"name": "glycolic peel", "date": peel_day}]
    )
    refused = post(
        desk,
        "/appointments",
        {
            "patient_id": patient_id,
            "kind": "session",
            "start": at("10:00"),
            "practitioner_id": pedro.pk,
            "room_id": room.pk,
        },
    )
    assert (refused.status_code, refused.json()["code"]) == (422, "washout_not_met")
    assert refused.json()["earliest_start"] > at("10:00")


def test_a_start_without_an_offset_is_invalid_input(
    clinic: Clinic, desk: Client, pedro: Any, room: Room, at: Callable[..., str]
) -> None:
    patient_id, _ = register(desk, "Naive")
    refused = post(
        desk,
        "/appointments",
        {
            "patient_id": patient_id,
            "kind": "consultation",
            "start": at("10:00")[:16],
            "practitioner_id": pedro.pk,
            "room_id": room.pk,
        },
    )
    assert (refused.status_code, refused.json()["code"]) == (422, "invalid")
    assert "start" in refused.json()["errors"]


def test_a_bad_intake_names_the_field(clinic: Clinic, desk: Client) -> None:
    patient = post(desk, "/patients", {"first_name": "Bad", "last_name": "Intake"}).json()
    refused = post(
        desk,
        f"/patients/{patient['id']}/intakes",
        {"answers": intake(conditions=["flu"])},
    )
    assert refused.status_code == 422
    assert "conditions[0]" in refused.json()["errors"]


def test_an_intake_without_fitzpatrick_is_screened_with_the_skin_type_unknown(
    clinic: Clinic, desk: Client
) -> None:
    patient = post(desk, "/patients", {"first_name": "Unsure", "last_name": "Phototype"}).json()
    answers = {k: v for k, v in intake().items() if k != "fitzpatrick"}
    created = post(desk, f"/patients/{patient['id']}/intakes", {"answers": answers})
    assert created.status_code == 201, created.json()
    assert created.json()["screening"]["verdict"] == "eligible"
    # The safety-relevant answers stay required.
    for field in ("birth_date", "sex", "pregnant", "breastfeeding", "conditions", "medications"):
        without = {k: v for k, v in answers.items() if k != field}
        refused = post(desk, f"/patients/{patient['id']}/intakes", {"answers": without})
        assert refused.status_code == 422
        assert field in refused.json()["errors"]


def test_reading_a_patient_leaves_an_access_event(clinic: Clinic, desk: Client, fiona: Any) -> None:
    patient_id, _ = register(desk, "Audit")
    before = AccessEvent.objects.count()
    assert desk.get(f"{BASE}/patients/{patient_id}").status_code == 200
    event = AccessEvent.objects.order_by("-id").first()
    assert AccessEvent.objects.count() == before + 1
    assert event is not None
    assert (event.user, event.patient_id, event.action) == (fiona, patient_id, "read")


# The token with its membership, noting its use (once a minute), the page of patients and
# its access event: the same for 1 or 20 patients.
QUERIES_FOR_THE_PATIENT_LIST = 4


@pytest.mark.parametrize("count", [1, 20])
def test_the_patient_list_takes_the_same_queries_for_1_or_20_patients(
    clinic: Clinic, token: str, django_assert_num_queries: Any, count: int
) -> None:
    from mesodesk.patients.services import register_patient

    staff = clinic.memberships.first().user  # type: ignore[union-attr]
    for n in range(count):
        register_patient(clinic=clinic, by=staff, first_name="P", last_name=f"N{n}")
    client = Client(headers={"Authorization": f"Bearer {token}"})
    with django_assert_num_queries(QUERIES_FOR_THE_PATIENT_LIST):
        assert len(client.get(f"{BASE}/patients").json()) == count


def test_listing_patients_is_recorded_as_a_read(clinic: Clinic, desk: Client, fiona: Any) -> None:
    register(desk, "Listed")
    assert desk.get(f"{BASE}/patients").status_code == 200
    event = AccessEvent.objects.order_by("-id").first()
    assert event is not None
    assert (event.user, event.action, event.path) == (fiona, "read", f"{BASE}/patients")


@pytest.mark.parametrize(
    "path",
    [
        "/slots?start_date=9999-12-30",
        "/slots?start_date=0001-01-01",
        "/appointments?day=9999-12-31",
        "/slots?start_date=2026-01-01&days=5000",
    ],
)
def test_dates_out_of_range_are_invalid_input_not_a_server_error(
    clinic: Clinic, desk: Client, path: str
) -> None:
    response = desk.get(f"{BASE}{path}")
    # Either no slot so far out (an empty list) or a refusal, but an answer in JSON.
    assert response.status_code in {200, 422}
    body = response.json()
    assert body == [] if response.status_code == 200 else body["code"] == "invalid"


def test_the_intake_and_plan_lists_take_a_fixed_number_of_queries(
    clinic: Clinic,
    token: str,
    pedro: Any,
    fiona: Any,
    at: Callable[..., str],
    django_assert_num_queries: Any,
) -> None:
    from datetime import datetime

    from mesodesk.accounts.services import issue_api_token
    from mesodesk.patients.services import record_intake, register_patient
    from mesodesk.planning.services import close_plan, create_plan

    patient = register_patient(clinic=clinic, by=fiona, first_name="Q", last_name="Count")
    for n in range(4):
        record_intake(clinic=clinic, patient=patient, by=fiona, answers=intake(fitzpatrick=n + 1))
    for _ in range(3):
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
        close_plan(clinic=clinic, plan=plan, by=pedro)
    # A practitioner's token: the front desk reads no intakes.
    practitioner_token = issue_api_token(clinic=clinic, user=pedro, name="count")[1]
    client = Client(headers={"Authorization": f"Bearer {practitioner_token}"})
    with django_assert_num_queries(QUERIES_FOR_THE_INTAKE_LIST):
        assert len(client.get(f"{BASE}/patients/{patient.pk}/intakes").json()) == 4
    with django_assert_num_queries(QUERIES_FOR_THE_PLAN_LIST):
        assert len(client.get(f"{BASE}/patients/{patient.pk}/plans").json()) == 3


# Measured once and pinned: they must not grow with the number of versions or plans.
# The patient and its access event are one statement on PostgreSQL, two elsewhere.
QUERIES_FOR_THE_INTAKE_LIST = 5 + read_and_log()
QUERIES_FOR_THE_PLAN_LIST = 4 + read_and_log()  # one: the appointments of the plans' sessions
