"""Booking, rescheduling, cancelling and booking a series, with every refusal and its reason."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.accounts.services import create_user
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic, Device, Room
from mesodesk.clinics.services import (
    add_closure,
    add_device,
    add_member,
    add_working_hours,
    set_active,
)
from mesodesk.patients.models import IntakeVersion, Patient, ScreeningResult
from mesodesk.patients.selectors import current_screening
from mesodesk.patients.services import register_patient, sign_off_screening
from mesodesk.planning.models import TreatmentPlan
from mesodesk.planning.services import close_plan, create_plan
from mesodesk.protocols.models import ProtocolVersion
from mesodesk.protocols.services import set_clinic_override
from mesodesk.scheduling.choices import AppointmentKind, AppointmentStatus
from mesodesk.scheduling.errors import BookingConflict, WashoutNotMet
from mesodesk.scheduling.models import Appointment
from mesodesk.scheduling.selectors import find_slots
from mesodesk.scheduling.services import (
    book_series,
    cancel_appointment,
    reschedule_appointment,
)
from tests.scheduling.conftest import BERLIN, intake, make_patient

At = Callable[..., datetime]


def refusal(call: Callable[[], object]) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def meso_gun_plan(clinic: Clinic, patient: Patient, by: User, first: datetime) -> TreatmentPlan:
    return create_plan(
        clinic=clinic,
        patient=patient,
        by=by,
        indication="skin_rejuvenation",
        areas=["face"],
        ingredients=["hyaluronic_acid", "amino_acids"],
        technique="meso_gun",
        schedule_template="monthly_starter",
        first_session=first,
    )


def test_it_books_a_session_for_the_numbing_time_and_the_procedure(
    book: Callable[..., Appointment], eligible: Patient, fiona: User, at: At
) -> None:
    appointment = book(eligible, at("10:00"))
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    assert appointment.start == at("10:00")
    assert appointment.end - appointment.start == timedelta(minutes=50)
    assert appointment.start.utcoffset() == timedelta(0)
    assert appointment.history.get().history_user == fiona


def test_consultations_and_follow_ups_have_their_own_lengths(
    book: Callable[..., Appointment], pregnant: Patient, at: At
) -> None:
    # Not a treatment: an ineligible patient may still come to talk.
    consultation = book(pregnant, at("10:00"), kind=AppointmentKind.CONSULTATION)
    follow_up = book(pregnant, at("11:00"), kind="follow_up")
    assert consultation.end - consultation.start == timedelta(minutes=30)
    assert follow_up.end - follow_up.start == timedelta(minutes=15)


def test_it_refuses_to_book_an_ineligible_patient(
    book: Callable[..., Appointment], pregnant: Patient, at: At
) -> None:
    errors = refusal(lambda: book(pregnant, at("10:00")))
    assert errors["patient"] == ["No session can be booked: not suitable: pregnancy (absolute)."]


def test_it_refuses_a_review_verdict_until_a_practitioner_signs_it_off(
    clinic: Clinic, book: Callable[..., Appointment], on_warfarin: Patient, pedro: User, at: At
) -> None:
    errors = refusal(lambda: book(on_warfarin, at("10:00")))
    assert errors["patient"] == ["No session can be booked: needs a practitioner's sign-off."]
    screening = current_screening(clinic, on_warfarin)
    assert screening is not None
    sign_off_screening(
        clinic=clinic, screening=screening, by=pedro, reason="INR stable; prescriber agrees."
    )
    assert book(on_warfarin, at("10:00")).status == AppointmentStatus.BOOKED


def test_it_refuses_a_session_before_a_washout_ends_and_names_the_earliest_safe_start(
    clinic: Clinic, book: Callable[..., Appointment], fiona: User, at: At
) -> None:
    # A week too soon: the session a week later at 10:00 is the earliest safe one.
    peel = at("10:00").date() - timedelta(days=22)
    patient = make_patient(
        clinic, fiona, "Peeled", recent_procedures=[{"name": "glycolic peel", "date": str(peel)}]
    )
    with pytest.raises(WashoutNotMet) as caught:
        book(patient, at("10:00"))
    # Four weeks clear of the peel, whose own day counts as exposure, at the same wall time.
    earliest = datetime.combine(peel + timedelta(days=29), time(10), BERLIN)
    assert earliest == at("10:00", days=7)
    assert caught.value.earliest_start == earliest
    assert caught.value.items == ("avoid_aha_peels",)
    message = caught.value.message_dict["start"][0]
    assert "no chemical peels or AHA products on the area (glycolic peel)" in message
    assert earliest.strftime("%a %-d %b %Y 10:00") in message
    assert book(patient, earliest).start == earliest


def test_it_refuses_a_session_booked_too_late_to_stop_an_over_the_counter_painkiller(
    clinic: Clinic, book: Callable[..., Appointment], fiona: User
) -> None:
    patient = make_patient(
        clinic, fiona, "Advil", medications=[{"name": "Advil 200 mg", "prescribed": False}]
    )
    soon = (timezone.now() + timedelta(days=2)).astimezone(BERLIN).date()
    while soon.weekday() > 4:  # a weekday, when Lindenhof is open all day
        soon += timedelta(days=1)
    with pytest.raises(WashoutNotMet) as caught:
        book(patient, datetime.combine(soon, time(15), BERLIN))
    message = caught.value.message_dict["start"][0]
    assert "no over-the-counter aspirin or anti-inflammatories (Advil 200 mg)" in message
    assert caught.value.earliest_start > datetime.combine(soon, time(15), BERLIN)


def test_it_refuses_times_outside_opening_hours(
    book: Callable[..., Appointment], eligible: Patient, at: At
) -> None:
    late = refusal(lambda: book(eligible, at("17:30")))
    sunday = refusal(lambda: book(eligible, at("10:00", days=6)))
    assert late["start"] == [
        f"{at('17:30'):%a %-d %b %Y} 17:30–18:20 is outside opening hours (Monday: 09:00–18:00)."
    ]
    assert sunday["start"][0].endswith("is outside opening hours (Sunday: closed).")


def test_it_refuses_a_closure_day(
    clinic: Clinic, book: Callable[..., Appointment], eligible: Patient, at: At
) -> None:
    add_closure(clinic=clinic, date=at("10:00").date(), reason="Staff training")
    errors = refusal(lambda: book(eligible, at("10:00")))
    assert errors["start"] == [f"The clinic is closed on Monday {at('10:00'):%-d %b %Y}."]


def test_it_refuses_a_time_the_practitioner_does_not_work(
    clinic: Clinic, book: Callable[..., Appointment], eligible: Patient, pedro: User, at: At
) -> None:
    add_working_hours(clinic=clinic, practitioner=pedro, weekday=0, start=time(13), end=time(17))
    errors = refusal(lambda: book(eligible, at("10:00")))
    assert errors["practitioner"] == ["Pedro does not work then (Monday: 13:00–17:00)."]
    assert book(eligible, at("13:00")).practitioner == pedro


def test_it_refuses_another_clinics_room_and_device_and_staff_who_are_not_practitioners(
    clinic: Clinic,
    other_clinic: Clinic,
    book: Callable[..., Appointment],
    eligible: Patient,
    fiona: User,
    harbour_room: Room,
    at: At,
) -> None:
    harbour_gun = add_device(clinic=other_clinic, name="Gun H", device_type="meso_gun")
    errors = refusal(
        lambda: book(
            eligible, at("10:00"), practitioner=fiona, room=harbour_room, device=harbour_gun
        )
    )
    assert errors == {
        "practitioner": ["Fiona is not a practitioner of this clinic."],
        "room": ["The room is not one of this clinic's rooms."],
        "device": ["The device is not one of this clinic's devices."],
    }


def test_it_refuses_a_booking_by_someone_who_is_not_staff_of_the_clinic(
    clinic: Clinic,
    other_clinic: Clinic,
    book: Callable[..., Appointment],
    eligible: Patient,
    at: At,
) -> None:
    outsider = create_user(email="hugo@harbour.test", password="correct horse battery")
    add_member(clinic=other_clinic, user=outsider, role=Role.FRONT_DESK)
    errors = refusal(lambda: book(eligible, at("10:00"), by=outsider))
    assert errors == {"by": ["Only the clinic's staff or the patient can book."]}


def test_it_refuses_a_room_out_of_use(
    clinic: Clinic, book: Callable[..., Appointment], eligible: Patient, room: Room, at: At
) -> None:
    set_active(clinic=clinic, resource=room, active=False)
    assert refusal(lambda: book(eligible, at("10:00")))["room"] == ["Room 1 is out of use."]


def test_it_refuses_the_past_and_times_without_a_zone(
    book: Callable[..., Appointment], eligible: Patient, at: At
) -> None:
    past = refusal(lambda: book(eligible, timezone.now() - timedelta(hours=1)))
    naive = refusal(lambda: book(eligible, at("10:00").replace(tzinfo=None)))
    assert past["start"] == ["The start is in the past."]
    assert naive["start"] == ["Give the start with its time zone."]


def test_it_refuses_a_session_without_the_device_its_plan_needs(
    clinic: Clinic,
    book: Callable[..., Appointment],
    eligible: Patient,
    pedro: User,
    meso_gun: Device,
    at: At,
) -> None:
    meso_gun_plan(clinic, eligible, pedro, at("10:00"))
    rf = add_device(clinic=clinic, name="RF 1", device_type="rf_facial")
    missing = refusal(lambda: book(eligible, at("10:00")))
    wrong = refusal(lambda: book(eligible, at("10:00"), device=rf))
    assert missing["device"] == ["This plan's technique needs a device: meso gun (injector gun)."]
    assert wrong["device"] == ["RF 1 is not a meso gun (injector gun), which this plan needs."]
    assert book(eligible, at("10:00"), device=meso_gun).device == meso_gun


def test_it_refuses_a_device_already_booked_then(
    book: Callable[..., Appointment],
    eligible: Patient,
    petra: User,
    room_2: Room,
    meso_gun: Device,
    at: At,
) -> None:
    book(eligible, at("10:00"), device=meso_gun)
    with pytest.raises(BookingConflict) as caught:
        book(eligible, at("10:30"), practitioner=petra, room=room_2, device=meso_gun)
    assert caught.value.resource == "device"
    assert caught.value.message_dict["device"] == [
        f"Gun A is already booked at {at('10:30'):%a %-d %b %Y %H:%M}."
    ]


def test_it_reschedules_with_the_same_checks_and_keeps_the_old_time_when_refused(
    clinic: Clinic,
    book: Callable[..., Appointment],
    eligible: Patient,
    fiona: User,
    petra: User,
    room: Room,
    room_2: Room,
    at: At,
) -> None:
    appointment = book(eligible, at("10:00"))
    moved = reschedule_appointment(
        clinic=clinic, appointment=appointment, by=fiona, start=at("10:30")
    )
    assert (moved.start, moved.end) == (at("10:30"), at("11:20"))
    book(eligible, at("14:00"), practitioner=petra, room=room_2)
    with pytest.raises(BookingConflict):
        reschedule_appointment(
            clinic=clinic, appointment=appointment, by=fiona, start=at("14:30"), room=room_2
        )
    outside = refusal(
        lambda: reschedule_appointment(
            clinic=clinic, appointment=appointment, by=fiona, start=at("17:45")
        )
    )
    assert "outside opening hours" in outside["start"][0]
    appointment.refresh_from_db()
    assert (appointment.start, appointment.room) == (at("10:30"), room)
    assert appointment.history.count() == 2


def test_it_cancels_with_a_reason_and_never_twice(
    clinic: Clinic, book: Callable[..., Appointment], eligible: Patient, fiona: User, at: At
) -> None:
    appointment = book(eligible, at("10:00"))
    no_reason = refusal(
        lambda: cancel_appointment(clinic=clinic, appointment=appointment, by=fiona, reason=" ")
    )
    assert no_reason == {"reason": ["Say why the appointment is cancelled."]}
    cancelled = cancel_appointment(
        clinic=clinic, appointment=appointment, by=fiona, reason="Patient has a cold"
    )
    assert cancelled.status == AppointmentStatus.CANCELLED
    assert cancelled.cancelled_at is not None
    again = refusal(
        lambda: cancel_appointment(clinic=clinic, appointment=appointment, by=fiona, reason="x")
    )
    assert again == {"appointment": ["The appointment is cancelled."]}
    moved = refusal(
        lambda: reschedule_appointment(
            clinic=clinic, appointment=appointment, by=fiona, start=at("11:00")
        )
    )
    assert moved == {"appointment": ["The appointment is cancelled."]}


def test_another_clinic_cannot_touch_an_appointment(
    clinic: Clinic,
    other_clinic: Clinic,
    book: Callable[..., Appointment],
    eligible: Patient,
    fiona: User,
    at: At,
) -> None:
    appointment = book(eligible, at("10:00"))
    with pytest.raises(Appointment.DoesNotExist):
        cancel_appointment(clinic=other_clinic, appointment=appointment, by=fiona, reason="x")


def test_it_books_a_whole_series_in_one_step(
    clinic: Clinic,
    eligible: Patient,
    fiona: User,
    pedro: User,
    room: Room,
    meso_gun: Device,
    at: At,
) -> None:
    plan = meso_gun_plan(clinic, eligible, pedro, at("10:00"))
    booked = book_series(
        clinic=clinic, plan=plan, by=fiona, practitioner=pedro, room=room, device=meso_gun
    )
    assert [a.planned_session.number for a in booked if a.planned_session] == [1, 2, 3]
    assert [a.start for a in booked] == [s.starts_at for s in plan.sessions.order_by("number")]
    # Booking the series again books nothing twice.
    assert book_series(clinic=clinic, plan=plan, by=fiona, practitioner=pedro, room=room) == []


def test_a_series_is_booked_whole_or_not_at_all_and_the_conflict_names_the_session(
    clinic: Clinic,
    book: Callable[..., Appointment],
    eligible: Patient,
    fiona: User,
    pedro: User,
    petra: User,
    room: Room,
    meso_gun: Device,
    at: At,
) -> None:
    plan = meso_gun_plan(clinic, eligible, pedro, at("10:00"))
    second = plan.sessions.get(number=2).starts_at
    other = make_patient(clinic, fiona, "Other")
    blocker = book(other, second, practitioner=petra, kind=AppointmentKind.CONSULTATION)
    with pytest.raises(BookingConflict) as caught:
        book_series(
            clinic=clinic, plan=plan, by=fiona, practitioner=pedro, room=room, device=meso_gun
        )
    assert caught.value.session_number == 2
    assert caught.value.message_dict["room"][0].startswith("Session 2: Room 1 is already")
    assert not Appointment.objects.filter(clinic=clinic, patient=eligible).exists()

    cancel_appointment(clinic=clinic, appointment=blocker, by=fiona, reason="Moved")
    booked = book_series(
        clinic=clinic, plan=plan, by=fiona, practitioner=pedro, room=room, device=meso_gun
    )
    assert len(booked) == 3


def test_a_series_refusal_other_than_a_conflict_also_names_the_session(
    clinic: Clinic,
    eligible: Patient,
    fiona: User,
    pedro: User,
    room: Room,
    meso_gun: Device,
    at: At,
) -> None:
    plan = meso_gun_plan(clinic, eligible, pedro, at("10:00"))
    third = plan.sessions.get(number=3).starts_at.astimezone(BERLIN).date()
    add_closure(clinic=clinic, date=third, reason="Flooded")
    errors = refusal(
        lambda: book_series(
            clinic=clinic, plan=plan, by=fiona, practitioner=pedro, room=room, device=meso_gun
        )
    )
    assert errors["start"] == [f"Session 3: The clinic is closed on {third:%A %-d %b %Y}."]
    assert not Appointment.objects.filter(clinic=clinic).exists()


def test_a_planned_session_of_a_closed_plan_cannot_be_booked(
    clinic: Clinic,
    book: Callable[..., Appointment],
    eligible: Patient,
    pedro: User,
    meso_gun: Device,
    at: At,
) -> None:
    plan = meso_gun_plan(clinic, eligible, pedro, at("10:00"))
    close_plan(clinic=clinic, plan=plan, by=pedro)
    session = plan.sessions.get(number=1)
    errors = refusal(
        lambda: book(eligible, session.starts_at, device=meso_gun, planned_session=session)
    )
    assert errors == {"planned_session": ["The planned session's plan is closed."]}


def code_of(call: Callable[[], object], field: str) -> str | None:
    """The code of the first refusal of `field`."""
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.error_dict[field][0].code


# --- No patient and no planned session booked twice (review item 3) -------------------


def test_a_planned_session_is_not_booked_twice_with_another_practitioner_and_room(
    clinic: Clinic,
    book: Callable[..., Appointment],
    eligible: Patient,
    pedro: User,
    petra: User,
    room_2: Room,
    meso_gun: Device,
    at: At,
) -> None:
    # The reviewer's reproduction: Pedro in Room 1 and Petra in Room 2, same instant,
    # same planned session.
    gun_b = add_device(clinic=clinic, name="Gun B", device_type="meso_gun")
    plan = meso_gun_plan(clinic, eligible, pedro, at("10:00"))
    session = plan.sessions.get(number=1)
    book(eligible, session.starts_at, device=meso_gun, planned_session=session)
    with pytest.raises(BookingConflict) as caught:
        book(
            eligible,
            session.starts_at,
            practitioner=petra,
            room=room_2,
            device=gun_b,
            planned_session=session,
        )
    assert caught.value.resource == "planned_session"
    assert caught.value.error_dict["planned_session"][0].code == "booking_conflict"
    assert Appointment.objects.filter(clinic=clinic, patient=eligible).count() == 1


def test_a_patient_is_not_booked_into_two_appointments_at_once(
    book: Callable[..., Appointment],
    eligible: Patient,
    petra: User,
    room_2: Room,
    at: At,
) -> None:
    book(eligible, at("10:00"), kind=AppointmentKind.CONSULTATION)
    with pytest.raises(BookingConflict) as caught:
        book(eligible, at("10:15"), practitioner=petra, room=room_2, kind="follow_up")
    assert caught.value.resource == "patient"
    assert caught.value.message_dict["patient"] == [
        f"Pat Eligible already has an appointment at {at('10:15'):%a %-d %b %Y %H:%M}."
    ]
    # Right after it is fine.
    assert book(eligible, at("10:30"), practitioner=petra, room=room_2, kind="follow_up")


# --- Screening brought up to date before a session (review item 4) --------------------


def test_a_stricter_override_made_after_an_eligible_screening_refuses_the_session(
    clinic: Clinic, book: Callable[..., Appointment], fiona: User, alice: User, at: At
) -> None:
    patient = make_patient(clinic, fiona, "Atopic", conditions=["atopy"])
    before = current_screening(clinic, patient)
    assert before is not None and before.verdict == "eligible"
    set_clinic_override(
        clinic=clinic,
        rule_code="atopy",
        severity="absolute",
        reason="We do not treat atopic skin.",
        by=alice,
    )
    assert code_of(lambda: book(patient, at("10:00")), "patient") == "ineligible"
    # The screening done again stays, though the booking was refused.
    after = current_screening(clinic, patient)
    assert after is not None and after.pk != before.pk
    assert (after.verdict, after.history.get().history_user) == ("ineligible", fiona)
    assert not Appointment.objects.filter(clinic=clinic, patient=patient).exists()


def test_a_new_intake_making_the_patient_ineligible_refuses_the_session(
    clinic: Clinic, book: Callable[..., Appointment], eligible: Patient, fiona: User, at: At
) -> None:
    # Written as a script or an import would, without screening it.
    IntakeVersion.objects.create(
        clinic=clinic, patient=eligible, number=2, answers=intake(pregnant=True), created_by=fiona
    )
    errors = refusal(lambda: book(eligible, at("10:00")))
    assert errors["patient"] == ["No session can be booked: not suitable: pregnancy (absolute)."]
    screening = current_screening(clinic, eligible)
    assert screening is not None and screening.intake.number == 2


def test_a_signed_off_review_of_another_protocol_version_needs_a_new_sign_off(
    clinic: Clinic, book: Callable[..., Appointment], on_warfarin: Patient, pedro: User, at: At
) -> None:
    signed = current_screening(clinic, on_warfarin)
    assert signed is not None
    sign_off_screening(clinic=clinic, screening=signed, by=pedro, reason="INR stable.")
    older = ProtocolVersion.objects.create(
        version="0.9-test", release="2025-01-01", content_hash="older", files={}, data={}
    )
    ScreeningResult.objects.filter(pk=signed.pk).update(protocol_version=older)

    assert code_of(lambda: book(on_warfarin, at("10:00")), "patient") == "not_signed_off"
    fresh = current_screening(clinic, on_warfarin)
    assert fresh is not None and fresh.pk != signed.pk
    assert (fresh.verdict, fresh.signed_off_at, fresh.findings) == (
        "review",
        None,
        ScreeningResult.objects.get(pk=signed.pk).findings,
    )
    sign_off_screening(clinic=clinic, screening=fresh, by=pedro, reason="Still stable.")
    assert book(on_warfarin, at("10:00")).status == AppointmentStatus.BOOKED


# --- Series: skipped sessions (review item 6) -----------------------------------------


def test_a_series_skips_sessions_already_held_or_past_and_says_so(
    clinic: Clinic,
    book: Callable[..., Appointment],
    eligible: Patient,
    fiona: User,
    pedro: User,
    room: Room,
    meso_gun: Device,
    at: At,
) -> None:
    plan = meso_gun_plan(clinic, eligible, pedro, at("10:00") - timedelta(days=28))
    first, second, third = plan.sessions.order_by("number")
    assert first.starts_at < timezone.now() < second.starts_at
    held = book(eligible, second.starts_at, device=meso_gun, planned_session=second)
    series = book_series(
        clinic=clinic, plan=plan, by=fiona, practitioner=pedro, room=room, device=meso_gun
    )
    assert [a.planned_session for a in series] == [third]
    assert [(s.number, s.reason) for s in series.skipped] == [(1, "past"), (2, "booked")]
    assert series.skipped[1].planned_session == second
    cancel_appointment(clinic=clinic, appointment=held, by=fiona, reason="Moved")
    again = book_series(
        clinic=clinic, plan=plan, by=fiona, practitioner=pedro, room=room, device=meso_gun
    )
    assert [a.planned_session for a in again] == [second]
    assert [(s.number, s.reason) for s in again.skipped] == [(1, "past"), (3, "booked")]


# --- The earliest safe start is on an open day (review item 13) -----------------------


def test_the_earliest_safe_start_moves_off_a_closure_to_the_first_free_time(
    clinic: Clinic, book: Callable[..., Appointment], fiona: User, at: At
) -> None:
    # Computed: the Monday a week later at 10:00, which is a closure.
    peel = at("10:00").date() - timedelta(days=22)
    patient = make_patient(
        clinic, fiona, "Peeled", recent_procedures=[{"name": "glycolic peel", "date": str(peel)}]
    )
    add_closure(clinic=clinic, date=at("10:00", days=7).date(), reason="Training")
    with pytest.raises(WashoutNotMet) as caught:
        book(patient, at("10:00"))
    # The first time free with Pedro the next day, as the slot search offers it (issue 13).
    assert caught.value.earliest_start == at("09:00", days=8)
    message = caught.value.message_dict["start"][0]
    assert f"first free time after it with Pedro is {at('09:00', days=8):%a %-d %b %Y} 09:00" in (
        message
    )
    assert book(patient, caught.value.earliest_start).start == at("09:00", days=8)


def test_the_earliest_safe_start_is_a_time_the_practitioner_works_and_the_search_offers(
    clinic: Clinic, book: Callable[..., Appointment], fiona: User, pedro: User, at: At
) -> None:
    # Pedro works Tuesdays and Wednesdays 13:00-17:00. The washout ends on a Monday at
    # 14:00, a day the clinic is open but he does not work.
    for weekday in (1, 2):
        add_working_hours(
            clinic=clinic, practitioner=pedro, weekday=weekday, start=time(13), end=time(17)
        )
    peel = at("14:00", days=7).date() - timedelta(days=29)
    patient = make_patient(
        clinic, fiona, "Peeled", recent_procedures=[{"name": "glycolic peel", "date": str(peel)}]
    )
    with pytest.raises(WashoutNotMet) as caught:
        book(patient, at("14:00", days=1))
    assert caught.value.safe_from == at("14:00", days=7)
    assert caught.value.earliest_start == at("13:00", days=8)
    # The slot search for Pedro from the safe instant offers that same time first.
    first = find_slots(
        clinic=clinic,
        kind="session",
        start_date=at("14:00", days=7).date(),
        practitioner_ids=[pedro.pk],
        not_before=caught.value.safe_from,
        limit=1,
    )
    assert [slot.start for slot in first] == [caught.value.earliest_start]
    assert book(patient, caught.value.earliest_start).start == at("13:00", days=8)


def test_the_earliest_safe_start_after_closing_time_is_the_next_opening(
    clinic: Clinic, book: Callable[..., Appointment], fiona: User, at: At
) -> None:
    # Computed: Saturday 15:00, after Lindenhof closes at 13:00; Sunday it is closed.
    peel = at("15:00", days=5).date() - timedelta(days=29)
    patient = make_patient(
        clinic, fiona, "Late", recent_procedures=[{"name": "glycolic peel", "date": str(peel)}]
    )
    with pytest.raises(WashoutNotMet) as caught:
        book(patient, at("15:00"))
    assert caught.value.earliest_start == at("09:00", days=7)
    assert f"{at('09:00', days=7):%a %-d %b %Y} 09:00" in caught.value.message_dict["start"][0]


# --- Every refusal keeps its code (review item 7) --------------------------------------


@pytest.mark.parametrize(
    ("case", "field", "code"),
    [
        ("past", "start", "past"),
        ("naive", "start", "naive"),
        ("closure", "start", "closed"),
        ("evening", "start", "outside_opening_hours"),
        ("not_working", "practitioner", "not_working"),
        ("not_practitioner", "practitioner", "not_practitioner"),
        ("outsider", "by", "permission_denied"),
        ("room_out_of_use", "room", "out_of_use"),
        ("ineligible", "patient", "ineligible"),
        ("not_signed_off", "patient", "not_signed_off"),
        ("no_intake", "patient", "no_intake"),
        ("device_needed", "device", "device_needed"),
        ("wrong_device", "device", "wrong_device"),
        ("closed_plan_session", "planned_session", "closed"),
        ("series_of_closed_plan", "plan", "closed"),
        ("washout", "start", "washout_not_met"),
        ("unknown_kind", "kind", "invalid"),
    ],
)
def test_every_booking_refusal_keeps_its_code(
    case: str,
    field: str,
    code: str,
    clinic: Clinic,
    other_clinic: Clinic,
    book: Callable[..., Appointment],
    eligible: Patient,
    pregnant: Patient,
    on_warfarin: Patient,
    fiona: User,
    pedro: User,
    room: Room,
    meso_gun: Device,
    at: At,
) -> None:
    def run() -> object:
        if case == "past":
            return book(eligible, timezone.now() - timedelta(hours=1))
        if case == "naive":
            return book(eligible, at("10:00").replace(tzinfo=None))
        if case == "closure":
            add_closure(clinic=clinic, date=at("10:00").date(), reason="Training")
            return book(eligible, at("10:00"))
        if case == "evening":
            return book(eligible, at("17:30"))
        if case == "not_working":
            add_working_hours(
                clinic=clinic, practitioner=pedro, weekday=0, start=time(13), end=time(17)
            )
            return book(eligible, at("10:00"))
        if case == "not_practitioner":
            return book(eligible, at("10:00"), practitioner=fiona)
        if case == "outsider":
            outsider = create_user(email="hugo@harbour.test", password="correct horse battery")
            add_member(clinic=other_clinic, user=outsider, role=Role.FRONT_DESK)
            return book(eligible, at("10:00"), by=outsider)
        if case == "room_out_of_use":
            set_active(clinic=clinic, resource=room, active=False)
            return book(eligible, at("10:00"))
        if case == "ineligible":
            return book(pregnant, at("10:00"))
        if case == "not_signed_off":
            return book(on_warfarin, at("10:00"))
        if case == "no_intake":
            patient = register_patient(clinic=clinic, by=fiona, first_name="No", last_name="Intake")
            return book(patient, at("10:00"))
        if case == "device_needed":
            meso_gun_plan(clinic, eligible, pedro, at("10:00"))
            return book(eligible, at("10:00"))
        if case == "wrong_device":
            meso_gun_plan(clinic, eligible, pedro, at("10:00"))
            rf = add_device(clinic=clinic, name="RF 1", device_type="rf_facial")
            return book(eligible, at("10:00"), device=rf)
        if case == "closed_plan_session":
            plan = meso_gun_plan(clinic, eligible, pedro, at("10:00"))
            close_plan(clinic=clinic, plan=plan, by=pedro)
            session = plan.sessions.get(number=1)
            return book(eligible, session.starts_at, device=meso_gun, planned_session=session)
        if case == "series_of_closed_plan":
            plan = meso_gun_plan(clinic, eligible, pedro, at("10:00"))
            close_plan(clinic=clinic, plan=plan, by=pedro)
            return book_series(clinic=clinic, plan=plan, by=fiona, practitioner=pedro, room=room)
        if case == "washout":
            peel = str(timezone.now().astimezone(BERLIN).date() - timedelta(days=1))
            patient = make_patient(
                clinic, fiona, "Peel", recent_procedures=[{"name": "glycolic peel", "date": peel}]
            )
            return book(patient, at("10:00"))
        assert case == "unknown_kind"
        return book(eligible, at("10:00"), kind="massage")

    assert code_of(run, field) == code


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("cancel_by_outsider", "permission_denied"),
        ("cancel_without_reason", "required"),
        ("cancel_twice", "not_booked"),
    ],
)
def test_every_change_refusal_keeps_its_code(
    case: str,
    code: str,
    clinic: Clinic,
    other_clinic: Clinic,
    book: Callable[..., Appointment],
    eligible: Patient,
    fiona: User,
    at: At,
) -> None:
    appointment = book(eligible, at("10:00"))
    field = {"cancel_by_outsider": "by", "cancel_without_reason": "reason"}.get(case, "appointment")

    def run() -> object:
        by, reason = fiona, "Unwell"
        if case == "cancel_by_outsider":
            by = create_user(email="hugo@harbour.test", password="correct horse battery")
            add_member(clinic=other_clinic, user=by, role=Role.FRONT_DESK)
        if case == "cancel_without_reason":
            reason = " "
        if case == "cancel_twice":
            cancel_appointment(clinic=clinic, appointment=appointment, by=fiona, reason="Moved")
        return cancel_appointment(clinic=clinic, appointment=appointment, by=by, reason=reason)

    assert code_of(run, field) == code


def test_a_series_refusal_keeps_its_code(
    clinic: Clinic, eligible: Patient, fiona: User, pedro: User, room: Room, at: At
) -> None:
    plan = meso_gun_plan(clinic, eligible, pedro, at("10:00"))
    with pytest.raises(ValidationError) as caught:
        book_series(clinic=clinic, plan=plan, by=fiona, practitioner=pedro, room=room)
    error = caught.value.error_dict["device"][0]
    assert (error.code, error.message) == (
        "device_needed",
        "Session 1: This plan's technique needs a device: meso gun (injector gun).",
    )
