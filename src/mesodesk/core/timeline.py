"""The timeline engine (DESIGN 7.4): a patient's dated instructions around one session.

Preparation counts calendar days in the clinic's zone (an item starts at local midnight
N days before the session date); aftercare counts elapsed time from the session end,
computed in UTC so that 15 hours stay at least 15 hours across a daylight-saving change,
and then ends at a time a patient can act on (`sensible_time`: the next whole hour, 07:00
instead of the small hours), later and never earlier.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from mesodesk.core.durations import iso_duration, parse_duration
from mesodesk.core.inputs import Intake, Plan
from mesodesk.core.library import Library
from mesodesk.core.library.model import Conflict, Kind, Phase, Rule
from mesodesk.core.localtime import forward, local_midnight
from mesodesk.core.overrides import NO_OVERRIDES, Overrides
from mesodesk.core.resolve import Resolved, matched_substances, resolve, select

PHASE_ORDER = {Phase.PREP: 0, Phase.DAY_OF: 1, Phase.AFTERCARE: 2, Phase.WATCH: 3}
# An aftercare time that falls in these local hours moves to the morning's first one: "until
# 03:20" asks the patient to watch the clock at night for nothing.
NIGHT_ENDS_AT = time(7)


def sensible_time(moment: datetime, tz: ZoneInfo) -> datetime:
    """`moment` (UTC) moved later, never earlier, to a time a patient can act on: the next
    whole hour in `tz`, and 07:00 when that falls between 01:00 and 06:00. An avoid step
    then lasts a little longer than its figure, which is on the safe side."""
    local = moment.astimezone(tz)
    if local.minute or local.second or local.microsecond:
        wall = local.replace(tzinfo=None, minute=0, second=0, microsecond=0) + timedelta(hours=1)
    else:
        wall = local.replace(tzinfo=None)
    if time(0) < wall.time() < NIGHT_ENDS_AT:
        wall = datetime.combine(wall.date(), NIGHT_ENDS_AT)
    return max(forward(wall, tz).astimezone(UTC), moment)


_FREQ = {timedelta(hours=1): "hourly", timedelta(days=1): "daily"}


@dataclass(frozen=True, slots=True)
class ItemRepeat:
    """How an item repeats inside its window."""

    every: timedelta
    lasts: timedelta
    count: int | None
    until: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "freq": _FREQ.get(self.every, iso_duration(self.every)),
            "every": iso_duration(self.every),
            "lasts": iso_duration(self.lasts),
            "count": self.count,
            "until": self.until.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class Item:
    """One dated instruction, in the clinic's zone."""

    code: str
    phase: Phase
    kind: Kind
    label: str
    starts_at: datetime
    ends_at: datetime
    repeat: ItemRepeat | None
    matched: tuple[str, ...]
    text: str
    value: str
    sources: tuple[str, ...]
    conflict: Conflict | None
    conflict_sources: tuple[tuple[str, str], ...]  # (source label, its value)
    # The sources' titles, for patients' eyes (a seed's label is its file name).
    source_titles: tuple[str, ...] = ()
    # Matched substances that no source names: the clinic's additions (staff see them).
    additions: tuple[str, ...] = ()
    # No source gives this figure: a default the clinic may set (staff see it).
    clinic_defined: bool = False
    # The step's own duration (aftercare and watch), before its end was made sensible.
    lasts: timedelta | None = None

    def to_dict(self) -> dict[str, Any]:
        conflict = None
        if self.conflict is not None:
            conflict = {
                "values": dict(self.conflict_sources),
                "chosen": self.conflict.chosen,
                "why": self.conflict.why,
            }
        return {
            "code": self.code,
            "phase": self.phase.value,
            "kind": self.kind.value,
            "label": self.label,
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat(),
            "repeat": None if self.repeat is None else self.repeat.to_dict(),
            "matched": list(self.matched),
            "text": self.text,
            "value": self.value or None,
            "sources": list(self.sources),
            "additions": list(self.additions),
            "clinic_defined": self.clinic_defined,
            "conflict": conflict,
        }


@dataclass(frozen=True, slots=True)
class TimelineWarning:
    """A preparation that cannot be met for this session, with the earliest safe start."""

    code: str
    item: str
    reason: str  # "recent_procedure", "late_booking" or "patch_test_too_late"
    matched: tuple[str, ...]
    earliest_start: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "item": self.item,
            "reason": self.reason,
            "matched": list(self.matched),
            "earliest_start": self.earliest_start.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class Timeline:
    """Every instruction around one session, and what makes the booked date too early."""

    start: datetime
    end: datetime
    zone: ZoneInfo
    items: tuple[Item, ...]
    warnings: tuple[TimelineWarning, ...]
    protocol_version: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "session": {"start": self.start.isoformat(), "end": self.end.isoformat()},
            "zone": self.zone.key,
            "protocol_version": self.protocol_version,
            "items": [item.to_dict() for item in self.items],
            "warnings": [w.to_dict() for w in self.warnings],
        }


def effective_rule(rule: Rule, overrides: Overrides) -> Rule:
    """The rule with a clinic's changed figure applied (lead days or a duration)."""
    override = overrides.get(rule.code)
    if override is None or override.value is None:
        return rule
    if rule.phase is Phase.PREP:
        return dataclasses.replace(rule, lead_days=int(override.value))
    if rule.phase is Phase.DAY_OF:
        return dataclasses.replace(rule, before=parse_duration(override.value))
    return dataclasses.replace(rule, lasts=parse_duration(override.value), until_end_of_day=False)


def _window(rule: Rule, start: datetime, end: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC start and end of a rule's window around a session (start/end in UTC)."""
    if rule.phase is Phase.PREP:
        assert rule.lead_days is not None
        local_date = start.astimezone(tz).date()
        return local_midnight(local_date - timedelta(days=rule.lead_days), tz).astimezone(
            UTC
        ), start
    if rule.phase is Phase.DAY_OF:
        assert rule.before is not None
        begin = start - rule.before
        return begin, (begin + rule.lasts if rule.lasts is not None else start)
    # A step that begins later ("hot bath allowed again after 48 hours") begins at a time
    # the patient can act on; so does the end of every step counted in elapsed time.
    begin = sensible_time(end + rule.after, tz) if rule.after else end
    if rule.until_end_of_day:
        next_day = begin.astimezone(tz).date() + timedelta(days=1)
        finish = local_midnight(next_day, tz).astimezone(UTC)
        # A session ending just before midnight still gets one full repetition.
        minimum = rule.repeat.every if rule.repeat is not None else timedelta(hours=1)
        return begin, max(finish, begin + minimum)
    assert rule.lasts is not None
    return begin, (sensible_time(begin + rule.lasts, tz) if rule.lasts else begin)


def spoken_list(names: list[str]) -> str:
    """Names as a sentence says them: "a", "a and b", "a, b and c"."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _text(rule: Rule, matched: list[str], approved: bool) -> str:
    if approved and rule.text_approved:
        return rule.text_approved
    if len(matched) > 1 and rule.text_matched_many:
        return rule.text_matched_many.format(matched=spoken_list(matched))
    if matched and rule.text_matched:
        return rule.text_matched.format(matched=spoken_list(matched))
    return rule.text


def _at_wall_time(day: date, like: datetime) -> datetime:
    """The session's wall-clock time on another day (a DST gap moves it forward)."""
    return forward(datetime.combine(day, like.time()), like.tzinfo)  # type: ignore[arg-type]


def _warnings(
    rule: Rule,
    r: Resolved,
    matched: list[str],
    window_start: datetime,
    start_local: datetime,
    booked_at: datetime | None,
) -> list[TimelineWarning]:
    """`washout_too_short` (and `patch_test_too_late`) for one item, with the earliest
    session start at the same wall time that would leave the full window."""
    tz = start_local.tzinfo
    session_date = start_local.date()
    out = []
    # Only over-the-counter washouts: a prescribed drug never gets a stop date, so
    # consult_prescriber (which matches prescribed entries) can never warn here.
    if rule.replaces_for_prescribed and matched and rule.lead_days is not None:
        lead = timedelta(days=rule.lead_days)
        candidates: list[tuple[datetime, str, str]] = []
        wanted = frozenset(rule.when.procedure_classes)
        for proc, raw in zip(r.procedures, r.intake.recent_procedures, strict=True):
            # The procedure's day is a day of exposure: it must come before the window,
            # which opens at local midnight N days before the session date.
            if proc.classes & wanted and session_date - lead <= raw.date <= session_date:
                earliest = _at_wall_time(raw.date + lead + timedelta(days=1), start_local)
                candidates.append((earliest, "recent_procedure", proc.name))
        if booked_at is not None and window_start < booked_at < start_local:
            booked = booked_at.astimezone(tz)
            # Counting starts at the next local midnight after the booking.
            first = booked.date() + lead + timedelta(days=0 if booked.time() == time() else 1)
            # Only what the patient takes now; a past procedure is handled above.
            current = [m.name for m in r.medications if m.name in matched]
            for name in current:
                candidates.append((_at_wall_time(first, start_local), "late_booking", name))
        if candidates:
            latest = max(candidates, key=lambda c: c[0])
            names = tuple(dict.fromkeys(c[2] for c in candidates if c[1] == latest[1]))
            out.append(TimelineWarning("washout_too_short", rule.code, latest[1], names, latest[0]))
    if (
        rule.phase is Phase.DAY_OF
        and rule.personal
        and rule.before is not None
        and booked_at is not None
        and window_start < booked_at < start_local
    ):
        candidate = start_local
        # Elapsed time: the patch test needs `before` real hours between it and the session.
        while candidate.astimezone(UTC) - rule.before < booked_at:
            candidate = _at_wall_time(candidate.date() + timedelta(days=1), start_local)
        out.append(
            TimelineWarning(
                "patch_test_too_late", rule.code, "late_booking", tuple(matched), candidate
            )
        )
    return out


def build_timeline_resolved(
    r: Resolved,
    *,
    start: datetime,
    duration: timedelta | None = None,
    library: Library,
    overrides: Overrides = NO_OVERRIDES,
    booked_at: datetime | None = None,
    include_staff_only: bool = False,
) -> Timeline:
    tz = start.tzinfo
    if not isinstance(tz, ZoneInfo):
        raise ValueError("start must carry a ZoneInfo time zone")
    if duration is None:
        duration = timedelta(minutes=library.session.duration_minutes)
    start_utc = start.astimezone(UTC)
    end_utc = start_utc + duration
    approved = r.plan is not None and r.plan.massage_approved
    items: list[Item] = []
    warnings: list[TimelineWarning] = []
    for base in library.rules:
        if not base.patient_visible and not include_staff_only:
            continue
        rule = effective_rule(base, overrides)
        matched: list[str] = []
        substances = []
        if not rule.when.is_empty():
            _, matched = select(rule.when, r)
            substances = matched_substances(rule.when, r, library)
        citations = (*rule.sources, *(c for s in substances for c in s.sources))
        if rule.personal and not matched:
            continue
        begin, finish = _window(rule, start_utc, end_utc, tz)
        repeat = None
        if rule.repeat is not None and (rule.approval is None or approved):
            repeat = ItemRepeat(
                rule.repeat.every, rule.repeat.lasts, rule.repeat.count, finish.astimezone(tz)
            )
        warnings += _warnings(rule, r, matched, begin, start, booked_at)
        items.append(
            Item(
                code=rule.code,
                phase=rule.phase,
                kind=rule.kind,
                label=rule.label,
                starts_at=begin.astimezone(tz),
                ends_at=finish.astimezone(tz),
                repeat=repeat,
                matched=tuple(matched),
                text=_text(rule, matched, approved and rule.approval is not None),
                value=rule.value,
                sources=tuple(library.source_labels(citations)),
                source_titles=tuple(library.source_titles(citations)),
                additions=tuple(s.label for s in substances if s.addition),
                clinic_defined=rule.clinic_defined,
                lasts=rule.lasts if rule.phase in {Phase.AFTERCARE, Phase.WATCH} else None,
                conflict=rule.conflict,
                conflict_sources=tuple(
                    (library.sources[sid].label, value) for sid, value in rule.conflict.values
                )
                if rule.conflict is not None
                else (),
            )
        )
    items.sort(key=lambda item: (PHASE_ORDER[item.phase], item.starts_at))
    return Timeline(
        start=start,
        end=end_utc.astimezone(tz),
        zone=tz,
        items=tuple(items),
        warnings=tuple(warnings),
        protocol_version=library.version,
    )


def build_timeline(
    intake: Intake,
    plan: Plan | None = None,
    *,
    start: datetime,
    duration: timedelta | None = None,
    library: Library,
    overrides: Overrides = NO_OVERRIDES,
    booked_at: datetime | None = None,
) -> Timeline:
    """The timeline of one session starting at `start` (aware, in the clinic's ZoneInfo)."""
    return build_timeline_resolved(
        resolve(intake, plan, library),
        start=start,
        duration=duration,
        library=library,
        overrides=overrides,
        booked_at=booked_at,
    )
