"""What the protocol library holds, as frozen dataclasses.

The TOML files under `mesodesk/protocols/library/` are read into these by `loader.py`;
the engines (screening, timeline, planner) only ever see these types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from types import MappingProxyType


class Severity(StrEnum):
    """How strongly a finding stands in the way of treatment."""

    ABSOLUTE = "absolute"
    RELATIVE = "relative"
    CAUTION = "caution"


SEVERITY_RANK = {Severity.CAUTION: 0, Severity.RELATIVE: 1, Severity.ABSOLUTE: 2}


class Phase(StrEnum):
    """Where an item of the patient's timeline sits relative to the session."""

    PREP = "prep"
    DAY_OF = "day_of"
    AFTERCARE = "aftercare"
    WATCH = "watch"


class Kind(StrEnum):
    """What an item asks of the patient."""

    AVOID = "avoid"
    DO = "do"
    EXPECT = "expect"
    WARNING = "warning"


class Prescribed(StrEnum):
    """Which medications a selector picks by how the patient obtains them."""

    ANY = "any"
    YES = "yes"  # prescribed by a doctor, or a prescription-only substance
    NO = "no"  # bought over the counter


@dataclass(frozen=True, slots=True)
class Source:
    """A document a rule rests on: one of the five seed files, or a literature citation."""

    id: str
    kind: str  # "seed" or "literature"
    label: str  # the seed's file name, or a short citation ("Vedamurthy, IJDVL 2007")
    title: str
    citation: str = ""


@dataclass(frozen=True, slots=True)
class Citation:
    """A rule's reference to a source, with a few words saying where in it."""

    source: str
    at: str


@dataclass(frozen=True, slots=True)
class Conflict:
    """Sources that disagree on a figure, the default the library chose and why."""

    values: tuple[tuple[str, str], ...]  # (source id, what that source says)
    chosen: str
    why: str


@dataclass(frozen=True, slots=True)
class Term:
    """A vocabulary entry: a code, its label, how patients write it, where it comes from."""

    code: str
    label: str
    synonyms: tuple[str, ...] = ()
    sources: tuple[Citation, ...] = ()
    note: str = ""


@dataclass(frozen=True, slots=True)
class SubstanceClass:
    """A class of medicine or product (NSAID, anticoagulant, retinoid, statin ...)."""

    code: str
    label: str
    blood_thinning: bool = False
    relevant: bool = False  # does any rule of mesotherapy care about this class?
    sources: tuple[Citation, ...] = ()
    # Its names are also recognised with other languages' endings ("insuline", "insulina").
    spelling_variants: bool = False
    # The sources name its members one by one: each cites a source or is an `addition`.
    members_cited: bool = False


@dataclass(frozen=True, slots=True)
class Substance:
    """A medicine, supplement or skin product, with generic and brand names."""

    code: str
    label: str
    classes: tuple[str, ...]
    prescription_only: bool = False
    synonyms: tuple[str, ...] = ()
    # Words that make an entry clearly over the counter ("for headaches"). A substance
    # that has them is treated as prescribed when an entry names it without any of them.
    over_the_counter_if: tuple[str, ...] = ()
    sources: tuple[Citation, ...] = ()  # the sources that name this substance itself
    addition: str = ""  # why the clinic added it when no source names it


@dataclass(frozen=True, slots=True)
class Ingredient:
    """Something a mesotherapy cocktail or numbing cream may contain."""

    code: str
    label: str
    group: str
    synonyms: tuple[str, ...] = ()
    sources: tuple[Citation, ...] = ()
    note: str = ""


@dataclass(frozen=True, slots=True)
class Allergen:
    """An allergy as patients name it, and the ingredients it rules out (maybe none)."""

    code: str
    label: str
    ingredients: tuple[str, ...]
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Procedure:
    """A skin procedure a patient may have had recently (a chemical peel ...)."""

    code: str
    label: str
    classes: tuple[str, ...]
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DeviceModel:
    """A named device model (the four product headers of seed 002)."""

    code: str
    label: str
    device_type: str
    sources: tuple[Citation, ...] = ()


@dataclass(frozen=True, slots=True)
class DeviceType:
    """A kind of device a clinic may own; not every kind injects (so is not mesotherapy)."""

    code: str
    label: str
    injects: bool
    technique: str | None = None
    sources: tuple[Citation, ...] = ()
    note: str = ""


@dataclass(frozen=True, slots=True)
class Selector:
    """Which of a patient's answers a rule is about.

    Every field is optional; an intake matches when ANY given field matches (so one
    contraindication can be reached from a condition code or from a medication class).
    """

    # Sets, because the engines test membership for every intake.
    intake: frozenset[str] = frozenset()  # boolean intake fields: "pregnant", "breastfeeding"
    conditions: frozenset[str] = frozenset()
    medication_classes: frozenset[str] = frozenset()
    prescribed: Prescribed = Prescribed.ANY
    allergy_ingredients: frozenset[str] = frozenset()
    any_allergy: bool = False
    procedure_classes: frozenset[str] = frozenset()
    plan_ingredients: frozenset[str] = frozenset()
    plan_techniques: frozenset[str] = frozenset()
    fitzpatrick_at_least: int | None = None
    special: str | None = (
        None  # an engine hook: "ingredient_allergy", "unrecognized_medication" ...
    )

    def is_empty(self) -> bool:
        return not (
            self.intake
            or self.conditions
            or self.medication_classes
            or self.allergy_ingredients
            or self.any_allergy
            or self.procedure_classes
            or self.plan_ingredients
            or self.plan_techniques
            or self.fitzpatrick_at_least is not None
            or self.special
        )


@dataclass(frozen=True, slots=True)
class Contraindication:
    """A screening rule: when it applies, how severe it is, what staff and patient read."""

    code: str
    label: str
    severity: Severity
    when: Selector
    message: str
    sources: tuple[Citation, ...]
    conflict: Conflict | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Repeat:
    """A repeating instruction: every `every`, lasting `lasts` each time."""

    every: timedelta
    lasts: timedelta
    count: int | None = None  # how many times; None means until the item ends


@dataclass(frozen=True, slots=True)
class Rule:
    """One item of the patient's timeline (preparation, day-of, aftercare or watch).

    Timing depends on the phase:
    - prep: starts at local midnight `lead_days` calendar days before the session date,
      ends when the session starts;
    - day_of: starts `before` the session start and lasts `lasts` (default: until start);
    - aftercare and watch: start `after` the session end and last `lasts` of elapsed
      time, or until the end of the local day (`until_end_of_day`).
    """

    code: str
    phase: Phase
    kind: Kind
    label: str
    text: str
    sources: tuple[Citation, ...]
    lead_days: int | None = None
    before: timedelta | None = None
    after: timedelta = timedelta(0)
    lasts: timedelta | None = None
    until_end_of_day: bool = False
    repeat: Repeat | None = None
    approval: str | None = None  # the repeat applies only when the clinician approved it
    personal: bool = False  # shown only to patients the selector matches
    when: Selector = field(default_factory=Selector)  # whose entries go into `matched`
    replaces_for_prescribed: bool = False  # prescribed matches go to consult_prescriber
    text_matched: str = ""  # wording used when the patient's own entries matched
    text_matched_many: str = ""  # the same for several entries ("them", not "it")
    text_approved: str = ""  # wording used when the clinician gave the `approval`
    value: str = ""  # a figure the patient needs ("SPF 25 or higher", "1.9 litres")
    patient_visible: bool = True
    conflict: Conflict | None = None
    note: str = ""
    # No source gives the figure (lead time or duration): it is the clinic's default, which
    # staff are shown as such and each clinic may set with an override.
    clinic_defined: bool = False


@dataclass(frozen=True, slots=True)
class SideEffect:
    """An expected, usually transient effect, with its usual duration."""

    code: str
    label: str
    usual_duration: str
    sources: tuple[Citation, ...]


@dataclass(frozen=True, slots=True)
class RedFlag:
    """A sign that means: contact the clinic (or emergency services when urgent)."""

    code: str
    label: str
    urgent: bool
    sources: tuple[Citation, ...]


@dataclass(frozen=True, slots=True)
class AdverseEventTerm:
    """An adverse event staff record: an expected reaction worse than usual, or a red flag
    the literature names as a complication."""

    code: str
    label: str
    category: str  # one of ADVERSE_EVENT_CATEGORIES
    sources: tuple[Citation, ...]
    note: str = ""


ADVERSE_EVENT_CATEGORIES = {"expected": "Expected reaction", "red_flag": "Red flag"}


@dataclass(frozen=True, slots=True)
class SchedulePhase:
    """A stretch of a series with one interval between sessions."""

    sessions: int  # how many sessions this phase holds at most (the last phase: the rest)
    interval_days: int  # target gap to the next session
    min_interval_days: int  # never less than this, whatever closures do


@dataclass(frozen=True, slots=True)
class Schedule:
    """A series template with its source: sessions, intervals, maintenance."""

    code: str
    label: str
    min_sessions: int
    max_sessions: int
    default_sessions: int
    phases: tuple[SchedulePhase, ...]
    maintenance_from_days: int | None
    maintenance_until_days: int | None
    maintenance_windows: int
    sources: tuple[Citation, ...]
    note: str = ""
    conflict: Conflict | None = None


@dataclass(frozen=True, slots=True)
class ScaleLevel:
    """One level of an outcome scale, with what a rater looks for to choose it."""

    value: str
    label: str
    definition: str = ""


@dataclass(frozen=True, slots=True)
class ScaleItem:
    """One item of a scale scored item by item and summed (Hexsel CSS)."""

    code: str
    label: str
    low: int
    high: int
    definition: str = ""


@dataclass(frozen=True, slots=True)
class ScaleBand:
    """A named band of a summed scale's total (Hexsel CSS: 1-5 mild ...)."""

    low: int
    high: int
    label: str


@dataclass(frozen=True, slots=True)
class Scale:
    """An outcome or grading scale (GAIS, Glogau, Fitzpatrick, CTCAE ...).

    `use` is "outcome" for the scales a clinic scores sessions with, "grading" for the
    adverse event grade. `raters` are the roles that may rate it; `against_baseline` means
    every rating compares with a baseline (GAIS), so it is never rated at the baseline
    itself; `per_side` scales are rated for the left and the right side apart (WSRS);
    `items` and `bands` make a summed scale (Hexsel CSS); `better` says which way a
    change is an improvement, for the progress chart.
    """

    code: str
    label: str
    levels: tuple[ScaleLevel, ...]
    sources: tuple[Citation, ...]
    note: str = ""
    version: str = ""
    use: str = "outcome"
    raters: tuple[str, ...] = ("practitioner", "blinded")
    against_baseline: bool = False
    per_side: bool = False
    items: tuple[ScaleItem, ...] = ()
    bands: tuple[ScaleBand, ...] = ()
    better: str = "lower"


@dataclass(frozen=True, slots=True)
class Fact:
    """A statement of the sources the system records but does not turn into a timed rule."""

    code: str
    topic: str
    text: str
    sources: tuple[Citation, ...]
    value: str = ""
    conflict: Conflict | None = None


@dataclass(frozen=True, slots=True)
class ConsentText:
    """The library's default wording of one consent (a clinic signs its own versions of it).

    `purpose` is treatment (per `technique`, a technique term), lipolysis, photography (per
    `tier`: clinical, teaching, publication) or marketing."""

    code: str
    purpose: str
    title: str
    text: str
    sources: tuple[Citation, ...]
    technique: str = ""
    tier: str = ""


@dataclass(frozen=True, slots=True)
class Rejected:
    """A claim of a source deliberately never shown to patients, and why."""

    code: str
    claim: str
    why: str
    sources: tuple[Citation, ...]


@dataclass(frozen=True, slots=True)
class SessionDefaults:
    """Defaults for the session itself (procedure length, numbing time)."""

    duration_minutes: int
    numbing_minutes: int
    sources: tuple[Citation, ...]
    conflict: Conflict | None = None


@dataclass(frozen=True, slots=True)
class Range:
    """A closed range of a figure, either end open when None; `max_exclusive` for "under"."""

    min: float | None = None
    max: float | None = None
    max_exclusive: bool = False

    def holds(self, value: float) -> bool:
        if self.min is not None and value < self.min:
            return False
        if self.max is None:
            return True
        return value < self.max if self.max_exclusive else value <= self.max

    def text(self, unit: str) -> str:
        """The range in words: "2-4 mm", "under 1 mm", "4 mm or more"."""
        if self.min is not None and self.max is not None:
            if self.min == self.max:
                return f"{self.min:g} {unit}"
            return f"{self.min:g}-{self.max:g} {unit}"
        if self.max is not None:
            return f"{'under' if self.max_exclusive else 'at most'} {self.max:g} {unit}"
        if self.min is not None:
            return f"{self.min:g} {unit} or more"
        return "any"


@dataclass(frozen=True, slots=True)
class InjectionTechnique:
    """How a product is given (nappage, papule, point-by-point ...), with its depth range."""

    code: str
    label: str
    depth_mm: Range | None  # None when nothing pierces the skin (needle-free)
    sources: tuple[Citation, ...]
    per_point_volume: bool = False  # does the library's volume per point apply?
    device_type: str | None = None  # the device it needs, if any
    conflict: Conflict | None = None
    note: str = ""

    @property
    def needs_depth(self) -> bool:
        return self.depth_mm is not None


@dataclass(frozen=True, slots=True)
class InjectionDefaults:
    """Figures for every injection: the seeds' depth for the session, volume per point."""

    session_depth_mm: Range
    volume_per_point_ml: Range
    point_spacing_cm: Range
    confirmed: bool
    sources: tuple[Citation, ...]
    note: str = ""


def frozen_map[K, V](items: dict[K, V]) -> MappingProxyType[K, V]:
    """A read-only view, so a loaded library cannot be changed by accident."""
    return MappingProxyType(dict(items))
