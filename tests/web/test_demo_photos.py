"""The demo's photos: Anna's face before her first charted session and after her latest,
at three views, seeded once however often the demo runs, and free of metadata."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from PIL import Image

from mesodesk.charting.models import SessionRecord
from mesodesk.photos import storage
from mesodesk.photos.models import Photo
from tests.photos.files import has_metadata


@pytest.mark.django_db
def test_the_demo_seeds_annas_before_and_after_photos_once() -> None:
    call_command("demo", "--no-serve", stdout=io.StringIO())
    call_command("demo", "--no-serve", stdout=io.StringIO())
    records = list(
        SessionRecord.objects.filter(patient__first_name="Anna").order_by("appointment__start")
    )
    photos = list(Photo.objects.order_by("taken_at", "view"))
    assert len(photos) == 6
    assert {(p.appointment_id, p.kind) for p in photos} == {
        (records[0].appointment_id, "before"),
        (records[-1].appointment_id, "after"),
    }
    assert {p.view for p in photos} == {"frontal", "oblique_left_45", "oblique_right_45"}
    assert {(p.area, p.patient.first_name) for p in photos} == {("face", "Anna")}
    kept = storage.read(photos[0].image)
    assert has_metadata(kept) == [] and Image.open(io.BytesIO(kept)).size == (800, 1000)
