"""A signed record is locked by the database itself: writing its tables directly (as a
script or a careless admin would) is refused, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from mesodesk.accounts.models import User
from mesodesk.charting import services
from mesodesk.charting.models import Administration, SessionRecord
from mesodesk.clinics.models import Clinic
from mesodesk.inventory.models import Lot
from tests.charting.fixtures import nappage

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(clinic: Clinic, record: SessionRecord, pedro: User, lot: Lot) -> SessionRecord:
    nappage(clinic, record, pedro, lot)
    services.sign_record(clinic=clinic, record=record, by=pedro)
    services.add_addendum(clinic=clinic, record=record, by=pedro, text="Checked by phone.")
    return record


def sql(statement: str, *params: object) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def refused(statement: str, *params: object) -> None:
    with pytest.raises(IntegrityError, match="signed record: locked"):
        sql(statement, *params)


def test_a_signed_record_cannot_be_updated_or_deleted(signed: SessionRecord) -> None:
    refused("UPDATE charting_sessionrecord SET notes = 'changed' WHERE id = %s", signed.pk)
    refused(
        "UPDATE charting_sessionrecord SET status = 'draft', signed_at = NULL,"
        " signed_by_id = NULL WHERE id = %s",
        signed.pk,
    )
    refused("DELETE FROM charting_sessionrecord WHERE id = %s", signed.pk)


def test_a_draft_record_is_written_freely(record: SessionRecord) -> None:
    assert (
        sql("UPDATE charting_sessionrecord SET notes = 'draft note' WHERE id = %s", record.pk) == 1
    )


def test_the_administrations_of_a_signed_record_cannot_be_changed_added_or_deleted(
    signed: SessionRecord,
) -> None:
    given = signed.administrations.get()
    refused("UPDATE charting_administration SET volume_ml = 1 WHERE id = %s", given.pk)
    refused("UPDATE charting_administration SET depth_mm = 9 WHERE id = %s", given.pk)
    refused("DELETE FROM charting_administration WHERE id = %s", given.pk)
    refused(
        "INSERT INTO charting_administration (clinic_id, record_id, area, product_id, volume_ml,"
        " technique, device_settings, warnings, out_of_range_reason, created_by_id, created_at,"
        " entered_in_error_reason)"
        " SELECT clinic_id, record_id, 'neck', product_id, 1, technique, '', warnings, '',"
        " created_by_id, created_at, '' FROM charting_administration WHERE id = %s",
        given.pk,
    )


def test_marking_an_administration_entered_in_error_is_allowed_once_and_alone(
    signed: SessionRecord, pedro: User
) -> None:
    given = signed.administrations.get()
    refused(
        "UPDATE charting_administration SET entered_in_error_at = created_at,"
        " entered_in_error_by_id = %s, entered_in_error_reason = 'x', volume_ml = 1"
        " WHERE id = %s",
        pedro.pk,
        given.pk,
    )
    assert (
        sql(
            "UPDATE charting_administration SET entered_in_error_at = created_at,"
            " entered_in_error_by_id = %s, entered_in_error_reason = 'wrong patient'"
            " WHERE id = %s",
            pedro.pk,
            given.pk,
        )
        == 1
    )
    refused(
        "UPDATE charting_administration SET entered_in_error_reason = 'rewritten' WHERE id = %s",
        given.pk,
    )
    refused(
        "UPDATE charting_administration SET entered_in_error_at = NULL,"
        " entered_in_error_by_id = NULL, entered_in_error_reason = '' WHERE id = %s",
        given.pk,
    )


def test_the_points_of_a_signed_record_cannot_be_changed_added_or_deleted(
    signed: SessionRecord,
) -> None:
    point = signed.administrations.get().injection_points.first()
    assert point is not None
    refused("UPDATE charting_injectionpoint SET x = 0.1 WHERE id = %s", point.pk)
    refused("DELETE FROM charting_injectionpoint WHERE id = %s", point.pk)
    refused(
        "INSERT INTO charting_injectionpoint (clinic_id, administration_id, diagram, zone, x, y)"
        " SELECT clinic_id, administration_id, diagram, zone, 0.5, 0.5"
        " FROM charting_injectionpoint WHERE id = %s",
        point.pk,
    )


def test_an_addendum_cannot_be_changed_or_deleted(signed: SessionRecord) -> None:
    addendum = signed.addenda.get()
    refused("UPDATE charting_addendum SET text = 'rewritten' WHERE id = %s", addendum.pk)
    refused("DELETE FROM charting_addendum WHERE id = %s", addendum.pk)


def test_the_orm_is_refused_the_same_way(signed: SessionRecord) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Administration.objects.filter(record=signed).update(area="neck")
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionRecord.objects.filter(pk=signed.pk).update(pain_score=2)
