"""Issue 11, browser test: a practitioner takes a before photo (a HEIC from a phone) at an
earlier session and an after photo (a JPEG) at today's, with the file input the camera
opens on a phone, then opens the side-by-side view; at phone and desk widths, with axe."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Page, expect

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic, Room
from mesodesk.patients.models import Patient
from mesodesk.photos.models import Photo
from mesodesk.scheduling.choices import AppointmentStatus
from mesodesk.scheduling.models import Appointment
from mesodesk.web.demo_photos import draw_face
from tests.browser.conftest import assert_accessible, check_both_widths, sign_in
from tests.charting.fixtures import session

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("photo_consent")]


def face_file(folder: Path, name: str, kind: str, fmt: str) -> Path:
    path = folder / name
    Image.open(io.BytesIO(draw_face("frontal", kind))).save(path, format=fmt)
    return path


def test_a_practitioner_takes_before_and_after_photos_and_compares_them(
    page: Page,
    live_server: object,
    tmp_path: Path,
    clinic: Clinic,
    patient: Patient,
    pedro: User,
    room: Room,
    appointment: Appointment,
) -> None:
    page.set_default_timeout(30_000)
    page.set_default_navigation_timeout(30_000)
    start = timezone.now() - timedelta(days=28)
    earlier = session(
        clinic,
        patient,
        pedro,
        room,
        start=start,
        end=start + timedelta(minutes=30),
        status=AppointmentStatus.COMPLETED,
    )
    before = face_file(tmp_path, "IMG_0412.HEIC", "before", "HEIF")
    after = face_file(tmp_path, "IMG_0977.JPG", "after", "JPEG")
    sign_in(page, pedro, live_server)
    page.goto(f"/staff/lindenhof/patients/{patient.pk}/")
    page.get_by_role("link", name="Take or upload photos").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Take or upload a photo")
    assert page.get_by_label("Photo", exact=True).get_attribute("capture") == "environment"
    check_both_widths(page, "staff-photo-upload")

    for path, kind, visit in ((before, "Before", earlier), (after, "After", appointment)):
        page.get_by_label("Photo", exact=True).set_input_files(str(path))
        page.get_by_label("Area").select_option("face")
        page.get_by_label("View").select_option("frontal")
        page.get_by_label("Session").select_option(str(visit.pk))
        page.get_by_label(kind, exact=True).check()
        page.get_by_role("button", name="Save the photo").click()
        expect(page.get_by_text(f"Saved: Face, Frontal, {kind.lower()}.")).to_be_visible()
    assert [p.source_format for p in Photo.objects.order_by("id")] == ["heic", "jpeg"]

    page.get_by_role("link", name="Compare side by side").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Side by side")
    shots = page.locator(".compare img")
    expect(shots).to_have_count(2)
    expect(page.locator(".compare figcaption strong").first).to_contain_text("Before")
    expect(page.locator(".compare figcaption strong").last).to_contain_text("After")
    # decode() waits for the picture, served by an authorised view, to arrive (it may still
    # be loading on a busy machine) and rejects if it cannot be shown.
    for n in range(2):
        assert shots.nth(n).evaluate(
            "img => img.decode().then(() => img.naturalWidth > 0, () => false)"
        )
    # The same size side by side, at both widths.
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        first, second = shots.nth(0).bounding_box(), shots.nth(1).bounding_box()
        assert first is not None and second is not None
        assert (round(first["width"]), round(first["height"])) == (
            round(second["width"]),
            round(second["height"]),
        )
        assert first["y"] == second["y"] and first["x"] < second["x"]
    check_both_widths(page, "staff-photos-side-by-side")

    page.get_by_role("link", name="All photos").click()
    expect(page.locator(".photo-grid img")).to_have_count(2)
    assert_accessible(page)
    check_both_widths(page, "staff-photos")
