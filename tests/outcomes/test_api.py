"""Outcome scores over the API: the scales, scoring a session, reading a patient's and a
session's scores; roles as on the web, refusals 422 with a code, reads logged."""

from __future__ import annotations

from typing import Any

import pytest

from mesodesk.accounts.models import User
from mesodesk.api.urls import api
from mesodesk.audit.models import AccessEvent
from mesodesk.patients.models import Patient
from mesodesk.scheduling.models import Appointment
from tests.outcomes.conftest import staff

pytestmark = pytest.mark.django_db
C = "/api/v1/clinics/lindenhof"


def test_the_scales_are_listed_with_levels_items_and_sources(fiona: User) -> None:
    response = staff(fiona).get(f"{C}/scales")
    assert response.status_code == 200
    scales = {s["code"]: s for s in response.json()}
    assert set(scales) == {
        "gais", "wsrs", "glogau", "fitzpatrick", "hexsel_css", "norwood", "ludwig",
        "satisfaction",
    }  # fmt: skip
    assert scales["gais"]["against_baseline"] is True
    assert scales["gais"]["raters"] == ["practitioner", "patient", "blinded"]
    assert scales["gais"]["levels"][0]["definition"]
    assert [i["code"] for i in scales["hexsel_css"]["items"]] == ["a", "b", "c", "d", "e"]
    source = scales["wsrs"]["sources"][0]
    assert (source["source"], source["label"]) == ("day2004", "Day et al., Am J Clin Dermatol 2004")


def test_a_practitioner_scores_a_session_and_reads_it_back(
    pedro: User, series: list[Appointment], patient: Patient
) -> None:
    client = staff(pedro)
    url = f"{C}/appointments/{series[2].pk}/scores"
    created = client.post(url, {"scale": "gais", "value": "2", "area": "face"}, "application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["value"], body["label"], body["session_number"]) == ("2", "2 Much improved", 3)
    assert body["baseline_appointment_id"] == series[0].pk
    hexsel = client.post(
        url, {"scale": "hexsel_css", "items": {"a": 1, "b": 1, "c": 1, "d": 1, "e": 1}},
        "application/json",
    )  # fmt: skip
    assert (hexsel.json()["value"], hexsel.json()["band"]) == ("5", "Mild")
    listed = client.get(f"{C}/patients/{patient.pk}/scores")
    assert [s["scale"] for s in listed.json()] == ["gais", "hexsel_css"]
    assert len(client.get(url).json()) == 2
    assert AccessEvent.objects.filter(
        patient=patient, path=f"{C}/patients/{patient.pk}/scores"
    ).exists()
    assert AccessEvent.objects.filter(patient=patient, path=url).exists()


def test_a_score_from_photos_names_them_by_id(
    pedro: User, series: list[Appointment], snap: Any
) -> None:
    photo = snap(kind="before")
    url = f"{C}/appointments/{series[2].pk}/scores"
    body = {"scale": "gais", "value": "2", "method": "photos", "photo_ids": [photo.pk]}
    created = staff(pedro).post(url, body, "application/json")
    assert created.status_code == 201, created.content
    assert created.json()["photo_ids"] == [photo.pk]
    unknown = staff(pedro).post(url, body | {"photo_ids": [photo.pk + 1000]}, "application/json")
    assert (unknown.status_code, unknown.json()["code"]) == (422, "invalid")


def test_a_bad_score_is_422_with_its_code(pedro: User, series: list[Appointment]) -> None:
    url = f"{C}/appointments/{series[2].pk}/scores"
    response = staff(pedro).post(
        url, {"scale": "gais", "value": "4", "time_point": "baseline"}, "application/json"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert "time_point" in response.json()["errors"]
    unknown = staff(pedro).post(url, {"scale": "face_q", "value": "1"}, "application/json")
    assert unknown.status_code == 422


def test_roles_as_on_the_web(
    alice: User, fiona: User, series: list[Appointment], patient: Patient
) -> None:
    url = f"{C}/appointments/{series[2].pk}/scores"
    body = {"scale": "gais", "value": "2"}
    assert staff(alice).post(url, body, "application/json").status_code == 403
    assert staff(alice).get(url).status_code == 200
    desk = staff(fiona)
    assert desk.post(url, body, "application/json").status_code == 403
    assert desk.get(url).status_code == 403
    assert desk.get(f"{C}/patients/{patient.pk}/scores").status_code == 403


def test_the_endpoints_are_in_the_openapi_document() -> None:
    paths = api.get_openapi_schema()["paths"]
    assert "/api/v1/clinics/{clinic}/scales" in paths
    assert {"get", "post"} <= set(
        paths["/api/v1/clinics/{clinic}/appointments/{appointment_id}/scores"]
    )
    assert "/api/v1/clinics/{clinic}/patients/{patient_id}/scores" in paths
