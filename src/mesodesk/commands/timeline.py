"""`mesodesk timeline`: a patient's dated instructions around one session."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from mesodesk.commands.common import Parser, emit_json, guarded, overrides_for, read_json
from mesodesk.core.bounds import check_date
from mesodesk.core.formats.ics import timeline_to_ics
from mesodesk.core.formats.text import timeline_to_text
from mesodesk.core.inputs import InputError, parse_intake, parse_plan
from mesodesk.core.library import load_library
from mesodesk.core.localtime import parse_wall_time, zone
from mesodesk.core.timeline import build_timeline


def parser() -> Parser:
    p = Parser(
        prog="mesodesk timeline",
        description="A patient's preparation, day-of, aftercare and watch instructions around "
        "one session. --start is local wall time in --tz; a time that does not exist or "
        "happens twice on a daylight-saving day is refused unless it carries its UTC offset.",
    )
    p.add_argument("--start", required=True, help="session start, local time: 2026-03-28T18:00")
    p.add_argument("--tz", required=True, help="the clinic's IANA time zone: Europe/Berlin")
    p.add_argument("--intake", required=True, metavar="INTAKE.json", help="'-' for stdin")
    p.add_argument("--plan", metavar="PLAN.json")
    p.add_argument("--duration", metavar="MIN", help="session length in minutes (default: library)")
    p.add_argument("--format", default="json", help="json (default), ics or text")
    p.add_argument(
        "--clinic", metavar="SLUG", help="apply this clinic's overrides (reads the database)"
    )
    p.add_argument(
        "--booked-at",
        metavar="ISO",
        help="when the booking is made, with offset (default: now); a booking later than a "
        "washout allows gives a washout_too_short warning",
    )
    return p


def _duration(text: str | None) -> timedelta | None:
    if text is None:
        return None
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 24 * 60:
        raise InputError("--duration", f"expected whole minutes from 1 to 1440, got {text!r}")
    return timedelta(minutes=int(text))


def _booked_at(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InputError("--booked-at", f"not a valid date and time: {text[:40]!r}") from None
    if value.tzinfo is None:
        raise InputError("--booked-at", "needs a UTC offset, e.g. 2026-03-20T09:00:00+01:00")
    return check_date(value, "--booked-at")


def _run(argv: Sequence[str]) -> int:
    args = parser().parse_args(argv)
    if args.format not in {"json", "ics", "text"}:
        raise InputError("--format", f"expected json, ics or text, got {args.format!r}")
    tz = zone(args.tz, "--tz")
    start = parse_wall_time(args.start, tz, "--start")
    duration = _duration(args.duration)
    booked_at = _booked_at(args.booked_at)
    library = load_library()
    intake = parse_intake(read_json(args.intake, "--intake"), library, today=start.date())
    plan = parse_plan(read_json(args.plan, "--plan"), library) if args.plan else None
    timeline = build_timeline(
        intake,
        plan,
        start=start,
        duration=duration,
        library=library,
        overrides=overrides_for(args.clinic),
        booked_at=booked_at,
    )
    if args.format == "ics":
        sys.stdout.buffer.write(timeline_to_ics(timeline))
    elif args.format == "text":
        sys.stdout.write(timeline_to_text(timeline))
    else:
        emit_json(timeline.to_dict())
    return 0


def run(argv: Sequence[str]) -> int:
    return guarded("timeline", _run, argv)
