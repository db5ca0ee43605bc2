"""Issue 14, finding 9, in the admin too: its editable forms take free text as the web
forms do (web.fields.TextField), so no name or reason there can hide or reorder text."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from mesodesk.clinics.models import Clinic, Room

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["\u200b\u200b", "Room \u202e1"])
def test_a_room_named_with_invisible_or_reordering_characters_is_refused(
    admin_client: Client, clinic: Clinic, name: str
) -> None:
    response = admin_client.post(
        reverse("admin:clinics_room_add"), {"clinic": clinic.pk, "name": name}
    )
    assert response.status_code == 200  # the form again, with the error
    assert not Room.objects.filter(clinic=clinic).exists()


def test_a_room_name_is_kept_in_nfc_and_trimmed(admin_client: Client, clinic: Clinic) -> None:
    response = admin_client.post(
        reverse("admin:clinics_room_add"), {"clinic": clinic.pk, "name": "  Cafe\u0301 room "}
    )
    assert response.status_code == 302
    assert Room.objects.get(clinic=clinic).name == "Caf\u00e9 room"
