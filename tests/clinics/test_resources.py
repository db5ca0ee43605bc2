"""Opening hours, closures, rooms, devices and working hours: what is stored and refused."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from mesodesk.accounts.models import User
from mesodesk.accounts.services import create_user
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic, Device, Room, WorkingHours
from mesodesk.clinics.services import (
    add_closure,
    add_device,
    add_member,
    add_room,
    add_working_hours,
    set_active,
    update_clinic_settings,
)


def _hours(**days: list[list[str]]) -> dict[str, list[list[str]]]:
    week: dict[str, list[list[str]]] = {str(d): [["09:00", "17:00"]] for d in range(7)}
    week.update(days)
    return week


def test_a_new_clinic_opens_weekdays_and_saturday_mornings(clinic: Clinic) -> None:
    assert clinic.opening_hours["0"] == [["09:00", "18:00"]]
    assert clinic.opening_hours["5"] == [["09:00", "13:00"]]
    assert clinic.opening_hours["6"] == []
    assert clinic.idle_timeout_minutes == 15


def test_it_stores_valid_opening_hours_with_a_lunch_break(clinic: Clinic) -> None:
    week = _hours(**{"2": [["08:00", "12:00"], ["13:00", "19:30"]], "6": []})
    update_clinic_settings(clinic=clinic, opening_hours=week, idle_timeout_minutes=30)
    clinic.refresh_from_db()
    assert clinic.opening_hours == week
    assert clinic.idle_timeout_minutes == 30


@pytest.mark.parametrize(
    "hours",
    [
        [],
        {"0": [["09:00", "18:00"]]},
        _hours(**{"7": []}),
        _hours(**{"1": "09:00-18:00"}),
        _hours(**{"1": [["9:00", "18:00"]]}),
        _hours(**{"1": [["09:00", "24:00"]]}),
        _hours(**{"1": [["18:00", "09:00"]]}),
        _hours(**{"1": [["09:00", "09:00"]]}),
        _hours(**{"1": [["09:00", "13:00", "14:00"]]}),
        _hours(**{"1": [["09:00", "13:00"], ["12:00", "18:00"]]}),
    ],
    ids=[
        "not-an-object",
        "missing-days",
        "day-seven",
        "text-not-pairs",
        "no-leading-zero",
        "hour-24",
        "close-before-open",
        "empty-span",
        "triple",
        "overlap",
    ],
)
def test_it_refuses_opening_hours_of_the_wrong_shape(clinic: Clinic, hours: object) -> None:
    with pytest.raises(ValidationError) as error:
        update_clinic_settings(clinic=clinic, opening_hours=hours)  # type: ignore[arg-type]
    assert "opening_hours" in error.value.message_dict
    clinic.refresh_from_db()
    assert clinic.opening_hours["6"] == []


@pytest.mark.parametrize("minutes", [4, 241])
def test_it_refuses_an_idle_timeout_outside_five_to_240_minutes(
    clinic: Clinic, minutes: int
) -> None:
    with pytest.raises(ValidationError) as error:
        update_clinic_settings(clinic=clinic, idle_timeout_minutes=minutes)
    assert "idle_timeout_minutes" in error.value.message_dict


def test_the_database_refuses_an_idle_timeout_out_of_range(clinic: Clinic) -> None:
    with pytest.raises(IntegrityError):
        Clinic.objects.filter(pk=clinic.pk).update(idle_timeout_minutes=1)


def test_a_clinic_is_closed_at_most_once_a_day(clinic: Clinic) -> None:
    add_closure(clinic=clinic, date=date(2027, 12, 24), reason="Christmas Eve")
    with pytest.raises(ValidationError):
        add_closure(clinic=clinic, date=date(2027, 12, 24))


def test_a_device_must_be_of_a_library_device_type(clinic: Clinic) -> None:
    gun = add_device(clinic=clinic, name="Gun 1", device_type="meso_gun", model_name="U225")
    assert (gun.device_type, gun.model_name, gun.active) == ("meso_gun", "U225", True)
    with pytest.raises(ValidationError) as error:
        add_device(clinic=clinic, name="Laser", device_type="laser")
    assert "device_type" in error.value.message_dict
    assert "not a device type of the protocol library" in str(error.value)
    assert Device.objects.filter(clinic=clinic).count() == 1


def test_room_and_device_names_are_unique_within_a_clinic_only(
    clinic: Clinic, other_clinic: Clinic
) -> None:
    add_room(clinic=clinic, name="Room 1")
    add_room(clinic=other_clinic, name="Room 1")
    add_device(clinic=clinic, name="Kit", device_type="manual_needle_kit")
    add_device(clinic=other_clinic, name="Kit", device_type="manual_needle_kit")
    with pytest.raises(ValidationError):
        add_room(clinic=clinic, name="Room 1")
    with pytest.raises(ValidationError):
        add_device(clinic=clinic, name="Kit", device_type="meso_gun")
    assert Room.objects.count() == 2


def test_a_room_taken_out_of_use_stays_stored(clinic: Clinic, other_clinic: Clinic) -> None:
    room = add_room(clinic=clinic, name="Room 2")
    set_active(clinic=clinic, resource=room, active=False)
    room.refresh_from_db()
    assert room.active is False
    with pytest.raises(Room.DoesNotExist):
        set_active(clinic=other_clinic, resource=room, active=True)


def test_it_stores_a_practitioners_working_hours(clinic: Clinic, pedro: User) -> None:
    hours = add_working_hours(
        clinic=clinic, practitioner=pedro, weekday=0, start=time(9), end=time(13)
    )
    add_working_hours(clinic=clinic, practitioner=pedro, weekday=0, start=time(13), end=time(17))
    assert (hours.weekday, hours.start, hours.end) == (0, time(9), time(13))
    assert WorkingHours.objects.filter(clinic=clinic, practitioner=pedro).count() == 2


def test_it_refuses_working_hours_that_overlap(clinic: Clinic, pedro: User) -> None:
    add_working_hours(clinic=clinic, practitioner=pedro, weekday=2, start=time(9), end=time(13))
    with pytest.raises(ValidationError) as error:
        add_working_hours(
            clinic=clinic, practitioner=pedro, weekday=2, start=time(12), end=time(15)
        )
    assert "start" in error.value.message_dict


def test_it_refuses_working_hours_that_end_before_they_start(clinic: Clinic, pedro: User) -> None:
    with pytest.raises(ValidationError) as error:
        add_working_hours(clinic=clinic, practitioner=pedro, weekday=1, start=time(15), end=time(9))
    assert "end" in error.value.message_dict


def test_the_database_refuses_working_hours_that_end_before_they_start(
    clinic: Clinic, pedro: User
) -> None:
    with pytest.raises(IntegrityError):
        WorkingHours.objects.create(
            clinic=clinic, practitioner=pedro, weekday=1, start=time(15), end=time(9)
        )


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.ADMIN, None])
def test_only_a_practitioner_of_the_clinic_has_working_hours(
    clinic: Clinic, other_clinic: Clinic, role: Role | None
) -> None:
    user = create_user(email="someone@example.test", password="correct horse battery")
    add_member(clinic=clinic if role else other_clinic, user=user, role=role or Role.PRACTITIONER)
    with pytest.raises(ValidationError) as error:
        add_working_hours(clinic=clinic, practitioner=user, weekday=0, start=time(9), end=time(12))
    assert "practitioner" in error.value.message_dict


def test_it_refuses_a_weekday_past_sunday(clinic: Clinic, pedro: User) -> None:
    with pytest.raises(ValidationError) as error:
        add_working_hours(clinic=clinic, practitioner=pedro, weekday=7, start=time(9), end=time(12))
    assert "weekday" in error.value.message_dict
