"""The scores pages take the same statements for few or many scores (no N+1)."""

from __future__ import annotations

import pytest

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.outcomes import services
from mesodesk.patients.models import Patient
from mesodesk.scheduling.models import Appointment
from tests.outcomes.conftest import staff
from tests.query_counts import statements

pytestmark = pytest.mark.django_db


def score_series(clinic: Clinic, pedro: User, series: list[Appointment], rounds: int) -> None:
    for _ in range(rounds):
        for appointment in series:
            services.record_score(
                clinic=clinic, appointment=appointment, by=pedro, scale="gais", value="2"
            )
            services.record_score(
                clinic=clinic, appointment=appointment, by=pedro, scale="wsrs", value="3",
                side="left",
            )  # fmt: skip


def counted(pedro: User, series: list[Appointment], patient: Patient) -> tuple[int, int]:
    client = staff(pedro)
    with statements() as progress:
        assert client.get(f"/staff/lindenhof/patients/{patient.pk}/progress/").status_code == 200
    with statements() as session:
        page = client.get(f"/staff/lindenhof/appointments/{series[2].pk}/scores/")
        assert page.status_code == 200
    return len(progress), len(session)


def test_the_progress_and_session_pages_do_not_grow_with_the_scores(
    clinic: Clinic, pedro: User, series: list[Appointment], patient: Patient
) -> None:
    score_series(clinic, pedro, series, 1)
    few = counted(pedro, series, patient)
    score_series(clinic, pedro, series, 3)
    assert counted(pedro, series, patient) == few
