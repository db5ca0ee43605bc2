"""Which reminders one appointment should have, and when each goes out (DESIGN §8).

Pure: from the appointment's times, the patient's timeline (for a session) and their
contact preferences. Every instant is UTC; quiet hours are applied in the patient's zone.

- appointment: `lead` before the start (elapsed time); expires at the start.
- preparation: one message per distinct start of the timeline's preparation steps ("from
  today, …"), at that start — local midnight N days before, moved out of quiet hours;
  expires at the end of that local day or at the appointment, whichever comes first.
- aftercare: one message per distinct end of an aftercare "avoid" step (and per "allowed
  again" step) after the session, at that instant moved out of quiet hours; 12 hours to go.
- check-in: 48 hours after the session ends, asking how the skin is; 24 hours to go.
- recall: for the last session of a series, at 10:00 local on the day maintenance is
  first due; 14 days to go.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from mesodesk.core.library.model import Kind, Phase
from mesodesk.core.localtime import forward, local_midnight
from mesodesk.core.timeline import Timeline
from mesodesk.messaging.choices import ReminderKind
from mesodesk.messaging.quiet import deliverable

CHECK_IN_AFTER = timedelta(hours=48)
RECALL_AT = time(10, 0)
AFTERCARE_VALID = timedelta(hours=12)
CHECK_IN_VALID = timedelta(hours=24)
RECALL_VALID = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class Quiet:
    """The patient's quiet hours, in their zone."""

    zone: ZoneInfo
    start: time
    end: time


@dataclass(frozen=True, slots=True)
class WantedReminder:
    """One reminder an appointment should have, on one channel."""

    kind: ReminderKind
    item: str
    codes: tuple[str, ...]
    moment: datetime
    send_at: datetime
    expires_at: datetime
    channel: str
    # Its planned time had passed when it was computed: `send_at` is "now" (or the end of
    # the quiet hours), not a time of its own, so a row already waiting is not moved to it.
    overdue: bool = False

    def key(self, appointment_id: int) -> str:
        """The row's idempotency key: appointment, item, channel and the moment it is about
        (the appointment's start, a step's start or end). A moved appointment's reminders
        are new rows and its old ones are cancelled; a new send time for the same moment
        (another lead time, other quiet hours) changes the row still to be sent and never
        makes a second message of one already sent."""
        return (
            f"a{appointment_id}:{self.kind.value}:{self.item}:{self.channel}:{_stamp(self.moment)}"
        )


def _stamp(instant: datetime) -> str:
    return f"{instant.astimezone(UTC):%Y%m%dT%H%MZ}"


def _short(codes: tuple[str, ...]) -> str:
    """A short, stable name for a group of rules (keys stay well under their length limit)."""
    return hashlib.sha256(",".join(codes).encode()).hexdigest()[:10]


def _end_of_local_day(instant: datetime, zone: ZoneInfo) -> datetime:
    day = instant.astimezone(zone).date()
    return local_midnight(day + timedelta(days=1), zone).astimezone(UTC)


def _preparation(
    timeline: Timeline, start: datetime, quiet: Quiet
) -> list[tuple[ReminderKind, str, tuple[str, ...], datetime, datetime, datetime]]:
    groups: dict[datetime, list[str]] = defaultdict(list)
    for item in timeline.items:
        if item.phase is Phase.PREP and item.kind in (Kind.AVOID, Kind.DO):
            begins = item.starts_at.astimezone(UTC)
            if begins < start:
                groups[begins].append(item.code)
    out = []
    for moment, codes in sorted(groups.items()):
        send_at = deliverable(moment, quiet.zone, quiet.start, quiet.end, deadline=start)
        expires = min(_end_of_local_day(send_at, quiet.zone), start)
        group = tuple(sorted(codes))
        # The steps are in the key: a group that changes (a clinic override moves one step
        # to another day) is a new message, and the old one is cancelled.
        key = f"prep{_stamp(moment)}-{_short(group)}"
        out.append((ReminderKind.PREPARATION, key, group, moment, send_at, expires))
    return out


def _aftercare(
    timeline: Timeline, end: datetime, quiet: Quiet
) -> list[tuple[ReminderKind, str, tuple[str, ...], datetime, datetime, datetime]]:
    groups: dict[datetime, list[str]] = defaultdict(list)
    for item in timeline.items:
        if item.phase is not Phase.AFTERCARE:
            continue
        begins, ends = item.starts_at.astimezone(UTC), item.ends_at.astimezone(UTC)
        if item.kind is Kind.AVOID and ends > end:
            groups[ends].append(item.code)
        elif item.kind is Kind.DO and begins == ends and begins > end:
            groups[begins].append(item.code)  # "allowed again from now on"
    out = []
    for moment, codes in sorted(groups.items()):
        send_at = deliverable(moment, quiet.zone, quiet.start, quiet.end)
        group = tuple(sorted(codes))
        out.append(
            (
                ReminderKind.AFTERCARE,
                f"after{_stamp(moment)}-{_short(group)}",
                group,
                moment,
                send_at,
                send_at + AFTERCARE_VALID,
            )
        )
    return out


def wanted_reminders(
    *,
    start: datetime,
    end: datetime,
    timeline: Timeline | None,
    lead: timedelta,
    quiet: Quiet,
    channels: list[str],
    kinds: set[ReminderKind],
    recall_day: date | None,
    now: datetime,
) -> list[WantedReminder]:
    """The reminders of one booked appointment [start, end) (UTC), on each channel, that
    can still go out after `now`. `timeline` is the session's (None for a consultation or
    follow-up); `recall_day` is the date maintenance is first due (in the clinic's
    calendar) when this is the last session of a series. A send time already past when the
    reminder is computed becomes now, or the end of the patient's quiet hours if now is
    inside them, and is marked `overdue`: refresh_reminders keeps a row already queued for
    it but queues no new one (a late reminder would come in a burst; the booking notice
    says what it would have said)."""
    rows: list[tuple[ReminderKind, str, tuple[str, ...], datetime, datetime, datetime]] = []
    nominal = start - lead
    rows.append(
        (
            ReminderKind.APPOINTMENT,
            "appointment",
            (),
            start,
            deliverable(nominal, quiet.zone, quiet.start, quiet.end, deadline=start),
            start,
        )
    )
    if timeline is not None:
        rows += _preparation(timeline, start, quiet)
        rows += _aftercare(timeline, end, quiet)
        moment = end + CHECK_IN_AFTER
        send_at = deliverable(moment, quiet.zone, quiet.start, quiet.end)
        rows.append(
            (ReminderKind.CHECK_IN, "check_in", (), moment, send_at, send_at + CHECK_IN_VALID)
        )
    if recall_day is not None:
        moment = forward(datetime.combine(recall_day, RECALL_AT), quiet.zone).astimezone(UTC)
        send_at = deliverable(moment, quiet.zone, quiet.start, quiet.end)
        rows.append((ReminderKind.RECALL, "recall", (), moment, send_at, send_at + RECALL_VALID))
    wanted = []
    for kind, item, codes, moment, send_at, expires in rows:
        overdue = send_at < now
        if overdue:
            send_at = deliverable(now, quiet.zone, quiet.start, quiet.end)
        if kind not in kinds or expires <= now or send_at >= expires:
            continue
        for channel in channels:
            wanted.append(
                WantedReminder(
                    kind=kind,
                    item=item,
                    codes=codes,
                    moment=moment,
                    send_at=send_at,
                    expires_at=expires,
                    channel=channel,
                    overdue=overdue,
                )
            )
    return wanted
