"""A timeline as a printable sheet in plain words, dates in the clinic's zone."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime

from mesodesk.core.durations import describe
from mesodesk.core.library.model import Phase
from mesodesk.core.timeline import Item, Timeline

HEADINGS = {
    Phase.PREP: "Before your session",
    Phase.DAY_OF: "On the day",
    Phase.AFTERCARE: "After your session",
    Phase.WATCH: "What to expect, and when to contact the clinic",
}
WIDTH = 78


def in_sentence(label: str) -> str:
    """A label as it reads inside a sentence ("No alcohol" -> "no alcohol")."""
    return label[:1].lower() + label[1:]


def _when(dt: datetime) -> str:
    return f"{dt:%a} {dt.day} {dt:%b %Y, %H:%M}"


def _span(item: Item, timeline: Timeline) -> str:
    if item.phase is Phase.PREP:
        return f"From {_when(item.starts_at)} until your session"
    if item.starts_at == item.ends_at:
        return f"From {_when(item.starts_at)}"
    if item.phase is Phase.DAY_OF:
        return f"{_when(item.starts_at)}"
    # The step's own figure ("15 hours", also across a DST change); its end is the sensible
    # time the timeline rounded it up to.
    length = describe(
        item.lasts
        if item.lasts is not None
        else item.ends_at.astimezone(UTC) - item.starts_at.astimezone(UTC)
    )
    if item.repeat is not None:
        every = "every hour" if item.repeat.every.total_seconds() == 3600 else "once a day"
        return (
            f"{describe(item.repeat.lasts)} {every}, from {_when(item.starts_at)}"
            f" until {_when(item.ends_at)}"
        )
    return f"For {length}: until {_when(item.ends_at)}"


def timeline_to_text(timeline: Timeline, *, clinic: str = "") -> str:
    lines = []
    title = "Your mesotherapy session" + (f" at {clinic}" if clinic else "")
    lines += [title, "=" * len(title), ""]
    lines.append(f"Session: {_when(timeline.start)} to {timeline.end:%H:%M} ({timeline.zone.key})")
    lines.append("")
    if timeline.warnings:
        lines.append("PLEASE CALL THE CLINIC: your session may be too soon for a full preparation.")
        labels = {item.code: item.label for item in timeline.items}
        for warning in timeline.warnings:
            label = labels.get(warning.item, warning.item)
            lines.append(f"  - {label}: earliest safe start {_when(warning.earliest_start)}")
        lines.append("")
    for phase, heading in HEADINGS.items():
        items = [i for i in timeline.items if i.phase is phase]
        if not items:
            continue
        lines += [heading, "-" * len(heading)]
        for item in items:
            lines.append(f"[ ] {item.label}")
            lines.append(textwrap.indent(_span(item, timeline), "    "))
            body = item.text + (
                f" ({item.value})" if item.value and item.value not in item.text else ""
            )
            lines.extend(
                textwrap.wrap(body, WIDTH, initial_indent="    ", subsequent_indent="    ")
            )
        lines.append("")
    lines.append("Results vary from person to person. Questions? Call the clinic.")
    return "\n".join(lines) + "\n"
