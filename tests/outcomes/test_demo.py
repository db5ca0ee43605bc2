"""The demo's scores over Anna's series: the practitioner's and Anna's GAIS, WSRS from a
baseline, her satisfaction, each improving, so her progress chart shows a trend."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from mesodesk.outcomes.models import Score
from mesodesk.outcomes.selectors import progress_charts
from mesodesk.web import demo

pytestmark = pytest.mark.django_db


def test_annas_progress_chart_shows_a_trend() -> None:
    call_command("demo", "--no-serve", stdout=io.StringIO())
    scores = Score.objects.filter(patient__first_name="Anna")
    charts = {p.scale.code: p.chart for p in progress_charts(scores)}
    assert list(charts) == ["gais", "wsrs", "glogau", "satisfaction"]
    # The sessions of her series that have passed (three in the demo's calendar).
    assert charts["gais"].columns == ("Session 1", "Session 2", "Session 3")
    assert charts["gais"].rows == [
        ("Practitioner", ("3", "2", "2")),
        ("Patient", ("3", "3", "2")),
    ]
    assert charts["wsrs"].columns == ("Baseline", "Session 1", "Session 2", "Session 3")
    assert charts["wsrs"].rows == [
        ("Practitioner, left", ("4", "3", "3", "2")),
        ("Practitioner, right", ("4", "4", "3", "3")),
    ]
    assert charts["satisfaction"].rows == [("Patient", ("6", "7", "8"))]
    assert {s.plan_id for s in scores} == {scores[0].appointment.planned_session.plan_id}
    anna = scores.first()
    assert anna is not None and anna.patient.portal_user is not None
    # The README's login for her portal works.
    assert anna.patient.portal_user.email == "anna@patients.demo.mesodesk.test"
    assert anna.patient.portal_user.check_password(demo.DEMO_PASSWORD)
