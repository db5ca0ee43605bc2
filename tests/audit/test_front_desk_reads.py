"""DESIGN 11 and issue 14, finding 1: the front desk reads who a patient is, how to reach
them, their appointments, the verdict and whether a session may be booked, and nothing
clinical. Every page and API answer that shows patient data is walked as front desk, over
a patient whose record holds something of every clinical kind, each a word that appears
nowhere else; none of those words may appear."""

from __future__ import annotations

import pytest

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.patients.services import record_intake
from mesodesk.safety.models import SideEffectReport
from tests.api.conftest import intake
from tests.patient_pages import API_READS, STAFF_READS, World, build_world

# Each a clinical fact of the patient: a medicine, an allergy, a condition, what the
# patient wrote about a side effect, the plan's cocktail, and the findings they cause.
CLINICAL = (
    "Xarelto",  # a medicine (an anticoagulant: a finding, and a review verdict)
    "rivaroxaban",
    "Xylocaine",  # an allergy
    "lidocaine",
    "keloid",  # a condition
    "itchy bumps near the left ear",  # a side-effect report's own words
    "Hyaluronic",  # the plan's cocktail
    "hyaluronic",
    "Skin rejuvenation",  # what the plan treats
    "Anticoagulant",
    "anticoagulant",
)


@pytest.fixture
def world(clinic: Clinic, fiona: User, pedro: User) -> World:
    world = build_world(clinic, fiona, pedro)
    record_intake(
        clinic=clinic,
        patient=world.patient,
        by=pedro,
        answers=intake(
            medications=[{"name": "Xarelto", "prescribed": True}],
            allergies=["Xylocaine"],
            conditions=["keloid_tendency"],
        ),
    )
    SideEffectReport.objects.filter(pk=world.report.pk).update(
        details="itchy bumps near the left ear"
    )
    return world


def _leaks(body: str) -> list[str]:
    return [word for word in CLINICAL if word in body]


def test_the_doctor_sees_what_the_walk_looks_for(world: World) -> None:
    """The walk's words are on the practitioner's chart: the test can see a leak."""
    c, p = "/staff/lindenhof", world.patient.pk
    chart = world.doctor.get(f"{c}/patients/{p}/").text
    assert {"Xarelto", "Xylocaine", "itchy bumps near the left ear"} <= set(_leaks(chart))


def test_front_desk_reads_no_clinical_field_on_any_page(world: World) -> None:
    pages = world.staff_urls()
    assert {name.split(" ")[0] for name in pages} == STAFF_READS
    found = {}
    for name, (url, _) in pages.items():
        answer = world.desk.get(url)
        assert answer.status_code in (200, 403), (name, answer.status_code)
        if leaks := _leaks(answer.content.decode()):
            found[name] = leaks
    assert found == {}


def test_front_desk_reads_no_clinical_field_over_the_api(world: World) -> None:
    """The walk's API token is the front desk's (fiona's)."""
    answers = world.api_urls()
    assert set(answers) == API_READS
    found = {}
    for name, (url, _) in answers.items():
        answer = world.api.get(url)
        assert answer.status_code in (200, 403), (name, answer.status_code)
        if leaks := _leaks(answer.content.decode()):
            found[name] = leaks
    assert found == {}


def test_the_front_desk_still_sees_the_verdict_and_whether_a_session_may_be_booked(
    world: World,
) -> None:
    chart = world.desk.get(f"/staff/lindenhof/patients/{world.patient.pk}/").text
    assert "Needs sign-off" in chart
    assert "No treatment session can be booked: needs a practitioner&#x27;s sign-off" in chart
    assert "The findings behind the verdict are for practitioners and admins." in chart


def test_a_message_s_text_is_for_practitioners_and_admins(world: World) -> None:
    """A reminder's text may name the preparation (a supplement to pause): the front desk
    sees when and how it goes out, not what it says."""
    url = f"/reminders/lindenhof/outbox/?show={world.reminder.pk}"
    assert '<pre class="message">' in world.doctor.get(url).text
    desk = world.desk.get(url).text
    assert '<pre class="message">' not in desk and "The text is for practitioners" in desk
