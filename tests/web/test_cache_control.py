"""Every response with patient data says `Cache-Control: private, no-store` (a middleware
adds it to every response but static files): walked over every page and API answer."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from tests.patient_pages import (
    API_READS,
    NO_PATIENT_DATA,
    PATIENT_OWN,
    POST_ONLY,
    READS_TESTED_ELSEWHERE,
    STAFF_READS,
    World,
    build_world,
    route_names,
)


@pytest.fixture
def world(clinic: Clinic, fiona: User, pedro: User) -> World:
    return build_world(clinic, fiona, pedro)


def uncacheable(response: object) -> bool:
    directives = {d.strip() for d in response["Cache-Control"].split(",")}  # type: ignore[index]
    return {"private", "no-store"} <= directives


def test_every_route_is_sorted_by_whether_it_shows_patient_data() -> None:
    sorted_ = (
        STAFF_READS | API_READS | PATIENT_OWN | NO_PATIENT_DATA | POST_ONLY | READS_TESTED_ELSEWHERE
    )
    assert route_names() - sorted_ == set(), "sort the new route in tests/patient_pages.py"
    assert sorted_ - route_names() == set()


def test_staff_pages_and_api_answers_with_patient_data_are_not_cached(world: World) -> None:
    walked = {**world.staff_urls(), **world.api_urls()}
    assert {name.split(" ")[0] for name in walked} == STAFF_READS | API_READS
    for name, (url, _) in walked.items():
        client = world.api_doctor if name.startswith("api-v1:") else world.doctor
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        assert uncacheable(response), (name, response.get("Cache-Control"))


def test_the_patients_own_pages_are_not_cached(world: World) -> None:
    assert set(world.patient_urls()) == PATIENT_OWN
    for name, url in world.patient_urls().items():
        response = world.portal.get(url)
        assert response.status_code == 200, (name, response.status_code)
        assert uncacheable(response), (name, response.get("Cache-Control"))


def test_refusals_and_redirects_are_not_cached_either(world: World, client: Client) -> None:
    patient = f"/staff/lindenhof/patients/{world.patient.pk}/"
    assert uncacheable(client.get(patient))  # signed out: to the sign-in page
    assert uncacheable(world.doctor.get("/staff/lindenhof/patients/999999/"))  # 404
    assert uncacheable(client.get(f"/api/v1/clinics/lindenhof/patients/{world.patient.pk}"))


def test_an_admin_page_of_a_patient_is_not_cached(world: World, admin_client: Client) -> None:
    response = admin_client.get(f"/admin/patients/patient/{world.patient.pk}/change/")
    assert response.status_code == 200
    assert uncacheable(response)


def test_static_files_keep_their_own_caching(client: Client, db: None) -> None:
    assert finders.find("web/mesodesk.css") is not None
    response = client.get("/static/web/mesodesk.css")
    response.close()  # WhiteNoise streams the file: let it go
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
