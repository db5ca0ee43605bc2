"""Reading the library's TOML files into dataclasses (one parser per table name)."""

from __future__ import annotations

import itertools
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from mesodesk.core.library.entries import Entry, Problem
from mesodesk.core.library.model import (
    ADVERSE_EVENT_CATEGORIES,
    AdverseEventTerm,
    Allergen,
    ConsentText,
    Contraindication,
    DeviceModel,
    DeviceType,
    Fact,
    Ingredient,
    InjectionDefaults,
    InjectionTechnique,
    Kind,
    Phase,
    Prescribed,
    Procedure,
    Range,
    RedFlag,
    Rejected,
    Repeat,
    Rule,
    Scale,
    ScaleBand,
    ScaleItem,
    ScaleLevel,
    Schedule,
    SchedulePhase,
    SessionDefaults,
    Severity,
    SideEffect,
    Source,
    Substance,
    SubstanceClass,
    Term,
)

# Vocabularies that are plain terms (code, label, synonyms, sources).
TERM_TABLES = (
    "condition",
    "area",
    "indication",
    "technique",
    "ingredient_group",
    "procedure_class",
)


@dataclass
class Parsed:
    """Everything read from the files, before cross-checking; lists keep file order."""

    name: str = ""
    release: str = ""
    session: SessionDefaults | None = None
    injection: InjectionDefaults | None = None
    sources: list[Source] = field(default_factory=list)
    terms: dict[str, list[Term]] = field(default_factory=lambda: {t: [] for t in TERM_TABLES})
    substance_classes: list[SubstanceClass] = field(default_factory=list)
    substances: list[Substance] = field(default_factory=list)
    ingredients: list[Ingredient] = field(default_factory=list)
    allergens: list[Allergen] = field(default_factory=list)
    procedures: list[Procedure] = field(default_factory=list)
    device_types: list[DeviceType] = field(default_factory=list)
    devices: list[DeviceModel] = field(default_factory=list)
    contraindications: list[Contraindication] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    side_effects: list[SideEffect] = field(default_factory=list)
    red_flags: list[RedFlag] = field(default_factory=list)
    adverse_events: list[AdverseEventTerm] = field(default_factory=list)
    schedules: list[Schedule] = field(default_factory=list)
    scales: list[Scale] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    consent_texts: list[ConsentText] = field(default_factory=list)
    injection_techniques: list[InjectionTechnique] = field(default_factory=list)
    # where each entry was defined, for cross-check messages: (table, code) -> file
    origin: dict[tuple[str, str], str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)


def _source(e: Entry) -> Source:
    kind = e.text("kind")
    if kind not in {"seed", "literature"}:
        e.problem(f"kind must be seed or literature, got {kind!r}")
    label = e.text("file") if kind == "seed" else e.text("short")
    return Source(
        id=e.text("id"),
        kind=kind,
        label=label,
        title=e.text("title"),
        citation=e.text("citation", required=kind == "literature"),
    )


def _term(e: Entry) -> Term:
    return Term(
        code=e.text("code"),
        label=e.text("label"),
        synonyms=e.texts("synonyms"),
        sources=e.citations(required=False),
        note=e.text("note", required=False),
    )


def _substance_class(e: Entry) -> SubstanceClass:
    return SubstanceClass(
        code=e.text("code"),
        label=e.text("label"),
        blood_thinning=e.flag("blood_thinning"),
        relevant=e.flag("relevant"),
        sources=e.citations(required=False),
        spelling_variants=e.flag("spelling_variants"),
        members_cited=e.flag("members_cited"),
    )


def _substance(e: Entry) -> Substance:
    return Substance(
        code=e.text("code"),
        label=e.text("label"),
        classes=e.texts("classes", required=True),
        prescription_only=e.flag("prescription_only"),
        synonyms=e.texts("synonyms"),
        over_the_counter_if=e.texts("over_the_counter_if"),
        sources=e.citations(required=False),
        addition=e.text("addition", required=False),
    )


def _ingredient(e: Entry) -> Ingredient:
    return Ingredient(
        code=e.text("code"),
        label=e.text("label"),
        group=e.text("group"),
        synonyms=e.texts("synonyms"),
        sources=e.citations(),
        note=e.text("note", required=False),
    )


def _allergen(e: Entry) -> Allergen:
    return Allergen(
        code=e.text("code"),
        label=e.text("label"),
        ingredients=e.texts("ingredients", required=True),
        synonyms=e.texts("synonyms"),
    )


def _procedure(e: Entry) -> Procedure:
    return Procedure(
        code=e.text("code"),
        label=e.text("label"),
        classes=e.texts("classes", required=True),
        synonyms=e.texts("synonyms"),
    )


def _device_type(e: Entry) -> DeviceType:
    return DeviceType(
        code=e.text("code"),
        label=e.text("label"),
        injects=e.flag("injects"),
        technique=e.text("technique", required=False) or None,
        sources=e.citations(),
        note=e.text("note", required=False),
    )


def _device(e: Entry) -> DeviceModel:
    return DeviceModel(
        code=e.text("code"),
        label=e.text("label"),
        device_type=e.text("device_type"),
        sources=e.citations(),
    )


def _severity(e: Entry) -> Severity:
    text = e.text("severity")
    try:
        return Severity(text)
    except ValueError:
        e.problem(f"severity must be absolute, relative or caution, got {text!r}")
        return Severity.CAUTION


def _contraindication(e: Entry) -> Contraindication:
    when = e.selector("when")
    if when.is_empty():
        e.problem("`when` selects nobody: give conditions, medication classes or a special hook")
    return Contraindication(
        code=e.text("code"),
        label=e.text("label"),
        severity=_severity(e),
        when=when,
        message=e.text("message"),
        sources=e.citations(),
        conflict=e.conflict(),
        note=e.text("note", required=False),
    )


def _repeat(e: Entry) -> Repeat | None:
    raw = e.table("repeat")
    if raw is None:
        return None
    sub = Entry(raw, file=e.file, table=f"{e.name} repeat", index=0, problems=e.problems)
    sub.name = f"{e.name} (repeat)"
    every, lasts = sub.duration("every", required=True), sub.duration("lasts", required=True)
    count = sub.integer("count", required=False)
    sub.finish()
    if every is None or lasts is None:
        return None
    if lasts > every:
        e.problem("repeat lasts longer than its interval")
    return Repeat(every=every, lasts=lasts, count=count)


def _enum[T](e: Entry, key: str, enum: Callable[[str], T], default: T) -> T:
    text = e.text(key)
    try:
        return enum(text)
    except ValueError:
        e.problem(f"{key} {text!r} is not one of the allowed values")
        return default


def _rule(e: Entry) -> Rule:
    phase = _enum(e, "phase", Phase, Phase.AFTERCARE)
    rule = Rule(
        code=e.text("code"),
        phase=phase,
        kind=_enum(e, "kind", Kind, Kind.DO),
        label=e.text("label"),
        text=e.text("text"),
        sources=e.citations(),
        lead_days=e.integer("lead_days", required=phase is Phase.PREP),
        before=e.duration("before", required=phase is Phase.DAY_OF),
        after=e.duration("after") or timedelta(0),
        lasts=e.duration("lasts"),
        until_end_of_day=e.flag("until_end_of_day"),
        repeat=_repeat(e),
        approval=e.text("approval", required=False) or None,
        personal=e.flag("personal"),
        when=e.selector("when"),
        replaces_for_prescribed=e.flag("replaces_for_prescribed"),
        text_matched=e.text("text_matched", required=False),
        text_matched_many=e.text("text_matched_many", required=False),
        text_approved=e.text("text_approved", required=False),
        value=e.text("value", required=False),
        patient_visible=e.flag("patient_visible", default=True),
        conflict=e.conflict(),
        note=e.text("note", required=False),
        clinic_defined=e.flag("clinic_defined"),
    )
    timed_after = phase in {Phase.AFTERCARE, Phase.WATCH}
    if timed_after and (rule.lasts is None) == (not rule.until_end_of_day):
        e.problem("an aftercare or watch item needs exactly one of `lasts` or `until_end_of_day`")
    if phase is Phase.PREP and isinstance(rule.lead_days, int) and rule.lead_days < 0:
        e.problem("lead_days must not be negative")
    if (rule.approval is None) != (not rule.text_approved):
        e.problem("`approval` and `text_approved` go together")
    if re.search(r"\bit\b", rule.text_matched) and not rule.text_matched_many:
        # "You take warfarin and insulin ... do not stop it": several entries need "them".
        e.problem("`text_matched` says 'it': add `text_matched_many` for several entries")
    if rule.text_matched_many and "{matched}" not in rule.text_matched_many:
        e.problem("`text_matched_many` must name {matched}")
    if rule.clinic_defined and (rule.conflict is not None or not rule.note):
        e.problem("a clinic-defined figure has no conflict of sources, and a note saying why")
    if rule.replaces_for_prescribed and rule.when.prescribed is not Prescribed.NO:
        e.problem('replaces_for_prescribed needs `when` with prescribed = "no"')
    if rule.personal and rule.when.is_empty():
        e.problem("a personal item needs `when` to say whom it is for")
    return rule


def _side_effect(e: Entry) -> SideEffect:
    return SideEffect(
        code=e.text("code"),
        label=e.text("label"),
        usual_duration=e.text("usual_duration"),
        sources=e.citations(),
    )


def _red_flag(e: Entry) -> RedFlag:
    return RedFlag(
        code=e.text("code"), label=e.text("label"), urgent=e.flag("urgent"), sources=e.citations()
    )


def _adverse_event(e: Entry) -> AdverseEventTerm:
    category = e.text("category")
    if category not in ADVERSE_EVENT_CATEGORIES:
        e.problem(f"category must be one of {', '.join(ADVERSE_EVENT_CATEGORIES)}")
    return AdverseEventTerm(
        code=e.text("code"),
        label=e.text("label"),
        category=category,
        sources=e.citations(),
        note=e.text("note", required=False),
    )


def _schedule(e: Entry) -> Schedule:
    phases = []
    for index, raw in enumerate(e._get("phases", (list,), True, [])):
        sub = Entry(raw, file=e.file, table=f"{e.name} phase", index=index, problems=e.problems)
        sub.name = f"{e.name} (phase {index + 1})"
        phase = SchedulePhase(
            sessions=sub.integer("sessions", default=0),
            interval_days=sub.integer("interval_days", default=0),
            min_interval_days=sub.integer("min_interval_days", default=0),
        )
        sub.finish()
        if not 0 < phase.min_interval_days <= phase.interval_days:
            sub.problem("need 0 < min_interval_days <= interval_days")
        phases.append(phase)
    schedule = Schedule(
        code=e.text("code"),
        label=e.text("label"),
        min_sessions=e.integer("min_sessions", default=1),
        max_sessions=e.integer("max_sessions", default=1),
        default_sessions=e.integer("default_sessions", default=1),
        phases=tuple(phases),
        maintenance_from_days=e.integer("maintenance_from_days", required=False),
        maintenance_until_days=e.integer("maintenance_until_days", required=False),
        maintenance_windows=e.integer("maintenance_windows", required=False, default=1),
        sources=e.citations(),
        note=e.text("note", required=False),
        conflict=e.conflict(),
    )
    if not 1 <= schedule.min_sessions <= schedule.default_sessions <= schedule.max_sessions:
        e.problem("need 1 <= min_sessions <= default_sessions <= max_sessions")
    if not phases:
        e.problem("a schedule needs at least one phase")
    return schedule


# The roles that rate an outcome scale (CLINIC.md 6) and the two directions of better.
SCALE_RATERS = ("practitioner", "patient", "blinded")
SCALE_USES = ("outcome", "grading")


def _scale_levels(e: Entry, required: bool) -> tuple[ScaleLevel, ...]:
    levels = []
    for raw in e._get("levels", (list,), required, []):
        if isinstance(raw, dict) and {"value", "label"} <= set(raw) <= {
            "value",
            "label",
            "definition",
        }:
            levels.append(
                ScaleLevel(
                    value=str(raw["value"]),
                    label=str(raw["label"]),
                    definition=str(raw.get("definition", "")),
                )
            )
        else:
            e.problem(
                f"each level must be {{ value = ..., label = ..., definition = ... }}, got {raw!r}"
            )
    values = [level.value for level in levels]
    if len(set(values)) != len(values):
        e.problem("level values must be unique")
    return tuple(levels)


def _scale_items(e: Entry) -> tuple[ScaleItem, ...]:
    items = []
    for raw in e._get("items", (list,), False, []):
        keys = {"code", "label", "low", "high"}
        if (
            isinstance(raw, dict)
            and keys <= set(raw) <= keys | {"definition"}
            and isinstance(raw["low"], int)
            and isinstance(raw["high"], int)
            and raw["low"] < raw["high"]
        ):
            items.append(
                ScaleItem(
                    code=str(raw["code"]),
                    label=str(raw["label"]),
                    low=raw["low"],
                    high=raw["high"],
                    definition=str(raw.get("definition", "")),
                )
            )
        else:
            e.problem(f"each item needs code, label and integers low < high, got {raw!r}")
    return tuple(items)


def _scale_bands(e: Entry, items: tuple[ScaleItem, ...]) -> tuple[ScaleBand, ...]:
    bands = []
    for raw in e._get("bands", (list,), False, []):
        if (
            isinstance(raw, dict)
            and set(raw) == {"low", "high", "label"}
            and isinstance(raw["low"], int)
            and isinstance(raw["high"], int)
            and raw["low"] <= raw["high"]
        ):
            bands.append(ScaleBand(low=raw["low"], high=raw["high"], label=str(raw["label"])))
        else:
            e.problem(f"each band needs integers low <= high and a label, got {raw!r}")
    if bands and not items:
        e.problem("bands belong to a scale summed from items")
    ordered = sorted(bands, key=lambda b: b.low)
    for before, after in itertools.pairwise(ordered):
        if after.low != before.high + 1:
            e.problem(f"bands must follow each other without gap or overlap at {after.low}")
    if items and ordered and ordered[-1].high != sum(i.high for i in items):
        e.problem("the last band must end at the highest possible total")
    return tuple(ordered)


def _scale(e: Entry) -> Scale:
    items = _scale_items(e)
    levels = _scale_levels(e, required=not items)
    if items and levels:
        e.problem("a scale has either levels or items, not both")
    raters = e.texts("raters") or ("practitioner", "blinded")
    for rater in raters:
        if rater not in SCALE_RATERS:
            e.problem(f"unknown rater {rater!r} (one of {', '.join(SCALE_RATERS)})")
    use = e.text("use", required=False, default="outcome")
    if use not in SCALE_USES:
        e.problem(f"use must be outcome or grading, got {use!r}")
    better = e.text("better", required=False, default="lower")
    if better not in ("lower", "higher", "none"):
        e.problem(f"better must be lower, higher or none (a type, not an outcome), got {better!r}")
    scale = Scale(
        code=e.text("code"),
        label=e.text("label"),
        levels=levels,
        sources=e.citations(),
        note=e.text("note", required=False),
        version=e.text("version", required=use == "outcome"),
        use=use,
        raters=raters,
        against_baseline=e.flag("against_baseline"),
        per_side=e.flag("per_side"),
        items=items,
        bands=_scale_bands(e, items),
        better=better,
    )
    if scale.code.replace("-", "_").startswith("face_q"):
        # FACE-Q is licensed (Q-Portfolio): the library ships none of its items.
        e.problem("FACE-Q is a licensed instrument: the library ships none of it")
    return scale


def _fact(e: Entry) -> Fact:
    return Fact(
        code=e.text("code"),
        topic=e.text("topic"),
        text=e.text("text"),
        sources=e.citations(),
        value=e.text("value", required=False),
        conflict=e.conflict(),
    )


def _consent_text(e: Entry) -> ConsentText:
    return ConsentText(
        code=e.text("code"),
        purpose=e.text("purpose"),
        title=e.text("title"),
        text=e.text("text"),
        sources=e.citations(),
        technique=e.text("technique", required=False),
        tier=e.text("tier", required=False),
    )


def _rejected(e: Entry) -> Rejected:
    return Rejected(
        code=e.text("code"), claim=e.text("claim"), why=e.text("why"), sources=e.citations()
    )


def _injection_technique(e: Entry) -> InjectionTechnique:
    needs_depth = e.flag("needs_depth", default=True)
    depth = e.range("depth_mm", required=needs_depth)
    if not needs_depth and depth is not None:
        e.problem("a technique without depth (needs_depth = false) gives no depth_mm")
    return InjectionTechnique(
        code=e.text("code"),
        label=e.text("label"),
        depth_mm=depth if needs_depth else None,
        sources=e.citations(),
        per_point_volume=e.flag("per_point_volume"),
        device_type=e.text("device_type", required=False) or None,
        conflict=e.conflict(),
        note=e.text("note", required=False),
    )


# table name -> (parser, attribute of Parsed it is appended to)
PARSERS: dict[str, tuple[Callable[[Entry], Any], str]] = {
    "source": (_source, "sources"),
    "substance_class": (_substance_class, "substance_classes"),
    "substance": (_substance, "substances"),
    "ingredient": (_ingredient, "ingredients"),
    "allergen": (_allergen, "allergens"),
    "procedure": (_procedure, "procedures"),
    "device_type": (_device_type, "device_types"),
    "device": (_device, "devices"),
    "contraindication": (_contraindication, "contraindications"),
    "rule": (_rule, "rules"),
    "side_effect": (_side_effect, "side_effects"),
    "red_flag": (_red_flag, "red_flags"),
    "adverse_event": (_adverse_event, "adverse_events"),
    "schedule": (_schedule, "schedules"),
    "scale": (_scale, "scales"),
    "fact": (_fact, "facts"),
    "rejected": (_rejected, "rejected"),
    "consent_text": (_consent_text, "consent_texts"),
    "injection_technique": (_injection_technique, "injection_techniques"),
}

HEADERS = ("library", "session", "injection")


def _header(parsed: Parsed, data: Any, file: str, problems: list[Problem], key: str) -> None:
    e = Entry(data, file=file, table=key, index=0, problems=problems)
    e.name = f"[{key}]"
    if key == "library":
        parsed.name = e.text("name")
        parsed.release = e.text("release")
    elif key == "injection":
        ranges = [
            e.range(k) for k in ("session_depth_mm", "volume_per_point_ml", "point_spacing_cm")
        ]
        confirmed = e._get("confirmed", (bool,), True, False)
        parsed.injection = InjectionDefaults(
            session_depth_mm=ranges[0] or Range(),
            volume_per_point_ml=ranges[1] or Range(),
            point_spacing_cm=ranges[2] or Range(),
            confirmed=confirmed,
            sources=e.citations(),
            note=e.text("note", required=False),
        )
    else:
        parsed.session = SessionDefaults(
            duration_minutes=e.integer("duration_minutes", default=30),
            numbing_minutes=e.integer("numbing_minutes", default=20),
            sources=e.citations(),
            conflict=e.conflict(),
        )
    e.finish()


def read_files(root: Path) -> tuple[Parsed, list[Problem]]:
    """Read every `*.toml` below `root` (sorted, so the content hash is stable)."""
    parsed = Parsed()
    problems: list[Problem] = []
    paths = sorted(p for p in root.rglob("*.toml") if p.is_file())
    if not paths:
        problems.append(Problem(str(root), "library", "no .toml files found"))
    for path in paths:
        rel = path.relative_to(root).as_posix()
        text = path.read_text(encoding="utf-8")
        parsed.files[rel] = text
        try:
            document = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            problems.append(Problem(rel, "file", f"not valid TOML: {error}"))
            continue
        for key, value in document.items():
            if key in HEADERS:
                _header(parsed, value, rel, problems, key)
                continue
            if key not in PARSERS and key not in TERM_TABLES:
                problems.append(Problem(rel, key, "unknown table (a typo?)"))
                continue
            if not isinstance(value, list):
                problems.append(Problem(rel, key, f"write it as [[{key}]] (an array of tables)"))
                continue
            for index, raw in enumerate(value):
                entry = Entry(raw, file=rel, table=key, index=index, problems=problems)
                if key in TERM_TABLES:
                    item = _term(entry)
                    parsed.terms[key].append(item)
                else:
                    parser, attribute = PARSERS[key]
                    item = parser(entry)
                    getattr(parsed, attribute).append(item)
                entry.finish()
                code = str(getattr(item, "code", None) or getattr(item, "id", ""))
                if (key, code) in parsed.origin:
                    entry.problem(f"{key} {code!r} is defined twice")
                parsed.origin[(key, code)] = rel
    if not parsed.release:
        problems.append(Problem("library.toml", "[library]", "no release given"))
    if parsed.session is None:
        problems.append(Problem("session.toml", "[session]", "no session defaults given"))
    if parsed.injection is None:
        problems.append(Problem("injection.toml", "[injection]", "no injection figures given"))
    return parsed, problems
