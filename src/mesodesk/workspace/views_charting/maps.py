"""The injection map as the templates draw it: a diagram, its zones and the points on it,
each point in the colour of its administration and titled with product, lot, depth and
volume."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mesodesk.charting.choices import Diagram
from mesodesk.charting.diagrams import Drawing, drawing, drawings
from mesodesk.charting.models import Administration
from mesodesk.charting.services import MapPoint

COLOURS = 6  # .p0 ... .p5 in charting.css


@dataclass(frozen=True)
class DrawnPoint:
    """A point in the drawing's own coordinates."""

    cx: float
    cy: float
    colour: int
    title: str


def _mm(value: Any) -> str:
    return f"{value.normalize():f} mm" if value is not None else "no depth"


def point_title(zone: str, administration: Administration, depth: Any, volume: Any) -> str:
    lot = f"lot {administration.lot.number}" if administration.lot else "no lot"
    amount = f", {volume.normalize():f} mL" if volume is not None else ""
    return f"{zone}: {administration.product.name}, {lot}, {_mm(depth)}{amount}"


def record_map(
    administrations: list[Administration], diagram: str
) -> tuple[Drawing, list[DrawnPoint], list[dict[str, Any]]]:
    """The diagram with the points of the administrations drawn on it, and a legend (one
    entry per administration that has points on this diagram)."""
    shown = drawing(diagram)
    points: list[DrawnPoint] = []
    legend = []
    for n, given in enumerate(administrations):
        colour = n % COLOURS
        on_this = [p for p in given.injection_points.all() if p.diagram == diagram]
        if not on_this:
            continue
        legend.append({"colour": colour, "administration": given, "count": len(on_this)})
        for p in on_this:
            zone = shown.zone(p.zone)
            points.append(
                DrawnPoint(
                    cx=round(p.x * shown.width, 1),
                    cy=round(p.y * shown.height, 1),
                    colour=colour,
                    title=point_title(
                        zone.label if zone else p.zone, given, p.depth_mm, p.volume_ml
                    ),
                )
            )
    return shown, points, legend


def diagrams_used(administrations: list[Administration]) -> list[str]:
    """The diagrams that hold at least one point, in the order of Diagram."""
    used = {p.diagram for a in administrations for p in a.injection_points.all()}
    return [d for d in Diagram.values if d in used]


def diagram_links() -> list[tuple[str, str]]:
    return [(d.value, d.label) for d in Diagram if d.value in drawings()]


def placed(points: list[MapPoint], shown: Drawing) -> list[dict[str, Any]]:
    """Points posted back with a refused form, drawn again so that none is lost."""
    return [
        {
            "value": f"{p.diagram}|{p.zone}|{p.x}|{p.y}",
            "cx": round(p.x * shown.width, 1),
            "cy": round(p.y * shown.height, 1),
        }
        for p in points
        if p.diagram == shown.diagram
    ]
