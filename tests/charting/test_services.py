"""Charting a session through the services: opening, numbing, administrations behind the
stock's gates and the library's checks, signing, addenda and entered in error."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.charting import selectors, services
from mesodesk.charting.choices import Prefill, RecordStatus
from mesodesk.charting.errors import NeedsReason
from mesodesk.charting.models import Addendum, SessionRecord
from mesodesk.clinics.models import Clinic, Device, Room
from mesodesk.inventory.choices import LotStatus, MoveKind
from mesodesk.inventory.errors import LotRefused
from mesodesk.inventory.models import Lot, Product, StockMove
from mesodesk.patients.models import Patient
from mesodesk.planning.services import create_plan
from mesodesk.scheduling.choices import AppointmentKind, AppointmentStatus
from mesodesk.scheduling.models import Appointment
from tests.charting.fixtures import D, nappage, session

pytestmark = pytest.mark.django_db


def code_of(error: ValidationError, field: str) -> str | None:
    return error.error_dict[field][0].code


# --- opening -------------------------------------------------------------------------


def test_a_record_opens_for_a_session_in_treatment(
    clinic: Clinic, appointment: Appointment, pedro: User
) -> None:
    record = services.open_record(clinic=clinic, appointment=appointment, by=pedro)
    assert record.status == RecordStatus.DRAFT
    assert record.patient == appointment.patient
    assert record.practitioner == pedro
    assert record.history.count() == 1


def test_the_record_starts_from_the_plan_areas(
    clinic: Clinic, appointment: Appointment, pedro: User, patient: Patient
) -> None:
    create_plan(
        clinic=clinic,
        patient=patient,
        by=pedro,
        indication="skin_rejuvenation",
        areas=["face", "neck"],
        ingredients=["hyaluronic_acid"],
        technique="manual_needle",
        schedule_template="biweekly_series",
        first_session=timezone.now() + timedelta(days=30),
    )
    record = services.open_record(clinic=clinic, appointment=appointment, by=pedro)
    assert record.areas == ["face", "neck"]
    assert record.prefilled_from == Prefill.PLAN


def test_the_record_may_start_from_the_last_signed_record(
    clinic: Clinic, pedro: User, patient: Patient, room: Room, lot: Lot
) -> None:
    first = session(
        clinic,
        patient,
        pedro,
        room,
        start=timezone.now() - timedelta(days=14),
        end=timezone.now() - timedelta(days=14) + timedelta(minutes=30),
        status=AppointmentStatus.COMPLETED,
    )
    earlier = services.open_record(clinic=clinic, appointment=first, by=pedro)
    nappage(clinic, earlier, pedro, lot, area="neck")
    services.sign_record(clinic=clinic, record=earlier, by=pedro)
    today = session(clinic, patient, pedro, room)
    record = services.open_record(
        clinic=clinic, appointment=today, by=pedro, start_from=Prefill.LAST_RECORD
    )
    assert record.areas == ["neck"]
    assert record.prefilled_from == Prefill.LAST_RECORD


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"kind": AppointmentKind.CONSULTATION}, "not_a_session"),
        ({"started_at": None}, "not_started"),
        ({"status": AppointmentStatus.NO_SHOW}, "not_started"),
    ],
)
def test_a_record_is_refused_for_anything_but_a_session_in_treatment_or_completed(
    clinic: Clinic, patient: Patient, pedro: User, room: Room, fields: dict, code: str
) -> None:
    appointment = session(clinic, patient, pedro, room, **fields)
    with pytest.raises(ValidationError) as refused:
        services.open_record(clinic=clinic, appointment=appointment, by=pedro)
    assert code_of(refused.value, "appointment") == code


def test_a_session_has_one_record(
    clinic: Clinic, record: SessionRecord, appointment: Appointment, pedro: User
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.open_record(clinic=clinic, appointment=appointment, by=pedro)
    assert code_of(refused.value, "appointment") == "exists"


@pytest.mark.parametrize("who", ["fiona", "alice"])
def test_only_a_practitioner_charts(
    clinic: Clinic, appointment: Appointment, who: str, request: pytest.FixtureRequest
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.open_record(
            clinic=clinic, appointment=appointment, by=request.getfixturevalue(who)
        )
    assert code_of(refused.value, "by") == "permission_denied"


# --- numbing -------------------------------------------------------------------------


def test_numbing_shorter_than_the_library_needs_a_reason(
    clinic: Clinic, record: SessionRecord, pedro: User
) -> None:
    on = timezone.now() - timedelta(minutes=30)
    with pytest.raises(NeedsReason) as refused:
        services.record_numbing(
            clinic=clinic,
            record=record,
            by=pedro,
            product="EMLA 5%",
            on_at=on,
            off_at=on + timedelta(minutes=10),
        )
    assert refused.value.warnings[0].code == "numbing_short"
    saved = services.record_numbing(
        clinic=clinic,
        record=record,
        by=pedro,
        product="EMLA 5%",
        on_at=on,
        off_at=on + timedelta(minutes=10),
        reason="Patient asked to start; low pain threshold noted.",
    )
    assert saved.numbing_warnings[0]["code"] == "numbing_short"
    assert saved.numbing_short_reason.startswith("Patient asked")


def test_twenty_minutes_of_numbing_needs_no_reason(
    clinic: Clinic, record: SessionRecord, pedro: User
) -> None:
    on = timezone.now() - timedelta(minutes=30)
    saved = services.record_numbing(
        clinic=clinic,
        record=record,
        by=pedro,
        product="EMLA 5%",
        on_at=on,
        off_at=on + timedelta(minutes=20),
    )
    assert saved.numbing_warnings == []


# --- administrations -------------------------------------------------------------------


def test_an_administration_takes_its_volume_from_the_lot_and_keeps_its_points(
    clinic: Clinic, record: SessionRecord, pedro: User, lot: Lot
) -> None:
    given = nappage(clinic, record, pedro, lot)
    lot.refresh_from_db()
    assert lot.quantity_on_hand == D("8.00")
    assert given.stock_move.kind == MoveKind.USED
    assert given.product == lot.product
    assert given.points == 3
    assert given.warnings == []
    assert [(p.zone, p.depth_mm) for p in given.injection_points.all()] == [
        ("cheek_l", D("2.5"))
    ] * 3


@pytest.mark.parametrize(
    ("status", "code"),
    [(LotStatus.RECALLED, "recalled"), (LotStatus.QUARANTINED, "quarantined")],
)
def test_a_recalled_or_quarantined_lot_is_refused_with_the_lots_to_use_instead(
    clinic: Clinic,
    record: SessionRecord,
    pedro: User,
    lot: Lot,
    cocktail: Product,
    make_lot: Callable[..., Lot],
    status: str,
    code: str,
) -> None:
    bad = make_lot(cocktail, "RV-BAD", status=status)
    with pytest.raises(LotRefused) as refused:
        nappage(clinic, record, pedro, bad)
    assert refused.value.code == code
    assert refused.value.alternatives == [lot]
    assert record.administrations.count() == 0


def test_an_expired_lot_is_refused_and_nothing_leaves_the_stock(
    clinic: Clinic, record: SessionRecord, pedro: User, expired_lot: Lot, lot: Lot
) -> None:
    with pytest.raises(LotRefused) as refused:
        nappage(clinic, record, pedro, expired_lot)
    assert refused.value.code == "expired"
    assert refused.value.alternatives == [lot]
    expired_lot.refresh_from_db()
    assert expired_lot.quantity_on_hand == D("10.00")


def test_more_than_is_left_is_refused(
    clinic: Clinic,
    record: SessionRecord,
    pedro: User,
    cocktail: Product,
    make_lot: Callable[..., Lot],
) -> None:
    small = make_lot(cocktail, "RV-SMALL", quantity="1.00")
    with pytest.raises(LotRefused) as refused:
        nappage(clinic, record, pedro, small)
    assert refused.value.code == "not_enough"


def test_an_opened_vial_past_its_beyond_use_time_is_refused(
    clinic: Clinic, record: SessionRecord, pedro: User, lot: Lot
) -> None:
    nappage(
        clinic,
        record,
        pedro,
        lot,
        volume_ml=D("1.00"),
        map_points=[],
        at=timezone.now() - timedelta(hours=25),
    )
    with pytest.raises(LotRefused) as refused:
        nappage(clinic, record, pedro, lot, volume_ml=D("1.00"))
    assert refused.value.code == "beyond_use"


def test_a_depth_outside_the_technique_is_refused_without_a_reason(
    clinic: Clinic, record: SessionRecord, pedro: User, lot: Lot
) -> None:
    with pytest.raises(NeedsReason) as refused:
        nappage(
            clinic, record, pedro, lot, technique="papule", depth_mm=D("3"), volume_ml=D("0.45")
        )
    assert [w.code for w in refused.value.warnings] == ["depth_outside_technique"]
    assert code_of(refused.value, "reason") == "reason_required"
    lot.refresh_from_db()
    assert lot.quantity_on_hand == D("10.00")
    assert StockMove.objects.filter(lot=lot, kind=MoveKind.USED).count() == 0


def test_a_depth_outside_the_technique_is_kept_with_its_reason_and_warning(
    clinic: Clinic, record: SessionRecord, pedro: User, lot: Lot
) -> None:
    given = nappage(
        clinic,
        record,
        pedro,
        lot,
        technique="papule",
        depth_mm=D("3"),
        reason="Thick dermis at the jaw; deeper papules intended.",
    )
    assert given.warnings[0]["code"] == "depth_outside_technique"
    assert given.warnings[0]["sources"] == ["Vedamurthy, IJDVL 2007"]
    assert given.out_of_range_reason.startswith("Thick dermis")


def test_a_missing_depth_is_refused(
    clinic: Clinic, record: SessionRecord, pedro: User, lot: Lot
) -> None:
    with pytest.raises(ValidationError) as refused:
        nappage(clinic, record, pedro, lot, depth_mm=None)
    assert "depth_mm" in refused.value.error_dict


def test_the_meso_gun_needs_a_meso_gun(
    clinic: Clinic, record: SessionRecord, pedro: User, lot: Lot, gun: Device
) -> None:
    with pytest.raises(ValidationError) as refused:
        nappage(clinic, record, pedro, lot, technique="meso_gun")
    assert code_of(refused.value, "device") == "device_required"
    given = nappage(
        clinic,
        record,
        pedro,
        lot,
        technique="meso_gun",
        device=gun,
        device_settings="2 mm, continuous",
        needle_gauge=None,
        needle_length_mm=None,
    )
    assert given.device == gun


def test_a_point_outside_its_diagram_or_zone_is_refused(
    clinic: Clinic, record: SessionRecord, pedro: User, lot: Lot
) -> None:
    for point in (
        services.MapPoint("face_front", "cheek_l", 1.2, 0.5),
        services.MapPoint("face_front", "vertex", 0.5, 0.5),
        services.MapPoint("tattoo", "cheek_l", 0.5, 0.5),
    ):
        with pytest.raises(ValidationError) as refused:
            nappage(clinic, record, pedro, lot, map_points=[point])
        assert "points" in refused.value.error_dict


# --- observations, signing, addenda, entered in error -------------------------------------


def test_observations_are_kept(clinic: Clinic, record: SessionRecord, pedro: User) -> None:
    saved = services.record_observations(
        clinic=clinic,
        record=record,
        by=pedro,
        pain_score=3,
        immediate_reactions=["wheal", "erythema"],
        notes="Tolerated well.",
    )
    assert (saved.pain_score, saved.immediate_reactions) == (3, ["wheal", "erythema"])
    with pytest.raises(ValidationError):
        services.record_observations(
            clinic=clinic,
            record=record,
            by=pedro,
            pain_score=11,
            immediate_reactions=[],
            notes="",
        )


def test_an_empty_record_cannot_be_signed(
    clinic: Clinic, record: SessionRecord, pedro: User
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.sign_record(clinic=clinic, record=record, by=pedro)
    assert code_of(refused.value, "record") == "nothing_charted"


def test_a_signed_record_takes_no_more_edits(
    clinic: Clinic, record: SessionRecord, pedro: User, lot: Lot
) -> None:
    nappage(clinic, record, pedro, lot)
    signed = services.sign_record(clinic=clinic, record=record, by=pedro)
    assert (signed.status, signed.signed_by) == (RecordStatus.SIGNED, pedro)
    edits = [
        lambda: nappage(clinic, record, pedro, lot),
        lambda: services.record_observations(
            clinic=clinic,
            record=record,
            by=pedro,
            pain_score=1,
            immediate_reactions=[],
            notes="",
        ),
        lambda: services.record_numbing(
            clinic=clinic, record=record, by=pedro, product="x", on_at=None, off_at=None
        ),
        lambda: services.sign_record(clinic=clinic, record=record, by=pedro),
    ]
    for edit in edits:
        with pytest.raises(ValidationError) as refused:
            edit()
        assert code_of(refused.value, "record") == "signed"


def test_front_desk_cannot_sign(
    clinic: Clinic, record: SessionRecord, pedro: User, fiona: User, lot: Lot
) -> None:
    nappage(clinic, record, pedro, lot)
    with pytest.raises(ValidationError) as refused:
        services.sign_record(clinic=clinic, record=record, by=fiona)
    assert code_of(refused.value, "by") == "permission_denied"


def test_a_draft_entry_in_error_goes_back_to_stock_and_stays_on_the_record(
    clinic: Clinic, record: SessionRecord, pedro: User, lot: Lot
) -> None:
    given = nappage(clinic, record, pedro, lot)
    marked = services.mark_entered_in_error(
        clinic=clinic, administration=given, by=pedro, reason="Wrong vial scanned."
    )
    assert marked.entered_in_error_reason == "Wrong vial scanned."
    lot.refresh_from_db()
    assert lot.quantity_on_hand == D("10.00")
    assert record.administrations.count() == 1
    with pytest.raises(ValidationError):
        services.mark_entered_in_error(
            clinic=clinic, administration=given, by=pedro, reason="again"
        )


def test_a_signed_entry_in_error_is_marked_through_a_signed_addendum(
    clinic: Clinic, record: SessionRecord, pedro: User, lot: Lot, biotin_lot: Lot
) -> None:
    given = nappage(clinic, record, pedro, lot)
    nappage(clinic, record, pedro, biotin_lot, area="neck", map_points=[])
    services.sign_record(clinic=clinic, record=record, by=pedro)
    services.mark_entered_in_error(
        clinic=clinic, administration=given, by=pedro, reason="Charted on the wrong patient."
    )
    (addendum,) = Addendum.objects.filter(record=record)
    assert addendum.entered_in_error_id == given.pk
    assert addendum.signed_by == pedro
    given.refresh_from_db()
    assert given.entered_in_error_at is not None
    lot.refresh_from_db()
    assert lot.quantity_on_hand == D("8.00")


def test_addenda_are_for_signed_records_and_practitioners(
    clinic: Clinic, record: SessionRecord, pedro: User, fiona: User, lot: Lot
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.add_addendum(clinic=clinic, record=record, by=pedro, text="Too early.")
    assert code_of(refused.value, "record") == "draft"
    nappage(clinic, record, pedro, lot)
    services.sign_record(clinic=clinic, record=record, by=pedro)
    with pytest.raises(ValidationError):
        services.add_addendum(clinic=clinic, record=record, by=fiona, text="Front desk note.")
    addendum = services.add_addendum(
        clinic=clinic, record=record, by=pedro, text="Patient called: mild redness, resolved."
    )
    assert addendum.record == record


# --- reading -------------------------------------------------------------------------


def test_reading_a_record_writes_an_access_event_and_front_desk_reads_no_content(
    clinic: Clinic, record: SessionRecord, pedro: User, fiona: User
) -> None:
    from django.core.exceptions import PermissionDenied

    from mesodesk.audit.models import AccessEvent
    from mesodesk.clinics.selectors import membership

    read = selectors.read_record(clinic, record.pk, member=membership(clinic, pedro))  # type: ignore[arg-type]
    assert read == record
    event = AccessEvent.objects.get(object_type="charting.sessionrecord")
    assert (event.user, event.patient_id) == (pedro, record.patient_id)
    with pytest.raises(PermissionDenied):
        selectors.read_record(clinic, record.pk, member=membership(clinic, fiona))  # type: ignore[arg-type]
    assert [r.status for r in selectors.records_of_patient(clinic, record.patient)] == ["draft"]


def test_another_clinics_record_is_not_found(other_clinic: Clinic, record: SessionRecord) -> None:
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.get_record(other_clinic, record.pk)
