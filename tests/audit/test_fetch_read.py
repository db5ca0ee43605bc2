"""audit.services.fetch_read: the row read and its access event, written alike on both
databases (on PostgreSQL in one statement), and no event when there is no row."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db import router

from mesodesk import rows
from mesodesk.accounts.models import User
from mesodesk.audit.models import AccessEvent
from mesodesk.audit.services import fetch_read
from mesodesk.clinics.models import Clinic
from mesodesk.patients.models import Patient
from mesodesk.patients.services import register_patient
from tests.query_counts import assert_statements, read_and_log, statements


def read(clinic: Clinic, user: User, patient_id: int) -> list[tuple[object, ...]]:
    db = router.db_for_write(AccessEvent)
    return fetch_read(
        clinic=clinic,
        user=user,
        model=Patient,
        sql=rows.one_sql(Patient, ("clinic_id", "id"), db),
        params=[clinic.pk, patient_id],
        patient_column="id",
        ip="192.0.2.7",
        path="/staff/x/patients/1/",
    )


def test_the_row_comes_back_with_its_event(clinic: Clinic, fiona: User) -> None:
    maria = register_patient(clinic=clinic, by=fiona, first_name="Maria", last_name="Keller")
    before = AccessEvent.objects.count()
    with statements() as found:
        got = read(clinic, fiona, maria.pk)
    assert_statements(found, read_and_log())
    loaded = rows.shape(Patient, "default").load(got[0], 0, "default")
    assert (loaded.pk, loaded.last_name) == (maria.pk, "Keller")
    assert AccessEvent.objects.count() == before + 1
    event = AccessEvent.objects.latest("id")
    assert (event.clinic_id, event.user_id, event.patient_id) == (clinic.pk, fiona.pk, maria.pk)
    assert (event.action, event.object_type, event.object_id) == (
        "read",
        "patients.patient",
        str(maria.pk),
    )
    assert (event.ip, event.path) == ("192.0.2.7", "/staff/x/patients/1/")
    assert event.at is not None


def test_no_row_no_event(clinic: Clinic, other_clinic: Clinic, fiona: User) -> None:
    elsewhere = register_patient(clinic=other_clinic, by=fiona, first_name="A", last_name="B")
    before = AccessEvent.objects.count()
    assert read(clinic, fiona, elsewhere.pk) == []
    assert read(clinic, fiona, 10**9) == []
    assert AccessEvent.objects.count() == before


def test_an_anonymous_reader_is_logged_without_a_user(clinic: Clinic, fiona: User) -> None:
    maria = register_patient(clinic=clinic, by=fiona, first_name="Maria", last_name="Keller")
    db = router.db_for_write(AccessEvent)
    fetch_read(
        clinic=clinic,
        user=AnonymousUser(),
        model=Patient,
        sql=rows.one_sql(Patient, ("clinic_id", "id"), db),
        params=[clinic.pk, maria.pk],
        patient_column="id",
        ip=None,
        path="",
    )
    event = AccessEvent.objects.latest("id")
    assert (event.user_id, event.patient_id, event.ip) == (None, maria.pk, None)


def test_a_listing_comes_back_with_its_one_event_even_when_empty(
    clinic: Clinic, fiona: User
) -> None:
    from django.test import RequestFactory

    from mesodesk.audit.services import fetch_listed

    maria = register_patient(clinic=clinic, by=fiona, first_name="Maria", last_name="Keller")
    tom = register_patient(clinic=clinic, by=fiona, first_name="Tom", last_name="Berg")
    request = RequestFactory().get("/staff/lindenhof/?day=2026-12-07", REMOTE_ADDR="192.0.2.9")
    request.user = fiona
    db = router.db_for_write(AccessEvent)
    table = rows.table(Patient, db)
    sql = f"SELECT id, last_name FROM {table} WHERE clinic_id = %s ORDER BY id"  # noqa: S608
    both = [(maria.pk, "Keller"), (tom.pk, "Berg")]
    for params, expected in (([clinic.pk], both), ([10**9], [])):
        before = AccessEvent.objects.count()
        with statements() as found:
            got = fetch_listed(request, clinic=clinic, sql=sql, params=params)
        assert_statements(found, read_and_log())
        assert [tuple(row) for row in got] == expected
        assert AccessEvent.objects.count() == before + 1
        event = AccessEvent.objects.latest("id")
        assert (event.clinic_id, event.user_id, event.patient_id) == (clinic.pk, fiona.pk, None)
        assert (event.action, event.object_type, event.object_id) == (
            "read",
            "clinics.clinic",
            str(clinic.pk),
        )
        # The path without its query string, as record_read logs it.
        assert (event.ip, event.path) == ("192.0.2.9", "/staff/lindenhof/")
