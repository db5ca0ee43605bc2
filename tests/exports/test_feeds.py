"""Staff calendar feeds: made by an admin or the practitioner, parsed back by the strict
`ical` parser, initials only, stable UIDs, revocation, clinics kept apart, roles."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from ical.calendar import Calendar
from ical.calendar_stream import IcsCalendarStream

from mesodesk.accounts.models import User
from mesodesk.audit.models import AccessEvent
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic, Membership
from mesodesk.clinics.services import add_member
from mesodesk.exports import services
from mesodesk.exports.models import StaffCalendarFeed
from mesodesk.exports.services import feed_digest
from mesodesk.scheduling.models import Appointment
from tests.exports.conftest import NOTE, World

URL = re.compile(r'value="(https?://[^"]+\.ics)"')


def feed_path(clinic: Clinic, secret: str) -> str:
    return reverse("workspace:staff_feed", kwargs={"clinic_slug": clinic.slug, "secret": secret})


def fetch(client: Client, path: str) -> tuple[str, Calendar]:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content.decode()
    return body, IcsCalendarStream.calendar_from_ics(body)


def test_a_practitioner_feed_parses_strictly_and_shows_initials_only(
    client: Client, clinic: Clinic, pedro: User, world: World
) -> None:
    _, secret = services.issue_feed(clinic=clinic, by=pedro, practitioner=pedro)
    body, calendar = fetch(client, feed_path(clinic, secret))

    uids = [event.uid for event in calendar.events]
    assert len(uids) == len(set(uids))
    expected = {world.upcoming, world.cancelled, world.past, world.charted}
    assert {uid.split("@")[0] for uid in uids} == {f"appointment-{a.pk}" for a in expected}
    for event in calendar.events:
        assert event.dtstamp is not None
        assert event.dtend > event.dtstart
        assert event.dtstart.utcoffset().total_seconds() == 0  # UTC throughout
        assert event.summary.startswith(("A.M. — ", "Cancelled: A.M. — "))
        assert event.location == "Garden room"
    by_uid = {event.uid.split("@")[0]: event for event in calendar.events}
    cancelled = by_uid[f"appointment-{world.cancelled.pk}"]
    assert cancelled.status.value == "CANCELLED"
    upcoming = by_uid[f"appointment-{world.upcoming.pk}"]
    assert upcoming.status.value == "CONFIRMED"
    assert upcoming.summary == "A.M. — consultation"
    assert by_uid[f"appointment-{world.past.pk}"].summary == "A.M. — treatment session"
    assert upcoming.dtstart == world.upcoming.start.replace(microsecond=0)

    # Nothing that identifies the patient or says what was done.
    unfolded = body.replace("\r\n ", "")
    for word in ("Anna", "Müller", "Muller", NOTE, "cocktail", world.lot.number, "nappage"):
        assert word.lower() not in unfolded.lower(), word
    for word in ("face", "bruising", "hyaluronic", "indication"):
        assert word not in unfolded.lower(), word


def test_uids_are_stable_across_fetches_and_feeds(
    client: Client, clinic: Clinic, alice: User, pedro: User, world: World
) -> None:
    _, mine = services.issue_feed(clinic=clinic, by=alice, practitioner=pedro)
    _, rooms = services.issue_feed(clinic=clinic, by=alice, room=world.room)
    _, devices = services.issue_feed(clinic=clinic, by=alice, device=world.gun)
    first = {e.uid for e in fetch(client, feed_path(clinic, mine))[1].events}
    again = {e.uid for e in fetch(client, feed_path(clinic, mine))[1].events}
    room_uids = {e.uid for e in fetch(client, feed_path(clinic, rooms))[1].events}
    device_events = fetch(client, feed_path(clinic, devices))[1].events
    assert first == again == room_uids
    # The device feed: only the appointments that use the gun.
    assert {e.uid.split("@")[0] for e in device_events} == {
        f"appointment-{world.upcoming.pk}",
        f"appointment-{world.charted.pk}",
    }


def test_only_the_digest_is_stored_and_each_fetch_is_logged(
    client: Client, clinic: Clinic, pedro: User, world: World
) -> None:
    feed, secret = services.issue_feed(clinic=clinic, by=pedro, practitioner=pedro)
    stored = StaffCalendarFeed.objects.get(pk=feed.pk)
    assert stored.digest == feed_digest(secret)
    assert secret not in {stored.digest, stored.prefix}
    assert not StaffCalendarFeed.history.filter(prefix=secret).exists()
    before = AccessEvent.objects.count()
    fetch(client, feed_path(clinic, secret))
    event = AccessEvent.objects.order_by("-pk").first()
    assert AccessEvent.objects.count() == before + 1
    assert event is not None and event.action == "download" and event.user is None
    assert secret not in event.path
    assert event.object_type == "exports.staffcalendarfeed"


def test_renewing_revokes_the_old_address_and_revoked_is_404(
    client: Client, clinic: Clinic, pedro: User, world: World
) -> None:
    old, old_secret = services.issue_feed(clinic=clinic, by=pedro, practitioner=pedro)
    new, new_secret = services.issue_feed(clinic=clinic, by=pedro, practitioner=pedro)
    assert client.get(feed_path(clinic, old_secret)).status_code == 404
    assert client.get(feed_path(clinic, new_secret)).status_code == 200
    old.refresh_from_db()
    assert old.revoked_at is not None and old.revoked_by == pedro
    services.revoke_feed(clinic=clinic, feed=new, by=pedro)
    assert client.get(feed_path(clinic, new_secret)).status_code == 404
    assert client.get(feed_path(clinic, "not-a-secret")).status_code == 404
    assert client.get(feed_path(clinic, "x" * 80)).status_code == 404


def test_another_clinics_feed_is_not_reachable_through_this_clinic(
    client: Client,
    clinic: Clinic,
    other_clinic: Clinic,
    pedro: User,
    world: World,
    harbour_appointment: Appointment,
) -> None:
    _, lindenhof = services.issue_feed(clinic=clinic, by=pedro, practitioner=pedro)
    hugo = harbour_appointment.practitioner
    _, harbour = services.issue_feed(clinic=other_clinic, by=hugo, practitioner=hugo)
    assert client.get(feed_path(other_clinic, lindenhof)).status_code == 404
    assert client.get(feed_path(clinic, harbour)).status_code == 404
    _, calendar = fetch(client, feed_path(other_clinic, harbour))
    assert [e.summary for e in calendar.events] == ["H.H. — treatment session"]


def test_who_may_make_which_feed(
    clinic: Clinic, other_clinic: Clinic, alice: User, pedro: User, fiona: User, world: World
) -> None:
    other_doc = User.objects.create_user("otto@lindenhof.test", "correct horse battery")

    add_member(clinic=clinic, user=other_doc, role=Role.PRACTITIONER)
    with pytest.raises(PermissionDenied):
        services.issue_feed(clinic=clinic, by=fiona, room=world.room)
    with pytest.raises(PermissionDenied):
        services.issue_feed(clinic=clinic, by=pedro, room=world.room)
    with pytest.raises(PermissionDenied):
        services.issue_feed(clinic=clinic, by=other_doc, practitioner=pedro)
    with pytest.raises(ValidationError):
        services.issue_feed(clinic=clinic, by=alice, practitioner=fiona)
    with pytest.raises(ValidationError):
        services.issue_feed(clinic=clinic, by=alice)
    feed, _ = services.issue_feed(clinic=clinic, by=alice, practitioner=pedro)
    with pytest.raises(PermissionDenied):
        services.revoke_feed(clinic=clinic, feed=feed, by=other_doc)
    services.revoke_feed(clinic=clinic, feed=feed, by=pedro)


def test_a_practitioner_makes_renews_and_stops_their_feed_from_their_page(
    client: Client, doctor: Client, clinic: Clinic, pedro: User, world: World
) -> None:
    today = doctor.get(reverse("workspace:today", args=[clinic.slug]))
    page = reverse("workspace:my_feed", args=[clinic.slug])
    assert page in today.content.decode()
    assert "You have no calendar address" in doctor.get(page).content.decode()

    made = doctor.post(page, {"action": "issue"})
    first_url = URL.search(made.content.decode())
    assert made.status_code == 200 and first_url is not None
    assert client.get(first_url.group(1)).status_code == 200
    # Shown once: the page does not show it again.
    assert first_url.group(1) not in doctor.get(page).content.decode()

    renewed = URL.search(doctor.post(page, {"action": "issue"}).content.decode())
    assert renewed is not None and renewed.group(1) != first_url.group(1)
    assert client.get(first_url.group(1)).status_code == 404
    assert client.get(renewed.group(1)).status_code == 200

    assert doctor.post(page, {"action": "revoke"}).status_code == 302
    assert client.get(renewed.group(1)).status_code == 404


def test_an_admin_manages_every_feed_and_others_are_refused(
    client: Client,
    admin: Client,
    doctor: Client,
    desk: Client,
    outsider: Client,
    clinic: Clinic,
    pedro: User,
    world: World,
) -> None:
    page = reverse("workspace:admin_feeds", args=[clinic.slug])
    listing = admin.get(page).content.decode()
    for label in ("Pedro", "Garden room", "Gun A"):
        assert label in listing
    made = admin.post(page, {"action": "issue", "kind": "room", "id": world.room.pk})
    url = URL.search(made.content.decode())
    assert url is not None
    _, calendar = fetch(client, url.group(1))
    assert len(calendar.events) == 4
    feed = StaffCalendarFeed.objects.get(room=world.room, revoked_at__isnull=True)
    assert admin.post(page, {"action": "revoke", "id": feed.pk}).status_code == 302
    assert client.get(url.group(1)).status_code == 404
    made = admin.post(page, {"action": "issue", "kind": "practitioner", "id": pedro.pk})
    assert URL.search(made.content.decode()) is not None
    # Another clinic's room or an unknown kind is a 404.
    assert admin.post(page, {"action": "issue", "kind": "room", "id": 999999}).status_code == 404
    assert admin.post(page, {"action": "issue", "kind": "x", "id": 1}).status_code == 404

    assert doctor.get(page).status_code == 403
    assert desk.get(page).status_code == 403
    assert outsider.get(page).status_code == 404
    assert desk.get(reverse("workspace:my_feed", args=[clinic.slug])).status_code == 403
    assert admin.get(reverse("workspace:my_feed", args=[clinic.slug])).status_code == 403
    assert outsider.get(reverse("workspace:my_feed", args=[clinic.slug])).status_code == 404


def test_a_practitioner_who_left_or_was_deactivated_has_no_feed(
    client: Client, clinic: Clinic, pedro: User, world: World
) -> None:
    _, secret = services.issue_feed(clinic=clinic, by=pedro, practitioner=pedro)
    User.objects.filter(pk=pedro.pk).update(is_active=False)
    assert client.get(feed_path(clinic, secret)).status_code == 404
    User.objects.filter(pk=pedro.pk).update(is_active=True)
    assert client.get(feed_path(clinic, secret)).status_code == 200
    Membership.objects.filter(clinic=clinic, user=pedro).update(role=Role.FRONT_DESK)
    assert client.get(feed_path(clinic, secret)).status_code == 404
