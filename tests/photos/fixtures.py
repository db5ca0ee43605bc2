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
from tests.photos import files

TakePhoto = Callable[..., Photo]


@pytest.fixture
def snap(clinic: Clinic, patient: Patient, pedro: User) -> TakePhoto:
    """Takes a photo of the patient as pedro (a JPEG with GPS unless `data` is given)."""

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
