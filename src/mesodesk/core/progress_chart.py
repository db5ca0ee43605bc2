"""The progress chart of one scale across a series, drawn as SVG on the server.

One chart per scale (their ranges differ: GAIS 1-5, satisfaction 0-10); one line per
rater or side. The axis is turned so that better is always up (GAIS 1 "very much
improved" at the top, satisfaction 10 at the top), and the description says so. Each line
has its own dash pattern and marker shape as well as its colour, so it reads in grey and
for colour-blind eyes. The same figures go in a table beside it (`ProgressChart.rows`):
the SVG is `role="img"` with a title and a description, the table is what a screen reader
and a test read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 48, 16, 48
# Lines sit this far apart sideways, so equal figures of two raters do not hide each other.
NUDGE = 7
# The first and last time points sit this far inside the plot, clear of the axis labels.
PAD = 28
# Colour, dash pattern and marker per line, in order (a colour-blind safe set).
STYLES = (
    ("#1f5fa8", "", "circle"),
    ("#c2410c", "6 4", "square"),
    ("#15803d", "2 3", "diamond"),
    ("#7e22ce", "8 3 2 3", "triangle"),
)


@dataclass(frozen=True, slots=True)
class Line:
    """One rater's (or side's) values, one per time point of the chart (None: not rated)."""

    name: str
    values: tuple[float | None, ...]
    shown: tuple[str, ...]  # the figure as the table prints it, "" where not rated


@dataclass(frozen=True, slots=True)
class ProgressChart:
    """A drawn chart and the table of the same figures."""

    chart_id: str
    title: str
    description: str
    columns: tuple[str, ...]
    lines: tuple[Line, ...]
    svg: str

    @property
    def rows(self) -> list[tuple[str, tuple[str, ...]]]:
        """(line name, the figure at each time point) for the table."""
        return [(line.name, line.shown) for line in self.lines]


def _marker(shape: str, x: float, y: float, colour: str, label: str, shown: str) -> str:
    common = (
        f'fill="{colour}" stroke="#fff" stroke-width="1.5" data-line="{escape(label)}"'
        f' data-value="{escape(shown)}"'
    )
    if shape == "square":
        return f'<rect x="{x - 5:.1f}" y="{y - 5:.1f}" width="10" height="10" {common}/>'
    if shape == "diamond":
        pts = f"{x:.1f},{y - 6:.1f} {x + 6:.1f},{y:.1f} {x:.1f},{y + 6:.1f} {x - 6:.1f},{y:.1f}"
        return f'<polygon points="{pts}" {common}/>'
    if shape == "triangle":
        pts = f"{x:.1f},{y - 6:.1f} {x + 6:.1f},{y + 5:.1f} {x - 6:.1f},{y + 5:.1f}"
        return f'<polygon points="{pts}" {common}/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" {common}/>'


def draw_progress(
    *,
    chart_id: str,
    title: str,
    columns: Sequence[str],
    lines: Sequence[Line],
    low: float,
    high: float,
    better: str,
    ticks: Sequence[tuple[float, str]],
) -> ProgressChart:
    """The chart of `lines` over `columns` (the time points, in order) on an axis from
    `low` to `high`, better up; `ticks` are the labelled values of the axis."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    span = (high - low) or 1.0
    step = (plot_w - 2 * PAD) / max(len(columns) - 1, 1)

    def x_of(i: int) -> float:
        return LEFT + (PAD + i * step if len(columns) > 1 else plot_w / 2)

    def y_of(v: float) -> float:
        share = (v - low) / span
        if better == "lower":
            share = 1 - share  # better (lower) values up
        return TOP + plot_h * (1 - share)

    direction = {
        "lower": "A lower score is better and is drawn higher up. ",
        "higher": "A higher score is better and is drawn higher up. ",
    }.get(better, "Neither direction is better (a type, not an outcome). ")
    rated = [
        f"{line.name}: "
        + ", ".join(f"{c} {s}" for c, s in zip(columns, line.shown, strict=True) if s)
        for line in lines
    ]
    description = f"{title} at {len(columns)} time point(s). {direction}" + "; ".join(rated) + "."
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}"'
        f' class="progress-chart" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc"'
        f' preserveAspectRatio="xMidYMid meet">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="#fafafa"'
        ' stroke="#d4d4d4"/>',
    ]
    for value, label in ticks:
        y = y_of(value)
        parts.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e5e5"/>'
        )
        parts.append(
            f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end" font-size="12"'
            f' fill="#404040">{escape(label)}</text>'
        )
    for i, column in enumerate(columns):
        parts.append(
            f'<text x="{x_of(i):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle"'
            f' font-size="12" fill="#404040">{escape(column)}</text>'
        )
    for n, line in enumerate(lines):
        colour, dash, shape = STYLES[n % len(STYLES)]
        nudge = (n - (len(lines) - 1) / 2) * NUDGE
        points = [(x_of(i) + nudge, y_of(v)) for i, v in enumerate(line.values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            dashed = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"'
                f"{dashed}/>"
            )
        for i, (v, shown) in enumerate(zip(line.values, line.shown, strict=True)):
            if v is not None:
                parts.append(_marker(shape, x_of(i) + nudge, y_of(v), colour, line.name, shown))
    # The legend, under the axis labels: each line's marker and name.
    x = LEFT
    for n, line in enumerate(lines):
        colour, _dash, shape = STYLES[n % len(STYLES)]
        parts.append(
            _marker(shape, x + 5, HEIGHT - 10, colour, line.name, "").replace(
                f' data-line="{escape(line.name)}" data-value=""', ' data-legend="1"'
            )
        )
        parts.append(
            f'<text x="{x + 16}" y="{HEIGHT - 6}" font-size="12" fill="#262626">'
            f"{escape(line.name)}</text>"
        )
        x += 24 + 8 * len(line.name)
    parts.append("</svg>")
    return ProgressChart(
        chart_id=chart_id,
        title=title,
        description=description,
        columns=tuple(columns),
        lines=tuple(lines),
        svg="".join(parts),
    )
