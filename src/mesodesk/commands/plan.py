"""`mesodesk plan`: the dates of a whole series from a schedule template."""

from __future__ import annotations

from collections.abc import Sequence

from mesodesk.commands.common import Parser, emit_json, guarded
from mesodesk.core.inputs import InputError
from mesodesk.core.library import load_library
from mesodesk.core.localtime import parse_wall_time, zone
from mesodesk.core.planner import parse_holidays, parse_weekdays, plan_series


def parser() -> Parser:
    p = Parser(
        prog="mesodesk plan",
        description="Dates of a whole series from a schedule template of the library, moved "
        "later off closed days and holidays (never shortening the minimum interval), and the "
        "maintenance windows after the series.",
    )
    p.add_argument("--template", required=True, help="biweekly_series, monthly_starter, ...")
    p.add_argument("--first", required=True, help="first session, local time: 2026-01-05T10:00")
    p.add_argument("--tz", required=True, help="the clinic's IANA time zone")
    p.add_argument("--sessions", metavar="N", help="number of sessions (default: the template's)")
    p.add_argument("--closed", default="", help="closed weekdays: sat,sun")
    p.add_argument("--holidays", default="", help="closed dates: 2026-12-25,2026-12-26")
    return p


def _run(argv: Sequence[str]) -> int:
    args = parser().parse_args(argv)
    library = load_library()
    schedule = library.schedules.get(args.template)
    if schedule is None:
        known = ", ".join(sorted(library.schedules))
        raise InputError("--template", f"unknown template {args.template!r} (one of {known})")
    tz = zone(args.tz, "--tz")
    first = parse_wall_time(args.first, tz, "--first")
    sessions = None
    if args.sessions is not None:
        if not (args.sessions.isascii() and args.sessions.isdigit()):
            raise InputError("--sessions", f"expected a whole number, got {args.sessions!r}")
        sessions = int(args.sessions)
    series = plan_series(
        schedule,
        first=first,
        sessions=sessions,
        closed=parse_weekdays(args.closed),
        holidays=parse_holidays(args.holidays),
        source_labels=tuple(library.source_labels(schedule.sources)),
    )
    emit_json(series.to_dict())
    return 0


def run(argv: Sequence[str]) -> int:
    return guarded("plan", _run, argv)
