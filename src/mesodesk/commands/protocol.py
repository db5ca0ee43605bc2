"""`mesodesk protocol check|show`: validate and print the protocol library."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from mesodesk.commands.common import Parser, emit_json, guarded
from mesodesk.core.durations import describe
from mesodesk.core.inputs import InputError
from mesodesk.core.library import LIBRARY_ROOT, Library, check_library, load_library
from mesodesk.core.library.model import Citation, Conflict, Phase, Rule
from mesodesk.core.library.serialize import plain

SECTIONS = (
    ("contraindications", "Screening: contraindications and cautions"),
    (Phase.PREP, "Preparation (before the session)"),
    (Phase.DAY_OF, "The day of the session"),
    (Phase.AFTERCARE, "Aftercare (from the end of the session)"),
    (Phase.WATCH, "Side effects and red flags"),
    ("session", "The session"),
    ("injection", "Injection techniques (depth and volume checked when charting)"),
    ("schedules", "Series templates"),
    ("scales", "Outcome scales"),
    ("rejected", "Rejected claims (never shown to patients)"),
    ("sources", "Sources"),
)


def parser() -> Parser:
    p = Parser(prog="mesodesk protocol", description="Validate or print the protocol library.")
    sub = p.add_subparsers(dest="action", required=True, parser_class=Parser)
    check = sub.add_parser("check", help="validate the library; exit 1 listing every problem")
    check.add_argument("--root", type=Path, default=LIBRARY_ROOT, help="library folder to check")
    show = sub.add_parser("show", help="print rules with their sources and conflicts")
    show.add_argument("code", nargs="?", help="one rule, template, scale or source code")
    show.add_argument("--format", default="text", help="text (default) or json")
    return p


def _sources(library: Library, citations: Iterable[Citation]) -> Iterator[str]:
    for c in citations:
        yield f"    source: {library.sources[c.source].label} — “{c.at}”"


def _conflict(library: Library, conflict: Conflict | None) -> Iterator[str]:
    if conflict is None:
        return
    yield "    CONFLICT between sources:"
    for source_id, value in conflict.values:
        yield f"      {library.sources[source_id].label}: {value}"
    yield f"      chosen: {conflict.chosen} — {conflict.why}"


def _timing(rule: Rule) -> str:
    if rule.phase is Phase.PREP:
        return f"from local midnight {rule.lead_days} days before the session date"
    if rule.phase is Phase.DAY_OF:
        assert rule.before is not None
        return f"{describe(rule.before)} before the session"
    offset = (
        f"{describe(rule.after)} after the session end, "
        if rule.after
        else "from the session end, "
    )
    span = "until the end of that day" if rule.until_end_of_day else f"for {describe(rule.lasts)}"  # type: ignore[arg-type]
    if rule.lasts is not None and not rule.lasts:
        span = "(a moment)"
    repeat = ""
    if rule.repeat is not None:
        repeat = f"; {describe(rule.repeat.lasts)} every {describe(rule.repeat.every)}"
        if rule.approval:
            repeat += f" (only with the clinician's {rule.approval} approval)"
    return offset + span + repeat


def _rule_lines(library: Library, rule: Rule) -> Iterator[str]:
    flags = [rule.kind.value]
    if rule.personal:
        flags.append("personal")
    if not rule.patient_visible:
        flags.append("staff only")
    yield f"  {rule.code} — {rule.label} [{', '.join(flags)}]"
    yield f"    when: {_timing(rule)}"
    if rule.value:
        yield f"    value: {rule.value}"
    yield f"    patient text: {rule.text}"
    if rule.clinic_defined:
        yield "    figure: clinic-defined (no source gives it; set it with a clinic override)"
    if rule.note:
        yield f"    note: {rule.note}"
    yield from _conflict(library, rule.conflict)
    yield from _sources(library, rule.sources)


def _section(library: Library, key: Any, only: str | None) -> Iterator[str]:
    def wanted(code: str) -> bool:
        return only is None or code == only

    if isinstance(key, Phase):
        for rule in library.rules_in(key):
            if wanted(rule.code):
                yield from _rule_lines(library, rule)
        if key is Phase.WATCH:
            for effect in library.side_effects:
                if wanted(effect.code):
                    usually = f"usually {effect.usual_duration}"
                    yield f"  {effect.code} — expected: {effect.label}, {usually}"
                    yield from _sources(library, effect.sources)
            for flag in library.red_flags:
                if wanted(flag.code):
                    urgency = "call emergency services" if flag.urgent else "contact the clinic"
                    yield f"  {flag.code} — red flag ({urgency}): {flag.label}"
                    yield from _sources(library, flag.sources)
    elif key == "contraindications":
        for c in library.contraindications:
            if wanted(c.code):
                yield f"  {c.code} — {c.label} [{c.severity.value}]"
                yield f"    message: {c.message}"
                if c.note:
                    yield f"    note: {c.note}"
                yield from _conflict(library, c.conflict)
                yield from _sources(library, c.sources)
    elif key == "session":
        s = library.session
        if wanted("session"):
            yield (
                f"  session — {s.duration_minutes} minutes,"
                f" numbing cream {s.numbing_minutes} minutes before"
            )
            yield from _conflict(library, s.conflict)
            yield from _sources(library, s.sources)
        for fact in library.facts:
            if wanted(fact.code):
                yield f"  {fact.code} — {fact.text}"
                yield from _conflict(library, fact.conflict)
                yield from _sources(library, fact.sources)
    elif key == "injection":
        figures = library.injection
        if wanted("injection"):
            unconfirmed = "" if figures.confirmed else " (unconfirmed)"
            yield (
                f"  injection — depth for the session {figures.session_depth_mm.text('mm')};"
                f" {figures.volume_per_point_ml.text('mL')} per point,"
                f" points {figures.point_spacing_cm.text('cm')} apart{unconfirmed}"
            )
            if figures.note:
                yield f"    note: {figures.note}"
            yield from _sources(library, figures.sources)
        for t in library.injection_techniques.values():
            if wanted(t.code):
                depth = t.depth_mm.text("mm") if t.depth_mm is not None else "no depth"
                per_point = "; volume per point checked" if t.per_point_volume else ""
                yield f"  {t.code} — {t.label}: {depth}{per_point}"
                if t.device_type:
                    yield f"    device: {t.device_type}"
                if t.note:
                    yield f"    note: {t.note}"
                yield from _conflict(library, t.conflict)
                yield from _sources(library, t.sources)
    elif key == "schedules":
        for schedule in library.schedules.values():
            if wanted(schedule.code):
                gaps = ", ".join(
                    f"{p.sessions}× every {p.interval_days} d" for p in schedule.phases
                )
                yield f"  {schedule.code} — {schedule.label}"
                counts = (
                    f"{schedule.min_sessions}-{schedule.max_sessions}"
                    f" (default {schedule.default_sessions})"
                )
                yield f"    sessions {counts}; {gaps}"
                if schedule.maintenance_from_days is not None:
                    days = (
                        f"{schedule.maintenance_from_days}-{schedule.maintenance_until_days} days"
                    )
                    windows = f"{schedule.maintenance_windows} window(s)"
                    yield f"    maintenance: {days} after the series, {windows}"
                if schedule.note:
                    yield f"    note: {schedule.note}"
                yield from _conflict(library, schedule.conflict)
                yield from _sources(library, schedule.sources)
    elif key == "scales":
        for scale in library.scales.values():
            if wanted(scale.code):
                levels = "; ".join(f"{lv.value} {lv.label}" for lv in scale.levels)
                items = "; ".join(f"{i.label} {i.low}-{i.high}" for i in scale.items)
                bands = ", ".join(f"{b.low}-{b.high} {b.label.lower()}" for b in scale.bands)
                summed = f"{items} (total: {bands})" if items else ""
                yield f"  {scale.code} — {scale.label}: {levels or summed}"
                if scale.use == "outcome":
                    yield f"    rated by {', '.join(scale.raters)}; version: {scale.version}"
                yield from _sources(library, scale.sources)
    elif key == "rejected":
        for r in library.rejected:
            if wanted(r.code):
                yield f"  {r.code} — “{r.claim}”"
                yield f"    why rejected: {r.why}"
                yield from _sources(library, r.sources)
    elif key == "sources":
        for source in library.sources.values():
            if wanted(source.id):
                yield f"  {source.id} — {source.label}: {source.citation or source.title}"


def _find(library: Library, code: str) -> Any:
    for group in (
        library.contraindications,
        library.rules,
        library.facts,
        library.rejected,
        library.side_effects,
        library.red_flags,
    ):
        for item in group:
            if item.code == code:
                return item
    if code == "injection":
        return library.injection
    for mapping in (
        library.injection_techniques,
        library.schedules,
        library.scales,
        library.substances,
        library.ingredients,
        library.conditions,
        library.sources,
    ):
        if code in mapping:
            return mapping[code]
    return None


def _show(library: Library, code: str | None, fmt: str) -> int:
    if fmt not in {"text", "json"}:
        raise InputError("--format", f"expected text or json, got {fmt!r}")
    if code is not None and _find(library, code) is None:
        raise InputError("CODE", f"no rule, template, scale or source called {code!r}")
    if fmt == "json":
        emit_json(library.to_dict() if code is None else plain(_find(library, code)))
        return 0
    out = []
    if code is None:
        out += [f"{library.name} {library.version}", ""]
    for key, heading in SECTIONS:
        lines = list(_section(library, key, code))
        if lines:
            out += [heading, *lines, ""]
    if not out:  # a vocabulary entry: print it as data
        emit_json(plain(_find(library, code)))  # type: ignore[arg-type]
        return 0
    sys.stdout.write("\n".join(out).rstrip() + "\n")
    return 0


def _check(root: Path) -> int:
    problems = check_library(root)
    if problems:
        for problem in problems:
            sys.stderr.write(f"{problem}\n")
        sys.stderr.write(f"{len(problems)} problem(s) in {root}\n")
        return 1
    library = load_library(root)
    sys.stdout.write(
        f"ok: {library.name} {library.version}: {len(library.sources)} sources, "
        f"{len(library.contraindications)} contraindications, {len(library.rules)} timeline rules, "
        f"{len(library.schedules)} schedules, {len(library.substances)} substances, "
        f"{sum(s.use == 'outcome' for s in library.scales.values())} outcome scales\n"
    )
    return 0


def _run(argv: Sequence[str]) -> int:
    args = parser().parse_args(argv)
    if args.action == "check":
        return _check(args.root)
    return _show(load_library(), args.code, args.format)


def run(argv: Sequence[str]) -> int:
    return guarded("protocol", _run, argv)
