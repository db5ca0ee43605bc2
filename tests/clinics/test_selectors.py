"""Reads of a clinic's hours, closures, staff, rooms and devices; never another clinic's."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from pytest_django import DjangoAssertNumQueries

from mesodesk.accounts.models import User
from mesodesk.accounts.services import create_user
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.selectors import (
    clinic_hours,
    closed_weekdays,
    closures_between,
    devices,
    get_device,
    get_room,
    membership,
    practitioners,
    resources,
    rooms,
    who_and_where,
    working_hours,
)
from mesodesk.clinics.services import (
    add_closure,
    add_device,
    add_member,
    add_room,
    add_working_hours,
    set_active,
    update_clinic_settings,
)


def test_clinic_hours_are_times_by_weekday(clinic: Clinic) -> None:
    hours = clinic_hours(clinic)
    assert hours[0] == [(time(9), time(18))]
    assert hours[5] == [(time(9), time(13))]
    assert hours[6] == []
    assert closed_weekdays(clinic) == frozenset({6})


def test_a_day_without_hours_is_a_closed_weekday(clinic: Clinic) -> None:
    week = {str(d): [["10:00", "16:00"]] for d in range(5)} | {"5": [], "6": []}
    update_clinic_settings(clinic=clinic, opening_hours=week)
    assert closed_weekdays(clinic) == frozenset({5, 6})


def test_closures_between_includes_both_ends_and_only_this_clinic(
    clinic: Clinic, other_clinic: Clinic
) -> None:
    for day in (date(2027, 1, 1), date(2027, 1, 6), date(2027, 1, 7)):
        add_closure(clinic=clinic, date=day)
    add_closure(clinic=other_clinic, date=date(2027, 1, 2))
    assert closures_between(clinic, date(2027, 1, 1), date(2027, 1, 6)) == {
        date(2027, 1, 1),
        date(2027, 1, 6),
    }


def test_practitioners_are_the_members_with_that_role(
    clinic: Clinic, other_clinic: Clinic, alice: User, pedro: User, fiona: User
) -> None:
    elsewhere = create_user(email="paula@harbour.test", password="correct horse battery")
    add_member(clinic=other_clinic, user=elsewhere, role=Role.PRACTITIONER)
    assert [m.user for m in practitioners(clinic)] == [pedro]


def test_working_hours_by_practitioner_and_weekday(
    clinic: Clinic, other_clinic: Clinic, pedro: User, fiona: User
) -> None:
    add_working_hours(clinic=clinic, practitioner=pedro, weekday=0, start=time(14), end=time(18))
    add_working_hours(clinic=clinic, practitioner=pedro, weekday=0, start=time(9), end=time(12))
    add_member(clinic=other_clinic, user=pedro, role=Role.PRACTITIONER)
    add_working_hours(
        clinic=other_clinic, practitioner=pedro, weekday=1, start=time(9), end=time(12)
    )
    hours = working_hours(clinic, [pedro.pk, fiona.pk])
    assert hours[pedro.pk][0] == [(time(9), time(12)), (time(14), time(18))]
    assert hours[pedro.pk][1] == []
    assert hours[fiona.pk] == {day: [] for day in range(7)}


def test_working_hours_for_many_practitioners_take_one_query(
    clinic: Clinic, pedro: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    add_working_hours(clinic=clinic, practitioner=pedro, weekday=3, start=time(9), end=time(12))
    with django_assert_num_queries(1):
        hours = working_hours(clinic, [pedro.pk, 999_999])
    assert hours[pedro.pk][3] == [(time(9), time(12))]


def test_rooms_and_devices_in_use_by_name(clinic: Clinic, other_clinic: Clinic) -> None:
    add_room(clinic=clinic, name="Room B")
    old = add_room(clinic=clinic, name="Room A")
    add_room(clinic=other_clinic, name="Harbour room")
    set_active(clinic=clinic, resource=old, active=False)
    gun = add_device(clinic=clinic, name="Gun", device_type="meso_gun")
    add_device(clinic=clinic, name="Kit", device_type="manual_needle_kit")
    assert [r.name for r in rooms(clinic)] == ["Room B"]
    assert [r.name for r in rooms(clinic, include_inactive=True)] == ["Room A", "Room B"]
    assert [d.name for d in devices(clinic)] == ["Gun", "Kit"]
    assert list(devices(clinic, "meso_gun")) == [gun]


def test_membership_is_none_for_outsiders_and_anonymous_users(
    clinic: Clinic, other_clinic: Clinic, pedro: User
) -> None:
    found = membership(clinic, pedro)
    assert found is not None
    assert found.role == Role.PRACTITIONER
    assert membership(other_clinic, pedro) is None
    assert membership(clinic, AnonymousUser()) is None


def test_another_clinics_room_or_device_is_not_found(clinic: Clinic, other_clinic: Clinic) -> None:
    room = add_room(clinic=other_clinic, name="Harbour room")
    device = add_device(clinic=other_clinic, name="Harbour gun", device_type="meso_gun")
    assert get_room(other_clinic, room.pk) == room
    with pytest.raises(Http404):
        get_room(clinic, room.pk)
    with pytest.raises(Http404):
        get_device(clinic, device.pk)


def test_resources_are_the_clinics_practitioners_rooms_devices_and_hours_in_one_statement(
    clinic: Clinic,
    other_clinic: Clinic,
    pedro: User,
    fiona: User,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    zoe = create_user(email="a.zoe@lindenhof.test", password=None, first_name="Zoe")
    add_member(clinic=clinic, user=zoe, role=Role.PRACTITIONER)
    elsewhere = create_user(email="paula@harbour.test", password=None)
    add_member(clinic=other_clinic, user=elsewhere, role=Role.PRACTITIONER)
    add_room(clinic=clinic, name="Room B")
    set_active(clinic=clinic, resource=add_room(clinic=clinic, name="Room A"), active=False)
    add_room(clinic=clinic, name="Room 1")
    add_room(clinic=other_clinic, name="Harbour room")
    add_device(clinic=clinic, name="Kit", device_type="manual_needle_kit", model_name="K2")
    add_device(clinic=clinic, name="Gun", device_type="meso_gun")
    add_working_hours(clinic=clinic, practitioner=pedro, weekday=0, start=time(14), end=time(18))
    add_working_hours(clinic=clinic, practitioner=pedro, weekday=0, start=time(9), end=time(12))
    add_member(clinic=other_clinic, user=pedro, role=Role.PRACTITIONER)
    add_working_hours(
        clinic=other_clinic, practitioner=pedro, weekday=1, start=time(9), end=time(12)
    )
    with django_assert_num_queries(1):
        found = resources(clinic)
    # In the order of `practitioners`, `rooms` and `devices` (by e-mail address or name);
    # front desk and admins are not practitioners, and nothing is another clinic's.
    assert [u.pk for u in found.practitioners] == [m.user_id for m in practitioners(clinic)]
    assert [u.email for u in found.practitioners] == ["a.zoe@lindenhof.test", pedro.email]
    assert found.practitioners[0].first_name == "Zoe"
    assert [r.name for r in found.rooms] == [r.name for r in rooms(clinic)] == ["Room 1", "Room B"]
    # The week's filters list the rooms out of use too, as `rooms(include_inactive=True)`.
    every = rooms(clinic, include_inactive=True)
    assert [(r.pk, r.name, r.active) for r in found.every_room] == [
        (r.pk, r.name, r.active) for r in every
    ]
    assert [r.active for r in found.every_room] == [True, False, True]
    assert [(d.name, d.device_type, d.model_name) for d in found.devices] == [
        ("Gun", "meso_gun", ""),
        ("Kit", "manual_needle_kit", "K2"),
    ]
    # The hours as `working_hours` gives them: times, by weekday and start; every
    # practitioner has a week, empty when none is recorded.
    assert found.hours[pedro.pk] == working_hours(clinic, [pedro.pk])[pedro.pk]
    assert found.hours[pedro.pk][0] == [(time(9), time(12)), (time(14), time(18))]
    assert found.hours[zoe.pk] == {day: [] for day in range(7)}
    assert fiona.pk not in found.hours


def test_who_and_where_a_booking_names_are_read_in_one_statement(
    clinic: Clinic,
    other_clinic: Clinic,
    pedro: User,
    fiona: User,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    room = add_room(clinic=clinic, name="Room 1")
    gun = add_device(clinic=clinic, name="Gun", device_type="meso_gun")
    harbour = add_room(clinic=other_clinic, name="Harbour room")
    harbour_gun = add_device(clinic=other_clinic, name="Harbour gun", device_type="meso_gun")
    with django_assert_num_queries(1):
        found = who_and_where(clinic, practitioner_id=pedro.pk, room_id=room.pk, device_id=gun.pk)
    assert found == (pedro, room, gun) and found[1].clinic == clinic
    assert who_and_where(clinic, practitioner_id=pedro.pk, room_id=room.pk, device_id=None) == (
        pedro,
        room,
        None,
    )
    # The first missing is named: front desk is no practitioner; another clinic's room
    # or device is none of this clinic's.
    for asked, named in (
        ({"practitioner_id": fiona.pk, "room_id": harbour.pk}, "practitioner"),
        ({"practitioner_id": pedro.pk, "room_id": harbour.pk}, "room"),
        ({"practitioner_id": pedro.pk, "room_id": room.pk, "device_id": harbour_gun.pk}, "device"),
    ):
        with pytest.raises(Http404, match=f"No such {named}"):
            who_and_where(clinic, **{"device_id": None} | asked)  # type: ignore[arg-type]
