"""Recording outcome scores through the services: practitioners score a session, the
patient rates their own completed sessions once each, mistakes are marked not edited."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.selectors import membership
from mesodesk.outcomes import selectors, services
from mesodesk.outcomes.models import Score
from mesodesk.patients.models import Patient
from mesodesk.photos.services import take_photo
from mesodesk.scheduling.models import Appointment

pytestmark = pytest.mark.django_db


def code_of(error: pytest.ExceptionInfo[ValidationError], field: str) -> str | None:
    return error.value.error_dict[field][0].code


def test_a_practitioner_scores_gais_after_a_session_against_the_first_session(
    clinic: Clinic, pedro: User, series: list[Appointment]
) -> None:
    score = services.record_score(
        clinic=clinic, appointment=series[2], by=pedro, scale="gais", value="2", area="face"
    )
    assert (score.session_number, score.time_point, score.rater) == (3, "session", "practitioner")
    assert score.baseline == series[0]
    assert score.scale_version.startswith("Narins")
    assert score.history.get().history_user == pedro


def test_wsrs_is_stored_per_side_and_hexsel_with_its_items_and_band(
    clinic: Clinic, pedro: User, series: list[Appointment]
) -> None:
    left = services.record_score(
        clinic=clinic, appointment=series[0], by=pedro, scale="wsrs", value="4", side="left",
        time_point="baseline",
    )  # fmt: skip
    assert (left.side, left.time_point, left.session_number) == ("left", "baseline", None)
    hexsel = services.record_score(
        clinic=clinic, appointment=series[1], by=pedro, scale="hexsel_css",
        items={"a": 3, "b": 3, "c": 2, "d": 2, "e": 2},
    )  # fmt: skip
    assert (hexsel.value, hexsel.band, hexsel.items["a"]) == ("12", "Severe", 3)


def test_a_bad_score_is_refused_with_the_field_and_a_code(
    clinic: Clinic, pedro: User, series: list[Appointment]
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.record_score(
            clinic=clinic, appointment=series[2], by=pedro, scale="gais", value="4",
            time_point="baseline",
        )  # fmt: skip
    assert code_of(caught, "time_point") == "invalid"
    with pytest.raises(ValidationError) as caught:
        services.record_score(
            clinic=clinic, appointment=series[2], by=pedro, scale="wsrs", value="3"
        )
    assert code_of(caught, "side") == "invalid"
    with pytest.raises(ValidationError) as caught:
        services.record_score(
            clinic=clinic, appointment=series[2], by=pedro, scale="gais", value="2", area="moon"
        )
    assert code_of(caught, "area") == "invalid"
    assert not Score.objects.exists()


def test_only_a_practitioner_records_and_never_as_the_patient(
    clinic: Clinic, alice: User, fiona: User, pedro: User, series: list[Appointment]
) -> None:
    for user in (alice, fiona):
        with pytest.raises(ValidationError) as caught:
            services.record_score(
                clinic=clinic, appointment=series[2], by=user, scale="gais", value="2"
            )
        assert code_of(caught, "by") == "permission_denied"
    with pytest.raises(ValidationError) as caught:
        services.record_score(
            clinic=clinic, appointment=series[2], by=pedro, scale="gais", value="2",
            rater="patient",
        )  # fmt: skip
    assert code_of(caught, "rater") == "invalid"


def test_a_session_not_yet_started_takes_no_score(
    clinic: Clinic, pedro: User, series: list[Appointment]
) -> None:
    Appointment.objects.filter(pk=series[2].pk).update(started_at=None, arrived_at=None)
    with pytest.raises(ValidationError) as caught:
        services.record_score(
            clinic=clinic, appointment=series[2], by=pedro, scale="gais", value="2"
        )
    assert code_of(caught, "appointment") == "not_started"


def test_the_patient_rates_a_completed_session_once(
    clinic: Clinic, portal_patient: Patient, series: list[Appointment]
) -> None:
    user = portal_patient.portal_user
    assert user is not None
    assert selectors.sessions_to_rate(clinic, portal_patient) == [series[1], series[0]]
    gais, satisfaction = services.rate_session(
        clinic=clinic, patient=portal_patient, appointment=series[1], by=user, gais="3",
        satisfaction="8",
    )  # fmt: skip
    assert (gais.rater, gais.value, gais.session_number, gais.baseline) == (
        "patient", "3", 2, series[0],
    )  # fmt: skip
    assert satisfaction.value == "8"
    with pytest.raises(ValidationError) as caught:
        services.rate_session(
            clinic=clinic, patient=portal_patient, appointment=series[1], by=user, gais="2",
            satisfaction="9",
        )  # fmt: skip
    assert code_of(caught, "appointment") == "already_rated"
    # A later rating is a rating of another session: a new entry.
    services.rate_session(
        clinic=clinic, patient=portal_patient, appointment=series[0], by=user, gais="4",
        satisfaction="6",
    )  # fmt: skip
    assert Score.objects.filter(rater="patient").count() == 4
    assert selectors.sessions_to_rate(clinic, portal_patient) == []


def test_the_patient_rates_neither_a_session_in_treatment_nor_anothers(
    clinic: Clinic, portal_patient: Patient, series: list[Appointment], fiona: User
) -> None:
    user = portal_patient.portal_user
    assert user is not None
    with pytest.raises(ValidationError) as caught:
        services.rate_session(
            clinic=clinic, patient=portal_patient, appointment=series[2], by=user, gais="3",
            satisfaction="8",
        )  # fmt: skip
    assert code_of(caught, "appointment") == "not_completed"
    with pytest.raises(Appointment.DoesNotExist):
        services.rate_session(
            clinic=clinic, patient=portal_patient, appointment=series[1], by=fiona, gais="3",
            satisfaction="8",
        )  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        services.rate_session(
            clinic=clinic, patient=portal_patient, appointment=series[1], by=user, gais="0",
            satisfaction="8",
        )  # fmt: skip
    assert code_of(caught, "gais") == "invalid"


def test_a_mistake_is_marked_entered_in_error_with_a_reason_and_leaves_the_chart(
    clinic: Clinic, pedro: User, series: list[Appointment]
) -> None:
    score = services.record_score(
        clinic=clinic, appointment=series[2], by=pedro, scale="gais", value="2"
    )
    with pytest.raises(ValidationError) as caught:
        services.mark_entered_in_error(clinic=clinic, score=score, by=pedro, reason=" ")
    assert code_of(caught, "reason") == "required"
    marked = services.mark_entered_in_error(
        clinic=clinic, score=score, by=pedro, reason="Wrong patient's photos"
    )
    assert marked.entered_in_error_by == pedro
    assert marked.history.count() == 2
    assert selectors.progress_charts([marked]) == []


def test_front_desk_reads_no_scores(
    clinic: Clinic, fiona: User, alice: User, pedro: User, series: list[Appointment]
) -> None:
    services.record_score(clinic=clinic, appointment=series[2], by=pedro, scale="gais", value="2")
    front_desk = membership(clinic, fiona)
    assert front_desk is not None
    with pytest.raises(PermissionDenied):
        selectors.scores_of_appointment(clinic, series[2], member=front_desk)
    admin = membership(clinic, alice)
    assert admin is not None
    assert len(selectors.scores_of_appointment(clinic, series[2], member=admin)) == 1


def test_the_progress_chart_has_a_line_per_rater_and_the_figures_of_its_table(
    clinic: Clinic, pedro: User, portal_patient: Patient, series: list[Appointment]
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
    charts = selectors.progress_charts(Score.objects.all())
    assert [c.scale.code for c in charts] == ["gais", "satisfaction"]
    gais = charts[0].chart
    assert gais.columns == ("Session 1", "Session 2", "Session 3")
    assert gais.rows == [("Practitioner", ("4", "3", "2")), ("Patient", ("", "3", ""))]
    assert 'role="img"' in gais.svg


def test_a_score_from_photos_names_the_patient_s_photos_it_was_read_from(
    clinic: Clinic, pedro: User, fiona: User, series: list[Appointment], snap: Any
) -> None:
    from tests.photos.files import png
    from tests.photos.fixtures import give_photo_consent

    before, after = snap(kind="before"), snap(kind="after")
    score = services.record_score(
        clinic=clinic,
        appointment=series[2],
        by=pedro,
        scale="gais",
        value="2",
        method="photos",
        photos_read=[before, after],
    )
    assert set(score.photos_read.all()) == {before, after}
    with pytest.raises(ValidationError) as none_read:
        services.record_score(
            clinic=clinic, appointment=series[2], by=pedro, scale="gais", value="2", method="photos"
        )
    assert code_of(none_read, "photos_read") == "required"
    with pytest.raises(ValidationError) as live:
        services.record_score(
            clinic=clinic,
            appointment=series[2],
            by=pedro,
            scale="gais",
            value="2",
            photos_read=[before],
        )
    assert code_of(live, "photos_read") == "invalid"
    other = Patient.objects.create(clinic=clinic, first_name="Other", last_name="Patient")
    give_photo_consent(other, pedro)
    theirs = take_photo(
        clinic=clinic,
        patient=other,
        by=pedro,
        data=png(),
        area="face",
        view="frontal",
        kind="before",
    )
    with pytest.raises(ValidationError) as not_hers:
        services.record_score(
            clinic=clinic,
            appointment=series[2],
            by=pedro,
            scale="gais",
            value="2",
            method="photos",
            photos_read=[theirs],
        )
    assert code_of(not_hers, "photos_read") == "invalid"
