"""The admin saves overrides through the service and shows library versions read-only."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.core.library import load_library
from mesodesk.protocols.models import ClinicOverride, ProtocolVersion


def test_the_admin_records_who_set_an_override(
    admin_client: Client, admin_user: User, clinic: Clinic
) -> None:
    code = load_library().contraindications[0].code
    response = admin_client.post(
        reverse("admin:protocols_clinicoverride_add"),
        {
            "clinic": clinic.pk,
            "rule_code": code,
            "value": "",
            "severity": "caution",
            "reason": "Seen by our physician first.",
        },
    )
    assert response.status_code == 302
    override = ClinicOverride.objects.get(clinic=clinic, rule_code=code)
    assert (override.severity, override.created_by) == ("caution", admin_user)
    assert override.history.get().history_user == admin_user


def test_the_admin_refuses_a_rule_the_library_does_not_have(
    admin_client: Client, clinic: Clinic
) -> None:
    response = admin_client.post(
        reverse("admin:protocols_clinicoverride_add"),
        {
            "clinic": clinic.pk,
            "rule_code": "detox_diet",
            "value": "",
            "severity": "caution",
            "reason": "Because.",
        },
    )
    assert response.status_code == 200
    assert "is not a rule of protocol library" in response.content.decode()
    assert not ClinicOverride.objects.exists()


def test_a_protocol_version_cannot_be_added_or_edited_in_the_admin(admin_client: Client) -> None:
    version = ProtocolVersion.objects.latest()
    assert admin_client.get(reverse("admin:protocols_protocolversion_add")).status_code == 403
    page = admin_client.get(reverse("admin:protocols_protocolversion_change", args=[version.pk]))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda model: model._meta.label)
def test_every_admin_list_answers(admin_client: Client, alice: User, model: type) -> None:
    opts = model._meta  # type: ignore[attr-defined]
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert admin_client.get(url).status_code == 200
