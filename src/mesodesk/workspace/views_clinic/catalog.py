"""The protocol library as the staff browser shows it: one `Entry` per rule, template,
scale or claim, with its sources, its conflict and what a clinic override may change.

Built once per library (the library is immutable) and free of Django: the views add the
clinic's overrides.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from types import MappingProxyType

from mesodesk.core.durations import DurationError, describe, parse_duration
from mesodesk.core.library import Library
from mesodesk.core.library.model import Citation, Conflict, Phase, Rule

SECTIONS: tuple[tuple[str, str], ...] = (
    ("screening", "Screening: contraindications and cautions"),
    (Phase.PREP.value, "Preparation (before the session)"),
    (Phase.DAY_OF.value, "The day of the session"),
    (Phase.AFTERCARE.value, "Aftercare (from the end of the session)"),
    (Phase.WATCH.value, "Side effects and red flags"),
    ("session", "The session"),
    ("schedules", "Series templates"),
    ("scales", "Outcome scales"),
    ("rejected", "Rejected claims (never shown to patients)"),
)
SECTION_LABELS = dict(SECTIONS)


@dataclass(frozen=True, slots=True)
class CitedSource:
    """A source as one rule cites it: the source and the few words saying where."""

    id: str
    label: str
    title: str
    citation: str
    at: str


@dataclass(frozen=True, slots=True)
class ConflictView:
    """Sources that disagree: what each says, the library's choice and why."""

    values: tuple[tuple[str, str], ...]  # (source label, what it says)
    chosen: str
    why: str


@dataclass(frozen=True, slots=True)
class Entry:
    """One item of the library as a row of the browser and a page of its own."""

    code: str
    section: str
    label: str
    badge: str = ""  # severity of a contraindication, kind of a timeline rule ...
    timing: str = ""
    value: str = ""
    texts: tuple[tuple[str, str], ...] = ()  # (what it is, the text)
    note: str = ""
    sources: tuple[CitedSource, ...] = ()
    conflict: ConflictView | None = None
    # What a clinic override may change: "severity" (screening) or "value" (timeline).
    overridable: str = ""
    default: str = ""  # the library's figure or severity that an override replaces
    value_help: str = ""  # how to write a new value
    flags: tuple[str, ...] = ()
    # No source gives the figure: the library's default is the clinic's to set.
    clinic_defined: bool = False
    # Substances the rule covers that no source names (the clinic's additions), and why.
    additions: tuple[str, ...] = ()
    additions_why: tuple[str, ...] = ()
    search: str = field(default="", repr=False)

    @property
    def section_label(self) -> str:
        return SECTION_LABELS[self.section]

    @property
    def badge_class(self) -> str:
        """The stylesheet's badge colour: severities as verdicts, the rest neutral."""
        return {"absolute": "bad", "relative": "review", "caution": "warn", "red flag": "bad"}.get(
            self.badge, "tag"
        )

    def figure(self, value: object) -> str:
        """A clinic's override value in the words of `default` ("10 days before ...")."""
        text = str(value)
        if self.section == Phase.PREP.value:
            return f"{text} days before the session"
        try:
            duration = describe(parse_duration(text))
        except DurationError:
            return text
        return f"{duration} before the session" if self.section == "day_of" else f"for {duration}"


@dataclass(frozen=True, slots=True)
class Catalog:
    """Every entry of one library, by section and by code, and its sources."""

    version: str
    entries: tuple[Entry, ...]
    by_code: Mapping[str, Entry]
    sources: tuple[CitedSource, ...]

    def find(self, *, q: str = "", section: str = "") -> list[Entry]:
        """Entries of one section (all when blank) whose words contain every word of `q`."""
        words = q.lower().split()
        return [
            e
            for e in self.entries
            if (not section or e.section == section) and all(w in e.search for w in words)
        ]


def _cited(library: Library, citations: Iterable[Citation]) -> tuple[CitedSource, ...]:
    out = []
    for c in citations:
        s = library.sources[c.source]
        out.append(CitedSource(s.id, s.label, s.title, s.citation, c.at))
    return tuple(out)


def _conflict(library: Library, conflict: Conflict | None) -> ConflictView | None:
    if conflict is None:
        return None
    values = tuple((library.sources[sid].label, value) for sid, value in conflict.values)
    return ConflictView(values, conflict.chosen, conflict.why)


def _entry(**kwargs: object) -> Entry:
    texts = kwargs.get("texts", ())
    words = [str(kwargs["code"]), str(kwargs["label"]), str(kwargs.get("value", ""))]
    words += [t for _, t in texts]  # type: ignore[attr-defined]
    words.append(str(kwargs.get("note", "")))
    return Entry(search=" ".join(words).lower(), **kwargs)  # type: ignore[arg-type]


def rule_timing(rule: Rule) -> str:
    """When a timeline rule applies, in the words `mesodesk protocol show` uses."""
    if rule.phase is Phase.PREP:
        return f"From local midnight {rule.lead_days} days before the session date"
    if rule.phase is Phase.DAY_OF:
        return f"{describe(rule.before or timedelta(0))} before the session"
    start = (
        f"{describe(rule.after)} after the session end" if rule.after else "From the session end"
    )
    if rule.until_end_of_day:
        span = "until the end of that day"
    elif rule.lasts is None or not rule.lasts:
        span = "(a moment)"
    else:
        span = f"for {describe(rule.lasts)}"
    out = f"{start}, {span}"
    if rule.repeat is not None:
        out += f"; {describe(rule.repeat.lasts)} every {describe(rule.repeat.every)}"
        if rule.approval:
            out += f" (only with the clinician's {rule.approval} approval)"
    return out


def _rule_default(rule: Rule) -> tuple[str, str]:
    """The figure an override of this rule replaces, and how to write a new one."""
    if rule.phase is Phase.PREP:
        return (
            f"{rule.lead_days} days before the session",
            "Whole days before the session date, 0 to 365 (for example 10).",
        )
    if rule.phase is Phase.DAY_OF:
        before = describe(rule.before) if rule.before is not None else "—"
        return (
            f"{before} before the session",
            "How long before the session: a number and m, h, d or w (for example 24h).",
        )
    if rule.until_end_of_day:
        current = "until the end of the day"
    elif rule.lasts is None:
        current = "—"
    else:
        current = f"for {describe(rule.lasts)}"
    return (
        current,
        "How long it lasts: a number and m, h, d or w (for example 48h or 2w).",
    )


def _rules(library: Library) -> Iterable[Entry]:
    for rule in library.rules:
        flags = []
        if rule.personal:
            flags.append("personal")
        if not rule.patient_visible:
            flags.append("staff only")
        texts = [("Patient text", rule.text)]
        if rule.text_matched:
            texts.append(("When the patient's own entries match", rule.text_matched))
        if rule.text_matched_many:
            texts.append(("When several of them match", rule.text_matched_many))
        if rule.text_approved:
            texts.append(("With the clinician's approval", rule.text_approved))
        default, value_help = _rule_default(rule)
        added = [
            s
            for s in library.substances.values()
            if s.addition and not rule.when.medication_classes.isdisjoint(s.classes)
        ]
        yield _entry(
            code=rule.code,
            section=rule.phase.value,
            label=rule.label,
            badge=rule.kind.value,
            timing=rule_timing(rule),
            value=rule.value,
            texts=tuple(texts),
            note=rule.note,
            sources=_cited(library, rule.sources),
            conflict=_conflict(library, rule.conflict),
            overridable="value",
            default=default,
            value_help=value_help,
            flags=tuple(flags),
            clinic_defined=rule.clinic_defined,
            additions=tuple(s.label for s in added),
            additions_why=tuple(dict.fromkeys(s.addition for s in added)),
        )


def _build(library: Library) -> Catalog:
    entries: list[Entry] = []
    for c in library.contraindications:
        entries.append(
            _entry(
                code=c.code,
                section="screening",
                label=c.label,
                badge=c.severity.value,
                texts=(("Message for staff", c.message),),
                note=c.note,
                sources=_cited(library, c.sources),
                conflict=_conflict(library, c.conflict),
                overridable="severity",
                default=c.severity.value,
            )
        )
    entries.extend(_rules(library))
    for effect in library.side_effects:
        entries.append(
            _entry(
                code=effect.code,
                section=Phase.WATCH.value,
                label=effect.label,
                badge="expected",
                timing=f"usually {effect.usual_duration}",
                sources=_cited(library, effect.sources),
            )
        )
    for flag in library.red_flags:
        entries.append(
            _entry(
                code=flag.code,
                section=Phase.WATCH.value,
                label=flag.label,
                badge="red flag",
                timing="call emergency services" if flag.urgent else "contact the clinic",
                sources=_cited(library, flag.sources),
            )
        )
    s = library.session
    entries.append(
        _entry(
            code="session",
            section="session",
            label="Session length and numbing",
            value=f"{s.duration_minutes} minutes; numbing cream {s.numbing_minutes} minutes before",
            sources=_cited(library, s.sources),
            conflict=_conflict(library, s.conflict),
        )
    )
    for fact in library.facts:
        entries.append(
            _entry(
                code=fact.code,
                section="session",
                label=fact.text,
                value=fact.value,
                sources=_cited(library, fact.sources),
                conflict=_conflict(library, fact.conflict),
            )
        )
    for t in library.schedules.values():
        gaps = ", ".join(
            f"{p.sessions}× every {p.interval_days} days (never under {p.min_interval_days})"
            for p in t.phases
        )
        timing = f"{t.min_sessions} to {t.max_sessions} sessions (default {t.default_sessions})"
        maintenance = ""
        if t.maintenance_from_days is not None:
            maintenance = (
                f"Maintenance {t.maintenance_from_days} to {t.maintenance_until_days} days "
                f"after the series, {t.maintenance_windows} window(s)"
            )
        entries.append(
            _entry(
                code=t.code,
                section="schedules",
                label=t.label,
                timing=timing,
                value=gaps,
                texts=(("Maintenance", maintenance),) if maintenance else (),
                note=t.note,
                sources=_cited(library, t.sources),
                conflict=_conflict(library, t.conflict),
            )
        )
    for scale in library.scales.values():
        levels = "; ".join(f"{lv.value}: {lv.label}" for lv in scale.levels)
        items = "; ".join(f"{i.label} {i.low}-{i.high}" for i in scale.items)
        bands = "; ".join(f"{b.low}-{b.high}: {b.label}" for b in scale.bands)
        texts: tuple[tuple[str, str], ...] = (
            (("Levels", levels),) if levels else (("Items", items), ("Total", bands))
        )
        if scale.use == "outcome":
            texts += (("Rated by", ", ".join(scale.raters)), ("Version", scale.version))
        entries.append(
            _entry(
                code=scale.code,
                section="scales",
                label=scale.label,
                texts=texts,
                note=scale.note,
                sources=_cited(library, scale.sources),
            )
        )
    for r in library.rejected:
        entries.append(
            _entry(
                code=r.code,
                section="rejected",
                label=r.claim,
                texts=(("Why it is never shown", r.why),),
                sources=_cited(library, r.sources),
            )
        )
    by_code: dict[str, Entry] = {}
    for entry in entries:
        by_code.setdefault(entry.code, entry)
    sources = tuple(
        CitedSource(s.id, s.label, s.title, s.citation, "") for s in library.sources.values()
    )
    return Catalog(library.version, tuple(entries), MappingProxyType(by_code), sources)


@cache
def catalog(library: Library) -> Catalog:
    """The browser's view of `library`, built once per library."""
    return _build(library)
