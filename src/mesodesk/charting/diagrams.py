"""The injection map's drawings: our own outlines and named zones, in SVG coordinates.

A point is stored as its diagram, its zone code and x/y as fractions of the drawing's
width and height, so the map reads the same at any size. Zone codes are our own (MD Codes
are trademarked); `_l` and `_r` are the PATIENT's left and right: on the front views the
patient's left is on the viewer's right, on the back view and the scalp seen from above
it is on the viewer's left.

Every zone is an ellipse (centre, radii, turn in degrees): the same shape is drawn, is
clicked on, and places the points of a zone entered without JavaScript (spread around its
centre by `spread`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

from mesodesk.charting.choices import Diagram


@dataclass(frozen=True, slots=True)
class Zone:
    """A named region of a drawing."""

    code: str
    label: str
    cx: float
    cy: float
    rx: float
    ry: float
    turn: float = 0.0

    @property
    def transform(self) -> str:
        return f"rotate({self.turn:g} {self.cx:g} {self.cy:g})" if self.turn else ""


@dataclass(frozen=True, slots=True)
class Drawing:
    """One diagram: its size, its outline (SVG path data) and its zones."""

    diagram: Diagram
    width: int
    height: int
    outline: tuple[str, ...]  # filled shapes: head, body
    details: tuple[str, ...]  # lines drawn over them: eyes, brows, mouth, ears
    zones: tuple[Zone, ...]
    sides: tuple[str, str]  # what the viewer's left and right edges are: "R", "L"

    def zone(self, code: str) -> Zone | None:
        return next((z for z in self.zones if z.code == code), None)


def _z(code: str, label: str, cx: float, cy: float, rx: float, ry: float, turn: float = 0) -> Zone:
    return Zone(code, label, cx, cy, rx, ry, turn)


FACE_OUTLINE = (
    # head and neck
    "M150,30 C215,30 250,80 250,150 C250,215 236,258 206,290 C186,309 168,317 150,317"
    " C132,317 114,309 94,290 C64,258 50,215 50,150 C50,80 85,30 150,30 Z",
    "M116,300 L112,372 Q70,380 24,398 L276,398 Q230,380 188,372 L184,300"
    " C170,312 160,317 150,317 C140,317 130,312 116,300 Z",
    # ears
    "M52,142 C36,136 30,162 36,182 C40,198 48,206 58,204 Z",
    "M248,142 C264,136 270,162 264,182 C260,198 252,206 242,204 Z",
)
FACE_DETAILS = (
    "M62,112 C78,54 222,54 238,112",  # hairline
    "M86,128 Q110,115 136,125",  # brows
    "M164,125 Q190,115 214,128",
    "M92,149 Q112,136 132,149 Q112,159 92,149 Z",  # eyes
    "M168,149 Q188,136 208,149 Q188,159 168,149 Z",
    "M146,150 Q142,190 133,203 Q140,213 150,211 Q160,213 167,203 Q158,190 154,150",  # nose
    "M122,246 Q136,237 150,242 Q164,237 178,246 Q150,266 122,246 Z",  # lips
    "M122,246 Q150,251 178,246",
    "M134,203 Q124,226 120,244",  # nasolabial folds
    "M166,203 Q176,226 180,244",
)
FACE_ZONES = (
    _z("forehead", "Forehead", 150, 94, 66, 22),
    _z("glabella", "Glabella (between the brows)", 150, 130, 12, 10),
    _z("temple_r", "Temple, patient's right", 66, 132, 12, 22),
    _z("temple_l", "Temple, patient's left", 234, 132, 12, 22),
    _z("periorbital_r", "Around the eye, patient's right", 112, 150, 27, 15),
    _z("periorbital_l", "Around the eye, patient's left", 188, 150, 27, 15),
    _z("nose", "Nose", 150, 182, 11, 26),
    _z("cheek_r", "Cheek, patient's right", 94, 198, 28, 26),
    _z("cheek_l", "Cheek, patient's left", 206, 198, 28, 26),
    _z("perioral", "Around the mouth", 150, 250, 26, 16),
    _z("nasolabial_r", "Nasolabial fold, patient's right", 126, 224, 8, 20, 20),
    _z("nasolabial_l", "Nasolabial fold, patient's left", 174, 224, 8, 20, -20),
    _z("chin", "Chin", 150, 288, 26, 15),
    _z("jawline_r", "Jawline, patient's right", 88, 266, 11, 34, -38),
    _z("jawline_l", "Jawline, patient's left", 212, 266, 11, 34, 38),
    _z("neck_front", "Neck, front", 150, 346, 30, 22),
)

# The left profile: the patient's left side, nose to the viewer's left.
PROFILE_OUTLINE = (
    "M205,38 C150,28 98,50 90,105 C88,120 86,132 84,140 C82,150 80,156 84,162"
    " C76,178 66,190 62,198 C60,204 70,208 82,208 C80,216 80,222 82,226"
    " C76,230 75,236 80,238 C76,242 76,248 82,252 C84,262 84,270 90,280"
    " C96,292 108,298 124,300 L126,372 Q150,382 180,384 L232,388 L220,372"
    " L222,258 C246,238 266,205 270,165 C278,100 255,45 205,38 Z",
    "M178,176 C170,160 196,158 204,176 C210,196 204,214 190,216 C180,214 182,200 178,176 Z",
)
PROFILE_DETAILS = (
    "M96,92 C130,70 190,72 215,110 C222,130 220,150 214,172",  # hairline
    "M92,138 Q104,132 118,136",  # brow
    "M96,151 Q104,145 112,151 Q104,155 96,151 Z",  # eye
    "M80,238 L92,239",  # mouth
    "M124,300 C150,300 176,290 196,262",  # jaw
    "M84,204 Q92,206 96,200",  # nostril
)
PROFILE_ZONES_LEFT = (
    _z("forehead", "Forehead", 114, 96, 20, 24),
    _z("temple_l", "Temple, patient's left", 162, 126, 18, 18),
    _z("periorbital_l", "Around the eye, patient's left", 108, 151, 15, 11),
    _z("nose", "Nose", 74, 188, 8, 14),
    _z("cheek_l", "Cheek, patient's left", 132, 196, 28, 22),
    _z("preauricular_l", "In front of the ear, patient's left", 168, 214, 8, 20),
    _z("nasolabial_l", "Nasolabial fold, patient's left", 96, 222, 6, 13),
    _z("perioral", "Around the mouth", 86, 246, 8, 10),
    _z("chin", "Chin", 96, 276, 10, 12),
    _z("jawline_l", "Jawline, patient's left", 158, 280, 32, 8, -32),
    _z("neck_side_l", "Neck, patient's left side", 172, 336, 32, 30),
)


def _mirrored(zone: Zone, width: int) -> Zone:
    code = zone.code.replace("_l", "_r") if zone.code.endswith("_l") else zone.code
    label = zone.label.replace("patient's left", "patient's right")
    return Zone(code, label, width - zone.cx, zone.cy, zone.rx, zone.ry, -zone.turn)


SCALP_OUTLINE = (
    "M150,38 C214,38 256,100 256,178 C256,256 214,314 150,314 C86,314 44,256 44,178"
    " C44,100 86,38 150,38 Z",
    "M140,40 L150,20 L160,40 Z",  # the nose: the face is at the top
    "M44,166 C30,164 28,196 44,196 Z",
    "M256,166 C270,164 272,196 256,196 Z",
)
SCALP_DETAILS = ("M96,78 C120,62 180,62 204,78",)  # hairline at the front
SCALP_ZONES = (
    _z("frontal", "Frontal (hairline)", 150, 92, 58, 24),
    _z("temporal_l", "Temporal, patient's left", 74, 168, 16, 40),
    _z("temporal_r", "Temporal, patient's right", 226, 168, 16, 40),
    _z("midscalp", "Mid-scalp", 150, 160, 62, 34),
    _z("vertex", "Vertex (crown)", 150, 232, 52, 32),
    _z("occipital", "Occipital (back of the head)", 150, 290, 50, 16),
)

BODY_OUTLINE = (
    "M150,18 C167,18 180,32 180,50 C180,68 167,80 150,80 C133,80 120,68 120,50"
    " C120,32 133,18 150,18 Z",
    "M138,78 L162,78 L164,92 L190,100 Q210,106 214,130 L230,250 L240,330"
    " Q242,346 234,347 Q226,346 226,330 L216,252 L204,162 L200,262 Q202,290 196,302"
    " L192,430 L188,530 Q188,546 172,546 L164,546 L160,430 L154,312 L150,306 L146,312"
    " L140,430 L136,546 L128,546 Q112,546 112,530 L108,430 L104,302 Q98,290 100,262"
    " L96,162 L84,252 L74,330 Q74,346 66,347 Q58,346 60,330 L70,250 L86,130"
    " Q90,106 110,100 L136,92 Z",
)
BODY_DETAILS = ("M150,306 L150,296", "M120,300 Q150,292 180,300")
BODY_FRONT_ZONES = (
    _z("chest", "Chest (décolleté)", 150, 130, 40, 18),
    _z("abdomen", "Abdomen", 150, 216, 34, 38),
    _z("flank_r", "Flank, patient's right", 108, 226, 7, 30),
    _z("flank_l", "Flank, patient's left", 192, 226, 7, 30),
    _z("arm_r", "Upper arm, patient's right", 84, 172, 9, 38, 8),
    _z("arm_l", "Upper arm, patient's left", 216, 172, 9, 38, -8),
    _z("hand_r", "Hand, patient's right", 67, 334, 7, 11),
    _z("hand_l", "Hand, patient's left", 233, 334, 7, 11),
    _z("thigh_r", "Thigh, patient's right", 125, 360, 15, 46),
    _z("thigh_l", "Thigh, patient's left", 175, 360, 15, 46),
    _z("knee_r", "Knee, patient's right", 124, 430, 11, 12),
    _z("knee_l", "Knee, patient's left", 176, 430, 11, 12),
    _z("leg_r", "Lower leg, patient's right", 123, 488, 10, 34),
    _z("leg_l", "Lower leg, patient's left", 177, 488, 10, 34),
)
BODY_BACK_ZONES = (
    _z("back_upper", "Upper back", 150, 140, 40, 26),
    _z("back_lower", "Lower back", 150, 230, 32, 28),
    _z("arm_back_l", "Back of the upper arm, patient's left", 84, 172, 9, 38, 8),
    _z("arm_back_r", "Back of the upper arm, patient's right", 216, 172, 9, 38, -8),
    _z("buttock_l", "Buttock, patient's left", 128, 298, 20, 22),
    _z("buttock_r", "Buttock, patient's right", 172, 298, 20, 22),
    _z("thigh_back_l", "Back of the thigh, patient's left", 125, 374, 15, 38),
    _z("thigh_back_r", "Back of the thigh, patient's right", 175, 374, 15, 38),
    _z("calf_l", "Calf, patient's left", 123, 484, 10, 32),
    _z("calf_r", "Calf, patient's right", 177, 484, 10, 32),
)


@cache
def drawings() -> dict[str, Drawing]:
    """Every diagram by its code."""
    return {
        Diagram.FACE_FRONT: Drawing(
            Diagram.FACE_FRONT, 300, 400, FACE_OUTLINE, FACE_DETAILS, FACE_ZONES, ("R", "L")
        ),
        Diagram.FACE_LEFT: Drawing(
            Diagram.FACE_LEFT,
            300,
            400,
            PROFILE_OUTLINE,
            PROFILE_DETAILS,
            PROFILE_ZONES_LEFT,
            ("", ""),
        ),
        Diagram.FACE_RIGHT: Drawing(
            Diagram.FACE_RIGHT,
            300,
            400,
            PROFILE_OUTLINE,  # drawn mirrored (the template flips it)
            PROFILE_DETAILS,
            tuple(_mirrored(z, 300) for z in PROFILE_ZONES_LEFT),
            ("", ""),
        ),
        Diagram.SCALP: Drawing(
            Diagram.SCALP, 300, 340, SCALP_OUTLINE, SCALP_DETAILS, SCALP_ZONES, ("L", "R")
        ),
        Diagram.BODY_FRONT: Drawing(
            Diagram.BODY_FRONT, 300, 560, BODY_OUTLINE, BODY_DETAILS, BODY_FRONT_ZONES, ("R", "L")
        ),
        Diagram.BODY_BACK: Drawing(
            Diagram.BODY_BACK, 300, 560, BODY_OUTLINE, (), BODY_BACK_ZONES, ("L", "R")
        ),
    }


def drawing(diagram: str) -> Drawing:
    """One diagram; KeyError for an unknown code."""
    return drawings()[diagram]


# The diagram an area of the library is first drawn on.
AREA_DIAGRAMS = {
    "face": Diagram.FACE_FRONT,
    "cheek": Diagram.FACE_FRONT,
    "chin": Diagram.FACE_FRONT,
    "neck": Diagram.FACE_FRONT,
    "scalp": Diagram.SCALP,
    "buttocks": Diagram.BODY_BACK,
}


def diagram_for_area(area: str) -> str:
    """The diagram an area is charted on first (the body, front, for any other area)."""
    return AREA_DIAGRAMS.get(area, Diagram.BODY_FRONT)


def spread(zone: Zone, count: int, width: int, height: int) -> list[tuple[float, float]]:
    """`count` places inside the zone, as fractions of the drawing: a sunflower spiral
    around its centre, for points entered as a number per zone rather than clicked."""
    places = []
    turn = math.radians(zone.turn)
    for i in range(count):
        r = 0.7 * math.sqrt((i + 0.5) / count) if count > 1 else 0.0
        a = i * 2.39996
        dx, dy = r * zone.rx * math.cos(a), r * zone.ry * math.sin(a)
        x = zone.cx + dx * math.cos(turn) - dy * math.sin(turn)
        y = zone.cy + dx * math.sin(turn) + dy * math.cos(turn)
        places.append((round(x / width, 4), round(y / height, 4)))
    return places
