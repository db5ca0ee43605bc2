"""A drawn signature: the pointer strokes a signing page sends, checked and written as SVG.

The page sends its strokes as text, one stroke per `;`, points `x,y` separated by spaces,
in a 600 x 200 box (`SignaturePad` in consent-sign.js scales the canvas to it). The server
writes the SVG itself from the numbers, so nothing a client sends ends up as markup.
"""

from __future__ import annotations

from mesodesk.core.errors import InputError

WIDTH, HEIGHT = 600, 200
MAX_POINTS = 5000
MAX_STROKES = 200

Stroke = tuple[tuple[int, int], ...]


def parse_strokes(text: str, *, field: str = "signature") -> tuple[Stroke, ...]:
    """The strokes in `text`; InputError when it is malformed, too large, or nothing."""
    strokes: list[Stroke] = []
    total = 0
    for raw in text.strip().split(";"):
        points: list[tuple[int, int]] = []
        for pair in raw.split():
            x, sep, y = pair.partition(",")
            try:
                px, py = round(float(x)), round(float(y))
            except ValueError:
                raise InputError(field, "the drawn signature could not be read") from None
            if not sep or not (0 <= px <= WIDTH and 0 <= py <= HEIGHT):
                raise InputError(field, "the drawn signature could not be read")
            points.append((px, py))
        if points:
            strokes.append(tuple(points))
            total += len(points)
    if len(strokes) > MAX_STROKES or total > MAX_POINTS:
        raise InputError(field, "the drawn signature is too long; clear it and sign again")
    if total < 2:
        raise InputError(field, "draw your signature, or type your name instead")
    return tuple(strokes)


def to_svg(strokes: tuple[Stroke, ...]) -> str:
    """The strokes as a standalone SVG document (black lines, round ends)."""
    paths = []
    for stroke in strokes:
        (x0, y0), rest = stroke[0], stroke[1:] or stroke[:1]
        d = f"M{x0} {y0}" + "".join(f"L{x} {y}" for x, y in rest)
        paths.append(f'<path d="{d}"/>')
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}"'
        f' width="{WIDTH}" height="{HEIGHT}"><g fill="none" stroke="#000" stroke-width="3"'
        f' stroke-linecap="round" stroke-linejoin="round">{"".join(paths)}</g></svg>'
    )
