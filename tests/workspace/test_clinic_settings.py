"""Clinic settings pages: every member may look, only admins change; another clinic's
rows are 404s; refusals show next to their fields."""

from __future__ import annotations

import re
from datetime import date, time

import pytest
from django.test import Client

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic, ClinicClosure, Device, Room, WorkingHours
from mesodesk.clinics.services import add_closure, add_device, add_room, add_working_hours

BASE = "/staff/lindenhof/settings/"
PAGES = ["", "closures/", "rooms/", "devices/", "working-hours/", "staff/"]

# Marked, not only reached through getfixturevalue: pytest-django orders and wraps a test
# by the fixtures it names, and a test that reaches `db` only at run time can end the
# session still inside its transaction, holding a connection that stops the test
# database from being dropped.
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("sub", PAGES)
@pytest.mark.parametrize("who", ["admin", "doctor", "desk"])
def test_every_member_sees_every_settings_page(
    sub: str, who: str, request: pytest.FixtureRequest
) -> None:
    client: Client = request.getfixturevalue(who)
    response = client.get(BASE + sub)
    assert response.status_code == 200
    assert response.text.count("<h1>") == 1


@pytest.mark.parametrize("sub", PAGES)
def test_a_member_of_another_clinic_gets_404(sub: str, outsider: Client) -> None:
    assert outsider.get(BASE + sub).status_code == 404
    assert outsider.post(BASE + sub, {"action": "add"}).status_code == 404


@pytest.mark.parametrize(
    ("sub", "data"),
    [
        ("", {"action": "general", "general-name": "Mine"}),
        ("closures/", {"action": "add", "date": "2030-01-01"}),
        ("rooms/", {"action": "add", "new-name": "Mine"}),
        ("devices/", {"action": "add", "new-name": "Mine", "new-device_type": "meso_gun"}),
        ("staff/", {"action": "invite", "email": "x@example.test", "role": "admin"}),
    ],
)
@pytest.mark.parametrize("who", ["doctor", "desk"])
def test_only_admins_change_anything(
    sub: str, data: dict[str, str], who: str, request: pytest.FixtureRequest, clinic: Clinic
) -> None:
    client: Client = request.getfixturevalue(who)
    assert client.post(BASE + sub, data).status_code == 403
    clinic.refresh_from_db()
    assert clinic.name == "Lindenhof Aesthetics"
    assert not ClinicClosure.objects.exists() and not Room.objects.exists()


def test_non_admins_see_the_settings_read_only(doctor: Client) -> None:
    html = doctor.get(BASE).text
    assert "disabled" in html
    assert "Save settings" not in html
    assert "Only the clinic's admins can change settings." in html


def test_an_admin_changes_the_general_settings(admin: Client, clinic: Clinic) -> None:
    # Time zones are grouped by region and named without underscores, the clinic's chosen.
    page = admin.get(BASE).text
    assert '<optgroup label="Europe">' in page
    assert '<option value="Europe/Berlin" selected>Europe/Berlin</option>' in page
    assert '<option value="America/New_York">America/New York</option>' in page
    response = admin.post(
        BASE,
        {
            "action": "general",
            "general-name": "Lindenhof Skin",
            "general-time_zone": "Europe/Vienna",
            "general-idle_timeout_minutes": "30",
            "general-appointment_reminder_hours": "48",
            "general-country": "DE",
            "general-minimum_age": "18",
        },
    )
    assert response.status_code == 302
    clinic.refresh_from_db()
    assert (clinic.name, clinic.time_zone) == ("Lindenhof Skin", "Europe/Vienna")
    assert (clinic.idle_timeout_minutes, clinic.appointment_reminder_hours) == (30, 48)


def test_the_zone_list_offers_canonical_zones_only_and_keeps_a_zone_saved_before(
    admin: Client, clinic: Clinic
) -> None:
    page = admin.get(BASE).text
    # The zone list only (the country list beside it has its own codes, GB among them).
    found = re.search(r"<select[^>]*time_zone[^>]*>(.*?)</select>", page, re.DOTALL)
    assert found is not None
    zones = found.group(1)
    assert zones.count("<option value=") < 480
    for alias in ("Factory", "W-SU", "US/Eastern", "Etc/GMT+5", "GB"):
        assert f'value="{alias}"' not in zones, alias
    assert '<option value="Europe/Oslo">Europe/Oslo</option>' in page
    assert '<option value="UTC">UTC</option>' in page
    data = {
        "action": "general",
        "general-name": "Lindenhof",
        "general-time_zone": "W-SU",
        "general-idle_timeout_minutes": "15",
        "general-appointment_reminder_hours": "24",
    }
    assert 'id="id_general-time_zone_error"' in admin.post(BASE, data).text
    # A zone saved before this list (an alias) stays selected rather than silently changing.
    Clinic.objects.filter(pk=clinic.pk).update(time_zone="US/Eastern")
    assert '<option value="US/Eastern" selected>US/Eastern</option>' in admin.get(BASE).text


def test_the_clinics_telephone_is_saved_and_a_bad_one_refused_at_the_field(
    admin: Client, clinic: Clinic
) -> None:
    data = {
        "action": "general",
        "general-name": "Lindenhof",
        "general-time_zone": "Europe/Berlin",
        "general-idle_timeout_minutes": "15",
        "general-appointment_reminder_hours": "24",
        "general-country": "DE",
        "general-minimum_age": "18",
    }
    assert admin.post(BASE, data | {"general-phone": " +49 30 1234567 "}).status_code == 302
    clinic.refresh_from_db()
    assert clinic.phone == "+49301234567"  # E.164
    # Shown to the admin as people write it.
    assert 'value="+49 30 1234567"' in admin.get(BASE).text
    # Without a country code, the clinic's country (Germany) is meant.
    assert admin.post(BASE, data | {"general-phone": "(030) 7654321"}).status_code == 302
    clinic.refresh_from_db()
    assert clinic.phone == "+49307654321"
    for bad in ("call us", "030 12"):
        response = admin.post(BASE, data | {"general-phone": bad})
        assert response.status_code == 400
        assert 'id="id_general-phone_error"' in response.text
        assert "not a valid phone number" in response.text
    clinic.refresh_from_db()
    assert clinic.phone == "+49307654321"


def test_the_clinics_address_is_saved_line_by_line_and_shown_again(
    admin: Client, clinic: Clinic
) -> None:
    data = {
        "action": "general",
        "general-name": "Lindenhof",
        "general-time_zone": "Europe/Berlin",
        "general-idle_timeout_minutes": "15",
        "general-appointment_reminder_hours": "24",
        "general-country": "DE",
        "general-minimum_age": "18",
        "general-address": "  Lindenstraße 4 \r\n\r\n 10969 Berlin ",
    }
    assert admin.post(BASE, data).status_code == 302
    clinic.refresh_from_db()
    assert clinic.address == "Lindenstraße 4\n10969 Berlin"
    page = admin.get(BASE).text
    assert 'name="general-address"' in page and "Lindenstraße 4\n10969 Berlin</textarea>" in page


def test_an_admin_sets_the_country_and_the_minimum_age(admin: Client, clinic: Clinic) -> None:
    page = admin.get(BASE).text
    # The country came from the time zone (Europe/Berlin) when the clinic was made.
    assert '<option value="DE" selected>Germany</option>' in page
    assert 'name="general-minimum_age" value="18"' in page
    data = {
        "action": "general",
        "general-name": "Lindenhof",
        "general-time_zone": "Europe/Berlin",
        "general-idle_timeout_minutes": "15",
        "general-appointment_reminder_hours": "24",
        "general-country": "AT",
        "general-minimum_age": "16",
    }
    assert admin.post(BASE, data).status_code == 302
    clinic.refresh_from_db()
    assert (clinic.country, clinic.minimum_age) == ("AT", 16)
    response = admin.post(BASE, data | {"general-minimum_age": "12"})
    assert response.status_code == 400
    assert 'id="id_general-minimum_age_error"' in response.text


def test_a_reminder_lead_time_over_a_week_is_refused_next_to_the_field(
    admin: Client, clinic: Clinic
) -> None:
    response = admin.post(
        BASE,
        {
            "action": "general",
            "general-name": "Lindenhof",
            "general-time_zone": "Europe/Berlin",
            "general-idle_timeout_minutes": "15",
            "general-appointment_reminder_hours": "169",
            "general-country": "DE",
            "general-minimum_age": "18",
        },
    )
    assert response.status_code == 400
    assert 'id="id_general-appointment_reminder_hours_error"' in response.text
    clinic.refresh_from_db()
    assert clinic.appointment_reminder_hours == 24


def test_an_admin_sets_opening_hours_with_a_break(admin: Client, clinic: Clinic) -> None:
    data = {"action": "hours", "hours-d0_open1": "09:00", "hours-d0_close1": "12:30"}
    data |= {"hours-d0_open2": "13:30", "hours-d0_close2": "18:00"}
    data |= {"hours-d2_open1": "10:00", "hours-d2_close1": "16:00"}
    assert admin.post(BASE, data).status_code == 302
    clinic.refresh_from_db()
    assert clinic.opening_hours["0"] == [["09:00", "12:30"], ["13:30", "18:00"]]
    assert clinic.opening_hours["1"] == []
    assert clinic.opening_hours["2"] == [["10:00", "16:00"]]
    html = admin.get(BASE).text
    assert 'value="13:30"' in html


def test_half_a_span_or_a_backward_span_is_refused(admin: Client, clinic: Clinic) -> None:
    response = admin.post(
        BASE,
        {"action": "hours", "hours-d0_open1": "09:00", "hours-d1_open1": "18:00"}
        | {"hours-d1_close1": "09:00"},
    )
    assert response.status_code == 400
    assert 'id="id_hours-d0_close1_error"' in response.text
    assert "Closing must be after opening." in response.text
    clinic.refresh_from_db()
    assert clinic.opening_hours["0"] == [["09:00", "18:00"]]


def test_overlapping_spans_are_refused_by_the_service(admin: Client) -> None:
    data = {"action": "hours", "hours-d0_open1": "09:00", "hours-d0_close1": "13:00"}
    data |= {"hours-d0_open2": "12:00", "hours-d0_close2": "18:00"}
    response = admin.post(BASE, data)
    assert response.status_code == 400
    assert "overlap" in response.text


def test_an_admin_adds_and_removes_a_closure(admin: Client, clinic: Clinic) -> None:
    response = admin.post(
        BASE + "closures/", {"action": "add", "date": "2030-04-22", "reason": "Easter Monday"}
    )
    assert response.status_code == 302
    closure = ClinicClosure.objects.get(clinic=clinic)
    assert "Easter Monday" in admin.get(BASE + "closures/").text
    again = admin.post(BASE + "closures/", {"action": "add", "date": "2030-04-22"})
    assert again.status_code == 400
    assert 'id="id_date_error"' in again.text
    admin.post(BASE + "closures/", {"action": "remove", "id": str(closure.pk)})
    assert not ClinicClosure.objects.exists()


def test_another_clinics_rows_are_404(
    admin: Client, other_clinic: Clinic, pedro: User, clinic: Clinic
) -> None:
    closure = add_closure(clinic=other_clinic, date=date(2030, 1, 1))
    room = add_room(clinic=other_clinic, name="Harbour room")
    device = add_device(clinic=other_clinic, name="Gun", device_type="meso_gun")
    assert admin.post(BASE + "closures/", {"action": "remove", "id": closure.pk}).status_code == 404
    rename = {"action": "rename", "id": room.pk, f"room-{room.pk}-name": "Mine"}
    assert admin.post(BASE + "rooms/", rename).status_code == 404
    deactivate = {"action": "deactivate", "id": device.pk}
    assert admin.post(BASE + "devices/", deactivate).status_code == 404
    hours = WorkingHours.objects.create(
        clinic=other_clinic, practitioner=pedro, weekday=0, start=time(9), end=time(10)
    )
    remove = {"action": "remove", "id": hours.pk}
    assert admin.post(BASE + "working-hours/", remove).status_code == 404
    assert ClinicClosure.objects.filter(pk=closure.pk).exists()
    assert Room.objects.get(pk=room.pk).name == "Harbour room"
    assert Device.objects.get(pk=device.pk).active


def test_an_admin_adds_renames_and_retires_a_room(admin: Client, clinic: Clinic) -> None:
    assert admin.post(BASE + "rooms/", {"action": "add", "new-name": "Room 1"}).status_code == 302
    room = Room.objects.get(clinic=clinic)
    add_room(clinic=clinic, name="Room 2")
    data = {"action": "rename", "id": room.pk, f"room-{room.pk}-name": "Garden room"}
    assert admin.post(BASE + "rooms/", data).status_code == 302
    room.refresh_from_db()
    assert room.name == "Garden room"
    taken = {"action": "rename", "id": room.pk, f"room-{room.pk}-name": "Room 2"}
    response = admin.post(BASE + "rooms/", taken)
    assert response.status_code == 400
    assert f'id="id_room-{room.pk}-name_error"' in response.text
    admin.post(BASE + "rooms/", {"action": "deactivate", "id": room.pk})
    room.refresh_from_db()
    assert not room.active
    assert "Out of use" in admin.get(BASE + "rooms/").text


def test_an_admin_adds_a_device_of_a_library_type_in_a_room(admin: Client, clinic: Clinic) -> None:
    room = add_room(clinic=clinic, name="Room 1")
    data = {"action": "add", "new-name": "Gun A", "new-device_type": "meso_gun"}
    data |= {"new-model_name": "U225", "new-room": str(room.pk)}
    assert admin.post(BASE + "devices/", data).status_code == 302
    device = Device.objects.get(clinic=clinic)
    assert (device.device_type, device.model_name, device.room) == ("meso_gun", "U225", room)
    html = admin.get(BASE + "devices/").text
    assert "Gun A" in html and "U225" in html and "Room 1" in html


def test_a_device_type_outside_the_library_is_refused(admin: Client) -> None:
    data = {"action": "add", "new-name": "Laser", "new-device_type": "laser"}
    response = admin.post(BASE + "devices/", data)
    assert response.status_code == 400
    assert 'id="id_new-device_type_error"' in response.text


def test_an_admin_edits_and_retires_a_device(admin: Client, clinic: Clinic) -> None:
    device = add_device(clinic=clinic, name="Gun", device_type="meso_gun")
    room = add_room(clinic=clinic, name="Room 1")
    prefix = f"device-{device.pk}"
    data = {"action": "edit", "id": device.pk, f"{prefix}-name": "Gun B"}
    data |= {f"{prefix}-model_name": "U226", f"{prefix}-room": room.pk}
    assert admin.post(BASE + "devices/", data).status_code == 302
    device.refresh_from_db()
    assert (device.name, device.model_name, device.room) == ("Gun B", "U226", room)
    admin.post(BASE + "devices/", {"action": "deactivate", "id": device.pk})
    device.refresh_from_db()
    assert not device.active


def test_an_admin_adds_and_removes_working_hours(
    admin: Client, clinic: Clinic, pedro: User
) -> None:
    data = {"action": "add", "practitioner": pedro.pk, "weekday": "1"}
    response = admin.post(BASE + "working-hours/", data | {"start": "09:00", "end": "13:00"})
    assert response.status_code == 302
    row = WorkingHours.objects.get(clinic=clinic, practitioner=pedro)
    assert (row.weekday, row.start, row.end) == (1, time(9), time(13))
    overlapping = admin.post(BASE + "working-hours/", data | {"start": "12:00", "end": "15:00"})
    assert overlapping.status_code == 400
    assert 'id="id_start_error"' in overlapping.text
    backwards = admin.post(BASE + "working-hours/", data | {"start": "15:00", "end": "14:00"})
    assert 'id="id_end_error"' in backwards.text
    admin.post(BASE + "working-hours/", {"action": "remove", "id": row.pk})
    assert not WorkingHours.objects.exists()


def test_working_hours_are_only_for_the_clinics_practitioners(
    admin: Client, fiona: User, pedro: User
) -> None:
    data = {"action": "add", "practitioner": fiona.pk, "weekday": "1"}
    response = admin.post(BASE + "working-hours/", data | {"start": "09:00", "end": "13:00"})
    assert response.status_code == 400
    assert 'id="id_practitioner_error"' in response.text


def test_the_working_hours_page_lists_each_practitioners_week(
    doctor: Client, clinic: Clinic, pedro: User
) -> None:
    add_working_hours(clinic=clinic, practitioner=pedro, weekday=3, start=time(8), end=time(12))
    html = doctor.get(BASE + "working-hours/").text
    assert "Thursday" in html and "08:00–12:00" in html
    assert "Add working hours" not in html


def test_a_row_id_in_other_digits_is_a_404_not_an_error(admin: Client) -> None:
    response = admin.post(BASE + "rooms/", {"action": "rename", "id": "²", "name": "X"})
    assert response.status_code == 404
