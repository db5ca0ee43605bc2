"""Checks of a charted session against the protocol library: depth, volume per point,
numbing time.

A figure outside the library's range is a warning with a code and the sources of the
range, never a refusal: the practitioner may have a reason, and must write it down (the
charting services refuse the entry until they do). What cannot be charted at all (an
unknown technique, a depth missing where the needle pierces the skin, points holding more
than was given) is an InputError naming the field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from mesodesk.core.inputs import InputError

if TYPE_CHECKING:
    from mesodesk.core.library import Library
    from mesodesk.core.library.model import InjectionTechnique


@dataclass(frozen=True, slots=True)
class ChartWarning:
    """A charted figure outside the library's range; `sources` are the sources' labels."""

    code: str
    message: str
    sources: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "sources": list(self.sources)}


@dataclass(frozen=True, slots=True)
class PointFigures:
    """What one injection point of the map says of itself (None: the administration's)."""

    depth_mm: Decimal | None = None
    volume_ml: Decimal | None = None


def technique_of(library: Library, code: str) -> InjectionTechnique:
    """The library's injection technique, or InputError naming the known ones."""
    technique = library.injection_techniques.get(code)
    if technique is None:
        known = ", ".join(library.injection_techniques)
        raise InputError("technique", f"unknown technique {code!r} (one of {known})")
    return technique


def _labels(library: Library, citations: tuple) -> tuple[str, ...]:  # type: ignore[type-arg]
    return tuple(library.source_labels(citations))


def _mm(value: Decimal) -> str:
    return f"{value.normalize():f} mm"


def check_administration(
    library: Library,
    *,
    technique: str,
    depth_mm: Decimal | None,
    volume_ml: Decimal,
    points: int | None,
    point_figures: Sequence[PointFigures] = (),
) -> tuple[ChartWarning, ...]:
    """Warnings for one product given in one area with `technique`: its depth against the
    technique's range, its volume per point (when the library's figure applies to the
    technique), and each mapped point's own depth and volume."""
    found = technique_of(library, technique)
    depth_range = found.depth_mm
    if depth_range is None and depth_mm is not None:
        raise InputError("depth_mm", f"{found.label} pierces no skin: give no depth")
    if depth_range is not None and depth_mm is None:
        raise InputError("depth_mm", f"give the depth of the {found.label.lower()} injections")
    if depth_mm is not None and depth_mm < 0:
        raise InputError("depth_mm", "a depth cannot be negative")
    if volume_ml <= 0:
        raise InputError("volume_ml", "give the volume given, above zero")
    if points is not None and points < 1:
        raise InputError("points", "give at least one point, or leave it empty")
    if points is not None and len(point_figures) > points:
        raise InputError("points", f"{len(point_figures)} points are on the map, not {points}")
    mapped = [p.volume_ml for p in point_figures if p.volume_ml is not None]
    if sum(mapped, Decimal(0)) > volume_ml:
        raise InputError("points", f"the points hold more than the {volume_ml} mL given")

    warnings: list[ChartWarning] = []
    technique_sources = _labels(library, found.sources)
    if depth_range is not None and depth_mm is not None and not depth_range.holds(float(depth_mm)):
        warnings.append(
            ChartWarning(
                "depth_outside_technique",
                f"{_mm(depth_mm)} is outside {depth_range.text('mm')} for {found.label.lower()}.",
                technique_sources,
            )
        )
    if depth_range is not None:
        odd = [
            p.depth_mm
            for p in point_figures
            if p.depth_mm is not None and not depth_range.holds(float(p.depth_mm))
        ]
        if odd:
            depths = ", ".join(_mm(d) for d in sorted(set(odd)))
            warnings.append(
                ChartWarning(
                    "point_depth_outside_technique",
                    f"{len(odd)} point(s) at {depths}: outside {depth_range.text('mm')} "
                    f"for {found.label.lower()}.",
                    technique_sources,
                )
            )
    if found.per_point_volume:
        warnings += _per_point_volume(library, volume_ml, points, point_figures)
    return tuple(warnings)


def _per_point_volume(
    library: Library,
    volume_ml: Decimal,
    points: int | None,
    point_figures: Sequence[PointFigures],
) -> list[ChartWarning]:
    figures = library.injection
    allowed = figures.volume_per_point_ml
    sources = _labels(library, figures.sources[:1])
    unconfirmed = "" if figures.confirmed else " (a figure whose attribution is unconfirmed)"
    warnings = []
    count = points or len(point_figures)
    if count:
        each = (volume_ml / count).quantize(Decimal("0.001"))
        if not allowed.holds(float(each)):
            warnings.append(
                ChartWarning(
                    "volume_per_point_outside",
                    f"{each.normalize():f} mL per point is outside "
                    f"{allowed.text('mL')}{unconfirmed}.",
                    sources,
                )
            )
    odd = [
        p.volume_ml
        for p in point_figures
        if p.volume_ml is not None and not allowed.holds(float(p.volume_ml))
    ]
    if odd:
        warnings.append(
            ChartWarning(
                "point_volume_outside",
                f"{len(odd)} point(s) hold a volume outside {allowed.text('mL')}{unconfirmed}.",
                sources,
            )
        )
    return warnings


def check_numbing(
    library: Library, *, on: datetime | None, off: datetime | None
) -> tuple[ChartWarning, ...]:
    """A warning when the numbing cream stayed on less than the library's time."""
    if on is None or off is None:
        return ()
    if off < on:
        raise InputError("numbing_off_at", "the cream came off before it went on")
    minutes = library.session.numbing_minutes
    kept = (off - on).total_seconds() / 60
    if kept >= minutes:
        return ()
    sources = tuple(
        library.sources[c.source].label for c in library.session.sources if "cream" in c.at
    ) or _labels(library, library.session.sources)
    return (
        ChartWarning(
            "numbing_short",
            f"The numbing cream stayed on {kept:.0f} minutes, less than {minutes}.",
            sources,
        ),
    )
