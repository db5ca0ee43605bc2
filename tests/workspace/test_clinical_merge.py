"""The admin's page for merging a duplicate record into the one to keep."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from mesodesk.accounts.models import User
from mesodesk.audit.models import AccessEvent
from mesodesk.clinics.models import Clinic
from mesodesk.patients.models import Patient
from mesodesk.patients.services import register_patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def toms(clinic: Clinic, fiona: User) -> tuple[Patient, Patient]:
    first = register_patient(
        clinic=clinic,
        by=fiona,
        first_name="Tom",
        last_name="Baker",
        birth_date=date(1980, 1, 2),
        email="tom@example.test",
    )
    second = register_patient(
        clinic=clinic, by=fiona, first_name="Thomas", last_name="Baker", email="TOM@example.test"
    )
    return first, second


def _chart(patient: Patient) -> str:
    return f"/staff/lindenhof/patients/{patient.pk}/"


def test_the_chart_warns_of_a_duplicate_and_an_admin_merges_it(
    admin: Client, toms: tuple[Patient, Patient]
) -> None:
    kept, duplicate = toms
    chart = admin.get(_chart(kept)).text
    assert "This may be the same person as:" in chart
    merge_url = f"{_chart(duplicate)}merge/?into={kept.pk}"
    assert f'href="{merge_url}"' in chart

    page = admin.get(merge_url)
    assert page.status_code == 200
    # Opening the comparison is a read of both records.
    read = set(
        AccessEvent.objects.filter(action="read", path=f"{_chart(duplicate)}merge/").values_list(
            "patient_id", flat=True
        )
    )
    assert read == {kept.pk, duplicate.pk}
    assert f"Merged: patient {duplicate.pk}" in page.text
    assert f"Kept: patient {kept.pk}" in page.text

    refused = admin.post(f"{_chart(duplicate)}merge/", {"into": kept.pk, "reason": ""})
    assert refused.status_code == 422
    assert "Say why these records are the same person." in refused.text

    response = admin.post(
        f"{_chart(duplicate)}merge/", {"into": kept.pk, "reason": "Same e-mail, same person"}
    )
    assert response.status_code == 302
    assert response["Location"] == _chart(kept)
    duplicate.refresh_from_db()
    assert duplicate.merged_into == kept
    kept_chart = admin.get(_chart(kept)).text
    assert "This may be the same person as:" not in kept_chart
    assert "Same e-mail, same person" in kept_chart
    old_chart = admin.get(_chart(duplicate)).text
    assert "This record was merged into" in old_chart
    assert "Book an appointment" not in old_chart


def test_the_merge_page_offers_the_likely_duplicates(
    admin: Client, toms: tuple[Patient, Patient]
) -> None:
    kept, duplicate = toms
    page = admin.get(f"{_chart(duplicate)}merge/").text
    assert f'href="?into={kept.pk}"' in page
    assert "same e-mail address" in page


def test_only_admins_merge(
    doctor: Client, desk: Client, outsider: Client, toms: tuple[Patient, Patient]
) -> None:
    kept, duplicate = toms
    assert "If it is, ask a clinic admin to merge the two records." in desk.get(_chart(kept)).text
    for client in (doctor, desk):
        assert client.get(f"{_chart(duplicate)}merge/").status_code == 403
        response = client.post(f"{_chart(duplicate)}merge/", {"into": kept.pk, "reason": "x"})
        assert response.status_code == 403
    assert outsider.get(f"{_chart(duplicate)}merge/").status_code == 404
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None
