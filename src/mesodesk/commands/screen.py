"""`mesodesk screen INTAKE.json [--plan PLAN.json]`: the verdict and findings as JSON."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from mesodesk.commands.common import Parser, emit_json, guarded, overrides_for, read_json
from mesodesk.core.inputs import parse_intake, parse_plan
from mesodesk.core.library import load_library
from mesodesk.core.screening import screen


def parser() -> Parser:
    p = Parser(
        prog="mesodesk screen",
        description="Screen an intake (DESIGN 7.1) for contraindications. Prints JSON: "
        "verdict (eligible, review, ineligible), findings with severity and sources, "
        "and the protocol version. Exit 2 with one line on stderr for invalid input.",
    )
    p.add_argument("intake", metavar="INTAKE.json", help="the intake document ('-' for stdin)")
    p.add_argument("--plan", metavar="PLAN.json", help="the treatment plan (DESIGN 7.2)")
    p.add_argument(
        "--clinic", metavar="SLUG", help="apply this clinic's overrides (reads the database)"
    )
    return p


def _run(argv: Sequence[str]) -> int:
    args = parser().parse_args(argv)
    library = load_library()
    # The intake has no zone: "today" is today anywhere on Earth (UTC+14 is furthest ahead).
    today = (datetime.now(UTC) + timedelta(hours=14)).date()
    intake = parse_intake(read_json(args.intake, "INTAKE"), library, today=today)
    plan = parse_plan(read_json(args.plan, "--plan"), library) if args.plan else None
    overrides = overrides_for(args.clinic)
    emit_json(screen(intake, plan, library=library, overrides=overrides).to_dict())
    return 0


def run(argv: Sequence[str]) -> int:
    return guarded("screen", _run, argv)
