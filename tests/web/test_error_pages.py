"""403, 404 and 500 pages in the product's look with a way back; the admin says why it is
closed; a refused request is logged as one line; the favicon."""

from __future__ import annotations

import logging

import pytest
from django.test import Client, RequestFactory
from django.views.defaults import server_error

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.patients.services import register_patient
from tests.accounts.helpers import sign_in_with_mfa

pytestmark = pytest.mark.django_db


def _looks_like_the_product(html: str) -> None:
    assert "/static/web/mesodesk.css" in html
    assert 'class="brand"' in html
    assert 'href="/">Go to the home page</a>' in html


def test_a_missing_page_says_so_with_a_way_back(client: Client) -> None:
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "We cannot find this page" in response.text
    _looks_like_the_product(response.text)


def test_a_refused_page_says_why_and_logs_one_line(
    clinic: Clinic, fiona: User, caplog: pytest.LogCaptureFixture
) -> None:
    patient = register_patient(clinic=clinic, by=fiona, first_name="Ada", last_name="Lang")
    desk = sign_in_with_mfa(Client(), fiona)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = desk.get(f"/staff/lindenhof/patients/{patient.pk}/merge/")
    assert response.status_code == 403
    assert "You cannot open this page" in response.text
    assert "Your role in this clinic does not allow this." in response.text
    assert 'href="/staff/">Your start page</a>' in response.text
    _looks_like_the_product(response.text)
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage().startswith("Forbidden")
    assert record.exc_info is None and not record.exc_text


def test_a_server_error_page_needs_no_request_data(rf: RequestFactory) -> None:
    response = server_error(rf.get("/"))
    assert response.status_code == 500
    text = response.content.decode()
    assert "Something went wrong on our side" in text
    _looks_like_the_product(text)


def test_clinic_staff_opening_the_admin_are_told_why_it_is_closed(fiona: User) -> None:
    response = sign_in_with_mfa(Client(), fiona).get("/admin/", follow=True)
    assert response.status_code == 403
    assert "The administration is for the site's administrators" in response.text
    assert "fiona@lindenhof.test" in response.text
    assert "under <strong>Settings</strong> in the workspace" in response.text


def test_the_favicon_is_where_browsers_look_for_it(client: Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/web/favicon.svg"
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert b"<svg" in b"".join(icon.streaming_content)  # type: ignore[attr-defined]
    icon.close()
