"""Stock in the admin: listed and shown with history, never added, changed or deleted."""

from __future__ import annotations

import pytest
from django.test import Client

from mesodesk.inventory.models import Lot

pytestmark = pytest.mark.django_db


def test_the_admin_shows_products_lots_and_moves_but_changes_nothing(
    admin_client: Client, lot: Lot
) -> None:
    for model in ("product", "lot", "openedvial", "stockmove"):
        assert admin_client.get(f"/admin/inventory/{model}/").status_code == 200, model
        assert admin_client.get(f"/admin/inventory/{model}/add/").status_code == 403, model
    history = admin_client.get(f"/admin/inventory/lot/{lot.pk}/history/")
    assert history.status_code == 200
    assert "RV2401" in history.text
    assert (
        admin_client.post(f"/admin/inventory/lot/{lot.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert Lot.objects.filter(pk=lot.pk).exists()
