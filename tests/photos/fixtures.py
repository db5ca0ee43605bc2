"""Taking photos in tests: `snap`, used by the photo, workspace, API and browser tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.patients.models import Patient
from mesodesk.photos.models import Photo
from mesodesk.photos.services import take_photo
from tests.helpers import give_consents
from tests.photos import files

TakePhoto = Callable[..., Photo]


def give_photo_consent(patient: Patient, by: User) -> None:
    """The patient's photography consent for the clinical record, which every photo needs
    (photos.services._consent_refusal), with the treatment consents beside it (written
    directly, as tests.helpers.give_consents writes them)."""
    from mesodesk.consents.gate import photography_allows

    if not photography_allows(patient=patient, tier="clinical"):
        give_consents(patient, photography="clinical")


@pytest.fixture
def photo_consent(patient: Patient, pedro: User) -> Patient:
    """The patient, with a photography consent for the clinical record."""
    give_photo_consent(patient, pedro)
    return patient


@pytest.fixture
def snap(clinic: Clinic, photo_consent: Patient, pedro: User) -> TakePhoto:
    """Takes a photo of the patient (who consented) as pedro (a JPEG with GPS unless
    `data` is given)."""
    patient = photo_consent

    def take(**changes: Any) -> Photo:
        args: dict[str, Any] = {
            "clinic": clinic,
            "patient": patient,
            "by": pedro,
            "data": files.jpeg_with_gps(),
            "area": "face",
            "view": "frontal",
            "kind": "before",
        }
        return take_photo(**(args | changes))

    return take
