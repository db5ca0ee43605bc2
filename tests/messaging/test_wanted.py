"""Which reminders an appointment gets and when: quiet hours, kinds, channels, expiry."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from mesodesk.core.inputs import parse_intake
from mesodesk.core.library import load_library
from mesodesk.core.timeline import build_timeline
from mesodesk.messaging.choices import ReminderKind
from mesodesk.messaging.quiet import deliverable, is_quiet
from mesodesk.messaging.wanted import Quiet, wanted_reminders
from tests.scheduling.conftest import intake

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
QUIET = Quiet(BERLIN, time(21), time(8))
ALL_KINDS = set(ReminderKind)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_quiet_hours_wrap_past_midnight() -> None:
    assert is_quiet(utc("2026-06-01T20:30"), BERLIN, time(21), time(8))  # 22:30 CEST
    assert is_quiet(utc("2026-06-01T05:59"), BERLIN, time(21), time(8))  # 07:59
    assert not is_quiet(utc("2026-06-01T06:00"), BERLIN, time(21), time(8))  # 08:00
    assert not is_quiet(utc("2026-06-01T12:00"), BERLIN, time(12), time(12))  # none


def test_a_quiet_moment_moves_to_the_end_of_quiet_hours() -> None:
    # 01:50 local on the night Berlin springs forward: quiet ends 08:00 CEST = 06:00 UTC.
    assert deliverable(utc("2026-03-29T00:50"), BERLIN, time(21), time(8)) == utc(
        "2026-03-29T06:00"
    )
    # On the night it falls back, 08:00 CET = 07:00 UTC.
    assert deliverable(utc("2026-10-25T00:30"), BERLIN, time(21), time(8)) == utc(
        "2026-10-25T07:00"
    )


def test_quiet_hours_ending_inside_the_repeated_autumn_hour_end_that_night() -> None:
    # Quiet until 02:30 on the night Berlin falls back: 02:10 in the second (CET) pass is
    # quiet until 02:30 CET that same night (01:30 UTC), not until the next night.
    assert deliverable(utc("2026-10-25T01:10"), BERLIN, time(21), time(2, 30)) == utc(
        "2026-10-25T01:30"
    )
    # In the first (CEST) pass it ends at the first 02:30 (00:30 UTC).
    assert deliverable(utc("2026-10-25T00:10"), BERLIN, time(21), time(2, 30)) == utc(
        "2026-10-25T00:30"
    )


def test_a_quiet_moment_too_close_to_its_deadline_goes_the_evening_before() -> None:
    # An appointment at 08:30 with a 2-hour lead: 06:30 is quiet, 08:00 leaves only half an
    # hour, so it goes at 20:30 the evening before (half an hour before quiet hours).
    start = datetime(2026, 6, 2, 8, 30, tzinfo=BERLIN)
    sent = deliverable(start - timedelta(hours=2), BERLIN, time(21), time(8), deadline=start)
    assert sent.astimezone(BERLIN) == datetime(2026, 6, 1, 20, 30, tzinfo=BERLIN)


def _session(start: datetime, **answers: object):  # type: ignore[no-untyped-def]
    library = load_library()
    timeline = build_timeline(
        parse_intake(intake(**answers), library),
        start=start,
        duration=timedelta(minutes=50),
        library=library,
    )
    return timeline, start.astimezone(UTC), (start + timedelta(minutes=50)).astimezone(UTC)


ADVIL = [{"name": "Advil 200 mg", "prescribed": False}]


def test_a_session_gets_preparation_appointment_aftercare_and_check_in() -> None:
    timeline, start, end = _session(datetime(2026, 6, 10, 10, 0, tzinfo=BERLIN), medications=ADVIL)
    wanted = wanted_reminders(
        start=start,
        end=end,
        timeline=timeline,
        lead=timedelta(hours=24),
        quiet=QUIET,
        channels=["email"],
        kinds=ALL_KINDS,
        recall_day=None,
        now=utc("2026-05-01T00:00"),
    )
    by_kind = {kind: [w for w in wanted if w.kind is kind] for kind in ReminderKind}
    # Preparation: the 28-day group (peels), the 7-day group (Advil) from 3 June and the
    # 2-day group from 8 June, each at 08:00 local (quiet hours end), expiring at the end of
    # that local day.
    prep = [(w.send_at.astimezone(BERLIN), set(w.codes)) for w in by_kind[ReminderKind.PREPARATION]]
    assert len(prep) == 3
    assert prep[0][0] == datetime(2026, 5, 13, 8, 0, tzinfo=BERLIN)
    assert prep[1][0] == datetime(2026, 6, 3, 8, 0, tzinfo=BERLIN)
    assert "avoid_nsaids" in prep[1][1]
    assert prep[-1][0] == datetime(2026, 6, 8, 8, 0, tzinfo=BERLIN)
    assert "avoid_alcohol" in prep[-1][1]
    for w in by_kind[ReminderKind.PREPARATION]:
        assert w.expires_at.astimezone(BERLIN).time() == time(0)
    (appointment,) = by_kind[ReminderKind.APPOINTMENT]
    assert appointment.send_at == start - timedelta(hours=24)
    assert appointment.expires_at == start
    # Keep dry 15 h would end at 01:50 local; the timeline moves it to 07:00 (never earlier),
    # and the message goes at 08:00, when the quiet hours end.
    first_after = by_kind[ReminderKind.AFTERCARE][0]
    assert "keep_area_dry" in first_after.codes
    assert first_after.moment == datetime(2026, 6, 11, 7, 0, tzinfo=BERLIN)
    assert first_after.moment >= end + timedelta(hours=15)
    assert first_after.send_at.astimezone(BERLIN) == datetime(2026, 6, 11, 8, 0, tzinfo=BERLIN)
    (check_in,) = by_kind[ReminderKind.CHECK_IN]
    assert check_in.send_at == end + timedelta(hours=48)
    assert by_kind[ReminderKind.RECALL] == []
    keys = [w.key(7) for w in wanted]
    assert len(keys) == len(set(keys))


def test_a_consultation_gets_only_its_appointment_reminder_on_each_channel() -> None:
    start = utc("2026-06-10T08:00")
    wanted = wanted_reminders(
        start=start,
        end=start + timedelta(minutes=30),
        timeline=None,
        lead=timedelta(hours=48),
        quiet=QUIET,
        channels=["email", "sms"],
        kinds=ALL_KINDS,
        recall_day=None,
        now=utc("2026-06-01T00:00"),
    )
    assert [(w.kind, w.channel) for w in wanted] == [
        (ReminderKind.APPOINTMENT, "email"),
        (ReminderKind.APPOINTMENT, "sms"),
    ]
    assert wanted[0].send_at == start - timedelta(hours=48)


def test_kinds_opted_out_of_and_moments_already_past_are_left_out() -> None:
    timeline, start, end = _session(datetime(2026, 6, 10, 10, 0, tzinfo=BERLIN), medications=ADVIL)
    wanted = wanted_reminders(
        start=start,
        end=end,
        timeline=timeline,
        lead=timedelta(hours=24),
        quiet=QUIET,
        channels=["email"],
        kinds={ReminderKind.APPOINTMENT, ReminderKind.PREPARATION},
        recall_day=None,
        # Booked on 5 June: the 7-day preparation group (from 3 June) is past.
        now=datetime(2026, 6, 5, 12, 0, tzinfo=BERLIN),
    )
    assert {w.kind for w in wanted} == {ReminderKind.APPOINTMENT, ReminderKind.PREPARATION}
    assert all("avoid_nsaids" not in w.codes for w in wanted)


def test_the_last_session_of_a_series_gets_a_recall_at_ten_local() -> None:
    start = datetime(2026, 3, 2, 10, 0, tzinfo=NEW_YORK).astimezone(UTC)
    wanted = wanted_reminders(
        start=start,
        end=start + timedelta(minutes=50),
        timeline=None,
        lead=timedelta(hours=24),
        quiet=Quiet(NEW_YORK, time(21), time(8)),
        channels=["email"],
        kinds=ALL_KINDS,
        recall_day=date(2026, 9, 1),
        now=utc("2026-02-01T00:00"),
    )
    (recall,) = [w for w in wanted if w.kind is ReminderKind.RECALL]
    assert recall.send_at.astimezone(NEW_YORK) == datetime(2026, 9, 1, 10, 0, tzinfo=NEW_YORK)


def test_a_reminder_already_due_when_booked_late_at_night_waits_for_the_morning() -> None:
    # Booked at 22:30 for 10:00 the next day: the 24-hour reminder is already past due;
    # it goes out when the quiet hours end, not at once.
    start = datetime(2026, 6, 11, 10, 0, tzinfo=BERLIN).astimezone(UTC)
    wanted = wanted_reminders(
        start=start,
        end=start + timedelta(minutes=30),
        timeline=None,
        lead=timedelta(hours=24),
        quiet=QUIET,
        channels=["sms"],
        kinds=ALL_KINDS,
        recall_day=None,
        now=datetime(2026, 6, 10, 22, 30, tzinfo=BERLIN),
    )
    (reminder,) = wanted
    assert reminder.send_at.astimezone(BERLIN) == datetime(2026, 6, 11, 8, 0, tzinfo=BERLIN)
