"""The staff pages of outcome scores (a session's scores, the progress chart) and the
patient's ratings in the portal: roles, outsiders, read logging, the SVG and its table."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.test import Client

from mesodesk.accounts.models import User
from mesodesk.audit.models import AccessEvent
from mesodesk.clinics.models import Clinic
from mesodesk.outcomes import services
from mesodesk.outcomes.models import Score
from mesodesk.patients.models import Patient
from mesodesk.scheduling.models import Appointment
from tests.outcomes.conftest import staff

pytestmark = pytest.mark.django_db
C = "/staff/lindenhof"


def scores_url(appointment: Appointment) -> str:
    return f"{C}/appointments/{appointment.pk}/scores/"


def progress_url(patient: Patient) -> str:
    return f"{C}/patients/{patient.pk}/progress/"


def gais(**extra: str) -> dict[str, str]:
    return {
        "scale": "gais", "value": "2", "rater": "practitioner", "method": "live",
        "time_point": "session", "area": "face", **extra,
    }  # fmt: skip


def test_a_practitioner_scores_gais_on_a_session(
    pedro: User, series: list[Appointment], patient: Patient
) -> None:
    client = staff(pedro)
    page = client.get(scores_url(series[2]))
    assert page.status_code == 200
    assert b"2 \xe2\x80\x94 Much improved" in page.content  # the levels with their words
    assert b'value="baseline"' not in page.content  # GAIS never at the baseline
    response = client.post(scores_url(series[2]), gais())
    assert response.status_code == 302
    score = Score.objects.get()
    assert (score.value, score.session_number, score.area, score.rated_by) == (
        "2",
        3,
        "face",
        pedro,
    )
    shown = client.get(response["Location"]).content.decode()
    assert "Much improved" in shown and "After session 3" in shown
    assert AccessEvent.objects.filter(patient=patient, path=scores_url(series[2])).exists()


def test_wsrs_takes_both_sides_in_one_form(
    pedro: User, series: list[Appointment], snap: Any
) -> None:
    photo = snap(kind="before")
    data = {
        "scale": "wsrs", "left": "4", "right": "3", "rater": "practitioner",
        "method": "photos", "time_point": "baseline", "note": "Frontal and 45° photos",
        "photos_read": [photo.pk],
    }  # fmt: skip
    assert staff(pedro).post(scores_url(series[0]), data).status_code == 302
    assert sorted(Score.objects.values_list("side", "value", "method")) == [
        ("left", "4", "photos"), ("right", "3", "photos"),
    ]  # fmt: skip


def test_a_refused_score_is_shown_again_with_its_message(
    pedro: User, series: list[Appointment]
) -> None:
    response = staff(pedro).post(scores_url(series[2]), gais(time_point="follow_up"))
    assert response.status_code == 422
    assert "weeks after the last session" in response.content.decode()
    assert not Score.objects.exists()


def test_hexsel_is_scored_item_by_item(pedro: User, series: list[Appointment]) -> None:
    data = {
        "scale": "hexsel_css",
        "rater": "practitioner",
        "method": "live",
        "time_point": "session",
    }
    data |= {f"item_{k}": "2" for k in "abcde"}
    assert staff(pedro).post(scores_url(series[1]), data).status_code == 302
    score = Score.objects.get()
    assert (score.value, score.band) == ("10", "Moderate")


def test_admins_read_scores_front_desk_sees_none(
    alice: User, fiona: User, pedro: User, clinic: Clinic, series: list[Appointment],
    patient: Patient,
) -> None:  # fmt: skip
    services.record_score(clinic=clinic, appointment=series[2], by=pedro, scale="gais", value="2")
    admin = staff(alice)
    page = admin.get(scores_url(series[2]))
    assert page.status_code == 200 and b"Save the score" not in page.content
    assert admin.post(scores_url(series[2]), gais()).status_code == 403
    assert admin.get(progress_url(patient)).status_code == 200
    desk = staff(fiona)
    for url in (scores_url(series[2]), progress_url(patient)):
        response = desk.get(url)
        assert response.status_code == 403, url
        assert b"Much improved" not in response.content
    assert desk.post(scores_url(series[2]), gais()).status_code == 403
    # The chart of a front desk member shows no link to scores.
    assert b"/progress/" not in desk.get(f"{C}/patients/{patient.pk}/").content


def test_an_outsider_gets_404_for_every_scores_url(
    outsider: Client, pedro: User, clinic: Clinic, series: list[Appointment], patient: Patient
) -> None:
    score = services.record_score(
        clinic=clinic, appointment=series[2], by=pedro, scale="gais", value="2"
    )
    error = f"{scores_url(series[2])}{score.pk}/error/"
    for url in (scores_url(series[2]), progress_url(patient)):
        assert outsider.get(url).status_code == 404, url
    for url in (scores_url(series[2]), error):
        assert outsider.post(url, {**gais(), "reason": "x"}).status_code == 404, url
    for slug in ("harbour",):
        assert outsider.get(f"/staff/{slug}/appointments/{series[2].pk}/scores/").status_code == 404
    assert Score.objects.get().entered_in_error_at is None


def test_a_score_is_marked_entered_in_error_from_the_page(
    pedro: User, clinic: Clinic, series: list[Appointment]
) -> None:
    score = services.record_score(
        clinic=clinic, appointment=series[2], by=pedro, scale="gais", value="2"
    )
    url = f"{scores_url(series[2])}{score.pk}/error/"
    response = staff(pedro).post(url, {"reason": "Rated the wrong area"})
    assert response.status_code == 302
    score.refresh_from_db()
    assert score.entered_in_error_reason == "Rated the wrong area"


def svg_and_table(html: str, scale: str) -> tuple[ET.Element, list[list[str]]]:
    svg = re.search(rf'<svg[^>]*aria-labelledby="[^"]*-{scale}-title.*?</svg>', html, re.S)
    assert svg is not None
    table = re.search(
        rf'<table class="progress-table" id="[^"]*-{scale}-table">.*?</table>', html, re.S
    )
    assert table is not None
    rows = [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", table.group(0), re.S)
    ]
    return ET.fromstring(svg.group(0)), rows  # noqa: S314 - our own page


def test_the_progress_chart_is_an_accessible_svg_whose_table_holds_its_figures(
    pedro: User, clinic: Clinic, series: list[Appointment], portal_patient: Patient
) -> None:
    for appointment, value in zip(series, ("4", "3", "2"), strict=True):
        services.record_score(
            clinic=clinic, appointment=appointment, by=pedro, scale="gais", value=value
        )
    user = portal_patient.portal_user
    assert user is not None
    services.rate_session(
        clinic=clinic, patient=portal_patient, appointment=series[1], by=user, gais="3",
        satisfaction="7",
    )  # fmt: skip
    response = staff(pedro).get(progress_url(portal_patient))
    assert response.status_code == 200
    html = response.content.decode()
    svg, rows = svg_and_table(html, "gais")
    assert svg.get("role") == "img"
    ns = "{http://www.w3.org/2000/svg}"
    assert svg.find(f"{ns}title") is not None and svg.find(f"{ns}desc") is not None
    assert rows == [
        ["Rated by", "Session 1", "Session 2", "Session 3"],
        ["Practitioner", "4", "3", "2"],
        ["Patient", "—", "3", "—"],
    ]
    drawn: dict[str, list[str]] = {}
    for element in svg.iter():
        if element.get("data-line"):
            drawn.setdefault(element.get("data-line") or "", []).append(
                element.get("data-value") or ""
            )
    assert drawn == {row[0]: [f for f in row[1:] if f != "—"] for row in rows[1:]}
    assert AccessEvent.objects.filter(
        patient=portal_patient, path=progress_url(portal_patient)
    ).exists()


def test_the_record_page_links_to_the_session_s_scores(
    pedro: User, clinic: Clinic, series: list[Appointment]
) -> None:
    from mesodesk.charting.services import open_record

    record = open_record(clinic=clinic, appointment=series[2], by=pedro)
    page = staff(pedro).get(f"{C}/records/{record.pk}/")
    assert scores_url(series[2]).encode() in page.content


# --- the portal --------------------------------------------------------------------------

P = "/portal/lindenhof"


def test_the_patient_is_prompted_and_rates_a_completed_session_once(
    patient_client: Client, series: list[Appointment], portal_patient: Patient
) -> None:
    home = patient_client.get(f"{P}/").content.decode()
    assert f"{P}/sessions/{series[1].pk}/rate/" in home
    url = f"{P}/sessions/{series[1].pk}/rate/"
    form = patient_client.get(url)
    assert form.status_code == 200 and b"Send my rating" in form.content
    response = patient_client.post(url, {"gais": "2", "satisfaction": "9"})
    assert response.status_code == 302
    assert sorted(Score.objects.values_list("scale", "value", "rater")) == [
        ("gais", "2", "patient"), ("satisfaction", "9", "patient"),
    ]  # fmt: skip
    again = patient_client.get(url)
    assert b"You rated this session already" in again.content
    assert b"Send my rating" not in again.content
    assert patient_client.post(url, {"gais": "1", "satisfaction": "10"}).status_code == 422
    assert Score.objects.count() == 2
    # A later session is rated as a new entry.
    later = f"{P}/sessions/{series[0].pk}/rate/"
    assert patient_client.post(later, {"gais": "3", "satisfaction": "7"}).status_code == 302
    assert Score.objects.count() == 4


def test_the_patient_cannot_rate_a_session_not_completed_or_someone_elses(
    patient_client: Client, series: list[Appointment], clinic: Clinic, pedro: User, fiona: User
) -> None:
    page = patient_client.get(f"{P}/sessions/{series[2].pk}/rate/")
    assert b"once it has taken place" in page.content
    assert (
        patient_client.post(
            f"{P}/sessions/{series[2].pk}/rate/", {"gais": "2", "satisfaction": "9"}
        ).status_code
        == 422
    )
    from tests.charting.fixtures import session
    from tests.scheduling.conftest import make_patient

    other = make_patient(clinic, fiona, "Other")
    theirs = session(clinic, other, pedro, series[0].room, status="completed")
    assert patient_client.get(f"{P}/sessions/{theirs.pk}/rate/").status_code == 404
    assert (
        patient_client.post(
            f"{P}/sessions/{theirs.pk}/rate/", {"gais": "2", "satisfaction": "9"}
        ).status_code
        == 404
    )
    assert not Score.objects.exists()


def test_staff_are_not_patients_in_the_portal(pedro: User, series: list[Appointment]) -> None:
    assert staff(pedro).get(f"{P}/ratings/").status_code == 403


def test_a_practitioner_scores_from_photos_ticking_those_read(
    pedro: User, series: list[Appointment], snap: Any
) -> None:
    before = snap(kind="before")
    client = staff(pedro)
    url = f"/staff/lindenhof/appointments/{series[2].pk}/scores/?scale=gais"
    form = client.get(url).text
    assert "Photos read" in form and f'value="{before.pk}"' in form
    posted = client.post(
        url,
        {
            "scale": "gais",
            "value": "2",
            "rater": "practitioner",
            "method": "photos",
            "time_point": "session",
            "photos_read": [before.pk],
        },
    )
    assert posted.status_code == 302, posted.content.decode()[-2000:]
    score = Score.objects.get(appointment=series[2])
    assert list(score.photos_read.all()) == [before]
    assert "1 photo read" in client.get(url).text
