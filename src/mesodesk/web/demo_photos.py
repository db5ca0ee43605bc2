"""The demo's photos: Anna's face before her first charted session and after her latest,
at three standard views (frontal, 45° left, 45° right), so that the side-by-side view has
something to compare. The pictures are drawn here with Pillow (a simple face, no real
person): "before" with uneven, reddened skin and fine lines, "after" smoother and more
even. They go through the photo service like any upload (re-encoded, thumbnails made).
"""

from __future__ import annotations

import io
import random
from datetime import timedelta

from PIL import Image, ImageChops, ImageDraw, ImageFilter

from mesodesk.accounts.models import User
from mesodesk.charting.choices import RecordStatus
from mesodesk.charting.models import SessionRecord
from mesodesk.clinics.models import Clinic
from mesodesk.photos.choices import Kind, View
from mesodesk.photos.models import Photo
from mesodesk.photos.services import take_photo

SIZE = (800, 1000)
VIEWS = (View.FRONTAL, View.OBLIQUE_LEFT, View.OBLIQUE_RIGHT)
# Where the face's features sit across the head (0 = left edge, 1 = right edge) for each
# view: an oblique view shows the features turned towards one side.
TURN = {View.FRONTAL: 0.5, View.OBLIQUE_LEFT: 0.36, View.OBLIQUE_RIGHT: 0.64}
SKIN = {Kind.BEFORE: (214, 160, 135), Kind.AFTER: (231, 187, 160)}


def _blend(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def draw_face(view: str, kind: str, *, seed: int = 11) -> bytes:
    """A PNG of a simple face-like picture from `view`, before or after treatment."""
    rng = random.Random(f"{seed}-{view}-{kind}")  # noqa: S311 - a drawing, not a secret
    height = SIZE[1]
    image = Image.new("RGB", SIZE, (196, 206, 214))  # a plain backdrop, as clinics use
    draw = ImageDraw.Draw(image)
    skin = SKIN[Kind(kind)]
    turn = TURN[View(view)]
    squeeze = 0 if view == View.FRONTAL else 40
    left, right = 200 + squeeze * (turn < 0.5), 600 - squeeze * (turn > 0.5)
    top, bottom = 170, 860
    cx = left + (right - left) * turn
    # Neck and shoulders, then hair behind the head, then the face.
    mid = (left + right) / 2
    draw.rectangle((mid - 95, 780, mid + 95, height), fill=_blend(skin, (0, 0, 0), 0.12))
    draw.ellipse((80, 900, 720, 1300), fill=(58, 84, 110))
    draw.ellipse((left - 30, top - 60, right + 30, top + 420), fill=(74, 52, 40))
    draw.ellipse((left, top, right, bottom), fill=skin)
    # Ears on the side that faces the camera.
    if turn >= 0.5:
        draw.ellipse((left - 22, 450, left + 18, 560), fill=_blend(skin, (0, 0, 0), 0.08))
    if turn <= 0.5:
        draw.ellipse((right - 18, 450, right + 22, 560), fill=_blend(skin, (0, 0, 0), 0.08))
    span = (right - left) * 0.22
    brow = _blend(skin, (60, 40, 30), 0.7)
    for side in (-1, 1):
        ex = cx + side * span * (1 - abs(turn - 0.5) * (1 if side * (turn - 0.5) > 0 else -0.6))
        draw.arc((ex - 55, 395, ex + 55, 445), 200, 340, fill=brow, width=9)
        draw.ellipse((ex - 42, 452, ex + 42, 488), fill=(250, 248, 244))
        draw.ellipse((ex - 16, 454, ex + 16, 486), fill=(70, 95, 80))
        draw.ellipse((ex - 7, 463, ex + 7, 477), fill=(20, 20, 20))
    nose = cx + (turn - 0.5) * 120
    shade = _blend(skin, (90, 50, 40), 0.35)
    draw.line((nose, 480, nose + (turn - 0.5) * 60, 610), fill=shade, width=6)
    draw.arc((nose - 34, 590, nose + 34, 635), 20, 160, fill=shade, width=5)
    draw.chord((cx - 70, 680, cx + 70, 745), 0, 180, fill=(170, 80, 85))
    draw.line((cx - 70, 712, cx + 70, 712), fill=(120, 50, 55), width=3)
    if kind == Kind.BEFORE:
        # Uneven tone: reddened patches and spots on the cheeks and forehead; fine lines
        # across the forehead, at the eyes and beside the nose.
        patches = Image.new("L", SIZE, 0)
        marks = ImageDraw.Draw(patches)
        for _ in range(60):
            x = rng.uniform(left + 60, right - 60)
            y = rng.uniform(260, 700)
            r = rng.uniform(8, 26)
            marks.ellipse((x - r, y - r, x + r, y + r), fill=rng.randint(40, 110))
        patches = patches.filter(ImageFilter.GaussianBlur(6))
        red = Image.new("RGB", SIZE, (180, 70, 70))
        face_mask = Image.new("L", SIZE, 0)
        ImageDraw.Draw(face_mask).ellipse((left, top, right, bottom), fill=255)
        image = Image.composite(red, image, ImageChops.multiply(patches, face_mask))
        draw = ImageDraw.Draw(image)
        line = _blend(skin, (90, 50, 40), 0.45)
        for n in range(4):
            y = 290 + n * 22
            draw.arc((cx - 120, y, cx + 120, y + 40), 200, 340, fill=line, width=2)
        for side in (-1, 1):
            ex = cx + side * span
            for n in range(3):
                draw.line(
                    (ex + side * 50, 470 + n * 10, ex + side * 78, 460 + n * 16), fill=line, width=2
                )
            # The nasolabial fold: from beside the nose's wing to the mouth's corner.
            draw.line(
                (nose + side * 42, 615, cx + side * 70, 660, cx + side * 82, 705),
                fill=line,
                width=3,
                joint="curve",
            )
        grain = Image.effect_noise(SIZE, 28).convert("RGB")
        image = Image.blend(image, grain, 0.06)
    else:
        image = image.filter(ImageFilter.GaussianBlur(0.6))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def seed_photos(*, clinic: Clinic, practitioner: User) -> None:
    """Anna's before photos at her first signed session and after photos at her latest,
    once: a patient who has photos already is left as she is."""
    records = list(
        SessionRecord.objects.filter(
            clinic=clinic,
            patient__first_name="Anna",
            patient__last_name="Schmidt",
            status=RecordStatus.SIGNED,
        )
        .select_related("patient", "appointment")
        .order_by("appointment__start")
    )
    if len(records) < 2 or Photo.objects.filter(patient=records[0].patient).exists():
        return
    first, latest = records[0], records[-1]
    for record, kind, at in (
        (first, Kind.BEFORE, first.appointment.start + timedelta(minutes=2)),
        (latest, Kind.AFTER, latest.appointment.end - timedelta(minutes=2)),
    ):
        for view in VIEWS:
            take_photo(
                clinic=clinic,
                patient=record.patient,
                by=practitioner,
                data=draw_face(view, kind),
                area="face",
                view=view,
                kind=kind,
                appointment=record.appointment,
                taken_at=at,
            )
