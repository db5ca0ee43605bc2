"""The personal timeline, its calendar file and the private calendar feed."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import icalendar
from django.test import Client

from mesodesk.accounts.models import User
from mesodesk.audit.models import AccessEvent
from mesodesk.clinics.models import Clinic, Room
from mesodesk.patients.models import Patient
from mesodesk.patients.services import record_intake
from mesodesk.portal.models import CalendarFeed
from mesodesk.scheduling.services import book_appointment
from tests.portal.conftest import intake, url
from tests.portal.test_booking import BERLIN, a_monday_ahead


def _book_session(clinic: Clinic, paula: Patient, pedro: User, room: Room) -> None:
    record_intake(
        clinic=clinic,
        patient=paula,
        by=paula.portal_user,
        answers=intake(medications=[{"name": "Advil 200 mg", "prescribed": False}]),
    )
    start = datetime.combine(a_monday_ahead(3), time(10), BERLIN)
    book_appointment(
        clinic=clinic,
        patient=paula,
        by=paula.portal_user,
        kind="session",
        start=start,
        practitioner=pedro,
        room=room,
    )


def test_without_a_session_the_timeline_says_what_it_will_show(
    clinic: Clinic, paula: Patient, paula_client: Client
) -> None:
    page = paula_client.get(url("timeline", clinic)).text
    assert "When you have a treatment session booked" in page


def test_the_timeline_lists_preparation_by_day_in_the_clinics_zone(
    clinic: Clinic, paula: Patient, paula_client: Client, pedro: User, room: Room
) -> None:
    _book_session(clinic, paula, pedro, room)
    page = paula_client.get(url("timeline", clinic)).text
    week_before = a_monday_ahead(3) - timedelta(days=7)
    assert f'<time datetime="{week_before.isoformat()}">' in page
    assert "Stop taking Advil 200 mg until after your session" in page
    assert "at 10:00" in page  # 10:00 in Berlin, not UTC
    assert "Call emergency services" in page or "emergency services" in page


def test_the_calendar_download_is_an_ics_file_and_is_logged(
    clinic: Clinic, paula: Patient, paula_client: Client, pedro: User, room: Room
) -> None:
    assert paula_client.get(url("calendar", clinic)).status_code == 404
    _book_session(clinic, paula, pedro, room)
    response = paula_client.get(url("calendar", clinic))
    assert response["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VCALENDAR" in response.content
    assert b"Advil 200 mg" in response.content
    assert AccessEvent.objects.filter(patient=paula, action="download").exists()


def test_the_private_feed_works_without_sign_in_until_renewed(
    clinic: Clinic, paula: Patient, paula_client: Client, pedro: User, room: Room
) -> None:
    _book_session(clinic, paula, pedro, room)
    paula_client.post(url("feed_renew", clinic), {"action": "renew"})
    token = CalendarFeed.objects.get(patient=paula).token
    assert token in paula_client.get(url("timeline", clinic)).text
    feed = Client().get(url("feed", clinic, token=token))
    assert feed.status_code == 200
    assert any(
        "Stop taking Advil 200 mg" in str(e.get("description", ""))
        for e in _calendar_events(feed.content)
    )
    event = AccessEvent.objects.filter(patient=paula, user=None).get()
    assert token not in event.path

    paula_client.post(url("feed_renew", clinic), {"action": "renew"})
    assert Client().get(url("feed", clinic, token=token)).status_code == 404
    new = CalendarFeed.objects.get(patient=paula).token
    assert Client().get(url("feed", clinic, token=new)).status_code == 200

    paula_client.post(url("feed_renew", clinic), {"action": "remove"})
    assert Client().get(url("feed", clinic, token=new)).status_code == 404


def test_a_feed_token_works_only_at_its_own_clinic(
    clinic: Clinic, other_clinic: Clinic, paula: Patient, paula_client: Client
) -> None:
    paula_client.post(url("feed_renew", clinic), {"action": "renew"})
    token = CalendarFeed.objects.get(patient=paula).token
    assert Client().get(url("feed", other_clinic, token=token)).status_code == 404


def test_a_point_in_time_reads_as_one_time_not_from_x_until_x(
    clinic: Clinic, paula: Patient, paula_client: Client, pedro: User, room: Room
) -> None:
    _book_session(clinic, paula, pedro, room)
    page = paula_client.get(url("timeline", clinic)).text
    block = page.split("Hot bath or shower allowed again", 1)[1].split("</li>", 1)[0]
    assert block.count("<time ") == 1
    assert "until" not in block


def _calendar_events(body: bytes) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(body).walk("VEVENT"))


def test_the_calendar_holds_what_a_person_wants_and_no_source_labels(
    clinic: Clinic, paula: Patient, paula_client: Client, pedro: User, room: Room
) -> None:
    clinic.phone = "+49301234567"
    clinic.address = "Lindenstraße 4\n10969 Berlin"
    clinic.save()
    _book_session(clinic, paula, pedro, room)
    body = paula_client.get(url("calendar", clinic)).content
    events = _calendar_events(body)
    text = " ".join(str(e.get(f, "")) for e in events for f in ("summary", "description"))
    # No source labels or seed files, in any event.
    assert ".txt" not in text and "Sources" not in text and "distributor" not in text
    session = events[0]
    assert str(session["summary"]) == f"Mesotherapy session at {clinic.name}"
    assert "+49 30 1234567" in str(session["description"])
    assert clinic.name in str(session["location"])
    # The clinic's address, where a calendar shows a place (and its map link).
    assert "Lindenstraße 4, 10969 Berlin" in str(session["location"])
    for event in events:
        start, end = event.decoded("dtstart"), event.decoded("dtend")
        # Nothing months long: every event is at most one day.
        assert end - start <= timedelta(days=1), event["summary"]
        assert "rrule" not in event
    summaries = [str(e["summary"]) for e in events]
    # The preparation starts: Advil stops a week before, as an all-day event.
    week_before = a_monday_ahead(3) - timedelta(days=7)
    [nsaids] = [e for e in events if "over-the-counter aspirin" in str(e["summary"])]
    assert nsaids.decoded("dtstart") == week_before
    assert "Stop taking Advil 200 mg" in str(nsaids["description"])
    # The aftercare milestones, and no red-flag window of seven months.
    assert any(s.startswith("Aftercare ends: keep the treated area dry") for s in summaries)
    assert "hot bath or shower allowed again" in " ".join(summaries).lower()
    assert len(events) < 15, summaries
