"""Safety signals: does a lot, product, technique or practitioner have more adverse events
per administration than the rest of the clinic?

Pure computation: counts in, results out (the selectors count). For each unit the 2x2
table is

                      with an event     without
    this unit               a            n1 - a
    rest of clinic          b            n2 - b

where n1 is the unit's administrations, n2 the clinic's others, a the unit's events and b
the clinic's other events. Fisher's exact test, one-sided (alternative "greater": an
excess, never a deficit, is what staff must act on), gives p; the unit is flagged when
p < ALPHA and a >= MIN_EVENTS, so that one or two events on a rarely used lot never raise
a flag on chance alone. The test is exact, so it holds for the small counts of a clinic
where a chi-squared approximation does not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

ALPHA = 0.05
MIN_EVENTS = 3
KINDS = ("lot", "product", "technique", "practitioner")


@dataclass(frozen=True, slots=True)
class UnitCount:
    """What the selectors counted for one unit."""

    kind: str  # one of KINDS
    key: str  # the lot's or product's id, the technique's code, the practitioner's id
    label: str
    events: int
    administrations: int


@dataclass(frozen=True, slots=True)
class Signal:
    kind: str
    key: str
    label: str
    events: int
    administrations: int
    rest_events: int
    rest_administrations: int
    p_value: float
    flagged: bool

    @property
    def rate(self) -> float:
        """Events per administration of this unit."""
        return self.events / self.administrations if self.administrations else 0.0

    @property
    def rest_rate(self) -> float:
        """Events per administration everywhere else in the clinic."""
        return self.rest_events / self.rest_administrations if self.rest_administrations else 0.0


def signal(
    count: UnitCount,
    total_events: int,
    total_administrations: int,
    *,
    alpha: float = ALPHA,
    min_events: int = MIN_EVENTS,
) -> Signal:
    """One unit against the rest of the clinic. Counts are clamped so that the table is
    valid (an event may suspect an administration charted elsewhere, or none at all)."""
    n1 = max(count.administrations, 0)
    a = min(max(count.events, 0), n1)
    n2 = max(total_administrations - n1, 0)
    b = min(max(total_events - count.events, 0), n2)
    if n1 == 0 or n2 == 0:
        p = 1.0
    else:
        # Imported here, not at the top: SciPy and NumPy are a third of a web worker's
        # memory (~90 MB), and only the safety pages compute signals.
        from scipy.stats import fisher_exact

        _, p = fisher_exact([[a, n1 - a], [b, n2 - b]], alternative="greater")
        p = float(p)
    return Signal(
        kind=count.kind,
        key=count.key,
        label=count.label,
        events=a,
        administrations=n1,
        rest_events=b,
        rest_administrations=n2,
        p_value=p,
        flagged=p < alpha and a >= min_events,
    )


def signals(
    counts: Iterable[UnitCount],
    totals: dict[str, tuple[int, int]],
    *,
    alpha: float = ALPHA,
    min_events: int = MIN_EVENTS,
) -> list[Signal]:
    """Every unit tested against the rest of the clinic, flagged first, then by p.
    `totals` maps each kind to (events, administrations) of the clinic for that kind
    (each kind counts what it can attribute)."""
    results = [
        signal(c, *totals.get(c.kind, (0, 0)), alpha=alpha, min_events=min_events) for c in counts
    ]
    return sorted(results, key=lambda s: (not s.flagged, s.p_value, s.kind, s.label))
