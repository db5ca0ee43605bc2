"""Session records: read, open, chart (numbing, administrations with their map points,
observations), sign, addenda, entered in error.

Every member reads that a record exists and its status; its `content` only practitioners
and admins (front desk gets null), and each such read writes an access event.
Practitioners write. A lot the stock refuses is 422 with its code (expired, recalled,
quarantined, beyond_use, not_enough) and `alternatives`; a figure outside the library's
range without a reason is 422 `reason_required` with the `warnings`.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from mesodesk.accounts.access import require_role
from mesodesk.api.common import caller, local, member, responses
from mesodesk.api.schemas_charting import (
    AddendumIn,
    AddendumOut,
    AdministrationIn,
    AdministrationOut,
    MapPointOut,
    NumbingIn,
    ObservationsIn,
    ReasonIn,
    RecordContent,
    RecordOpenIn,
    RecordOut,
    WarningOut,
)
from mesodesk.charting import selectors, services
from mesodesk.charting.models import Administration, SessionRecord
from mesodesk.clinics import selectors as clinics
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic, Membership
from mesodesk.inventory.models import Lot
from mesodesk.patients import selectors as patient_selectors
from mesodesk.scheduling import selectors as scheduling

router = Router(tags=["session records"])


def administration_out(a: Administration) -> AdministrationOut:
    return AdministrationOut(
        id=a.pk,
        area=a.area,
        product_id=a.product_id,
        product=a.product.name,
        lot_id=a.lot_id,
        lot_number=a.lot.number if a.lot else None,
        lot_expiry=a.lot.expiry if a.lot else None,
        volume_ml=a.volume_ml,
        technique=a.technique,
        depth_mm=a.depth_mm,
        needle_gauge=a.needle_gauge,
        needle_length_mm=a.needle_length_mm,
        device_id=a.device_id,
        device_settings=a.device_settings,
        points=a.points,
        warnings=[WarningOut(**w) for w in a.warnings],
        out_of_range_reason=a.out_of_range_reason,
        entered_in_error_at=a.entered_in_error_at,
        entered_in_error_reason=a.entered_in_error_reason,
        map_points=[
            MapPointOut(
                id=p.pk,
                diagram=p.diagram,
                zone=p.zone,
                x=p.x,
                y=p.y,
                depth_mm=p.depth_mm,
                volume_ml=p.volume_ml,
            )
            for p in a.injection_points.all()
        ],
    )


def _content(record: SessionRecord, clinic: Clinic) -> RecordContent:
    return RecordContent(
        areas=record.areas,
        prefilled_from=record.prefilled_from,
        numbing_product=record.numbing_product,
        numbing_on_at=local(record.numbing_on_at, clinic),
        numbing_off_at=local(record.numbing_off_at, clinic),
        numbing_warnings=[WarningOut(**w) for w in record.numbing_warnings],
        numbing_short_reason=record.numbing_short_reason,
        pain_score=record.pain_score,
        immediate_reactions=record.immediate_reactions,
        notes=record.notes,
        administrations=[administration_out(a) for a in record.administrations.all()],
        addenda=[
            AddendumOut(
                id=x.pk,
                text=x.text,
                entered_in_error_id=x.entered_in_error_id,
                signed_by_id=x.signed_by_id,
                signed_at=local(x.signed_at, clinic),  # type: ignore[arg-type]
            )
            for x in record.addenda.all()
        ],
    )


def record_out(request: HttpRequest, membership: Membership, record_id: int) -> RecordOut:
    """The record as the caller may see it (content read through the selector that logs)."""
    clinic = membership.clinic
    if selectors.may_read_content(membership):
        record = selectors.read_record(clinic, record_id, member=membership, request=request)
        content: RecordContent | None = _content(record, clinic)
    else:
        record, content = selectors.get_record(clinic, record_id), None
    return RecordOut(
        id=record.pk,
        patient_id=record.patient_id,
        appointment_id=record.appointment_id,
        session_start=local(record.appointment.start, clinic),  # type: ignore[arg-type]
        practitioner_id=record.practitioner_id,
        status=record.status,
        signed_at=local(record.signed_at, clinic),
        signed_by_id=record.signed_by_id,
        protocol_version=record.protocol_version.version,
        content=content,
    )


def _writer(request: HttpRequest, clinic: str, record_id: int) -> tuple[Membership, SessionRecord]:
    membership = member(request, clinic)
    # The object first: another clinic's id is a 404 whatever the caller's role.
    record = selectors.get_record(membership.clinic, record_id)
    require_role(membership, Role.PRACTITIONER)
    return membership, record


@router.get(
    "/clinics/{clinic}/patients/{patient_id}/records",
    response=responses(list[RecordOut]),
    summary="A patient's session records (content for practitioners and admins)",
)
def list_records(request: HttpRequest, clinic: str, patient_id: int) -> list[RecordOut]:
    membership = member(request, clinic)
    patient = patient_selectors.get_patient(membership.clinic, patient_id)
    ids = selectors.records_of_patient(membership.clinic, patient).values_list("pk", flat=True)
    return [record_out(request, membership, pk) for pk in ids]


@router.get(
    "/clinics/{clinic}/records/{record_id}",
    response=responses(RecordOut),
    summary="Read a session record (content null for front desk)",
)
def read_record(request: HttpRequest, clinic: str, record_id: int) -> RecordOut:
    return record_out(request, member(request, clinic), record_id)


@router.post(
    "/clinics/{clinic}/appointments/{appointment_id}/record",
    response=responses(RecordOut, 400, status=201),
    summary="Open the record of a session in treatment or completed",
)
def open_record(
    request: HttpRequest, clinic: str, appointment_id: int, body: RecordOpenIn
) -> Status[RecordOut]:
    membership = member(request, clinic)
    appointment = scheduling.get_appointment(membership.clinic, appointment_id)
    require_role(membership, Role.PRACTITIONER)
    record = services.open_record(
        clinic=membership.clinic,
        appointment=appointment,
        by=caller(request),
        start_from=body.start_from,
    )
    return Status(201, record_out(request, membership, record.pk))


@router.post(
    "/clinics/{clinic}/records/{record_id}/numbing",
    response=responses(RecordOut, 400),
    summary="The numbing cream (a shorter time than the library's needs a reason)",
)
def numbing(request: HttpRequest, clinic: str, record_id: int, body: NumbingIn) -> RecordOut:
    membership, record = _writer(request, clinic, record_id)
    services.record_numbing(
        clinic=membership.clinic,
        record=record,
        by=caller(request),
        **body.dict(),
    )
    return record_out(request, membership, record.pk)


@router.post(
    "/clinics/{clinic}/records/{record_id}/administrations",
    response=responses(AdministrationOut, 400, status=201),
    summary="A product given in an area, from a lot, with its points on the map",
)
def add_administration(
    request: HttpRequest, clinic: str, record_id: int, body: AdministrationIn
) -> Status[AdministrationOut]:
    membership, record = _writer(request, clinic, record_id)
    clinic_obj = membership.clinic
    lot = Lot.objects.filter(clinic=clinic_obj, pk=body.lot_id).select_related("product").first()
    if lot is None:
        raise Lot.DoesNotExist("lot not found")
    device = None
    if body.device_id is not None:
        device = (
            clinics.devices(clinic_obj, include_inactive=True).filter(pk=body.device_id).first()
        )
        if device is None:
            raise Lot.DoesNotExist("device not found")
    data = body.dict(exclude={"lot_id", "device_id", "map_points"})
    given = services.add_administration(
        clinic=clinic_obj,
        record=record,
        by=caller(request),
        lot=lot,
        device=device,
        map_points=[services.MapPoint(**p.dict()) for p in body.map_points],
        **data,
    )
    return Status(201, administration_out(given))


@router.post(
    "/clinics/{clinic}/records/{record_id}/observations",
    response=responses(RecordOut, 400),
    summary="Pain score 0-10, immediate reactions and notes",
)
def observations(
    request: HttpRequest, clinic: str, record_id: int, body: ObservationsIn
) -> RecordOut:
    membership, record = _writer(request, clinic, record_id)
    services.record_observations(
        clinic=membership.clinic,
        record=record,
        by=caller(request),
        **body.dict(),
    )
    return record_out(request, membership, record.pk)


@router.post(
    "/clinics/{clinic}/records/{record_id}/sign",
    response=responses(RecordOut),
    summary="Sign the record; it is locked from then on",
)
def sign(request: HttpRequest, clinic: str, record_id: int) -> RecordOut:
    membership, record = _writer(request, clinic, record_id)
    services.sign_record(clinic=membership.clinic, record=record, by=caller(request))
    return record_out(request, membership, record.pk)


@router.post(
    "/clinics/{clinic}/records/{record_id}/addenda",
    response=responses(AddendumOut, 400, status=201),
    summary="A signed addendum to a signed record",
)
def addendum(
    request: HttpRequest, clinic: str, record_id: int, body: AddendumIn
) -> Status[AddendumOut]:
    membership, record = _writer(request, clinic, record_id)
    made = services.add_addendum(
        clinic=membership.clinic,
        record=record,
        by=caller(request),
        text=body.text,
    )
    return Status(
        201,
        AddendumOut(
            id=made.pk,
            text=made.text,
            entered_in_error_id=made.entered_in_error_id,
            signed_by_id=made.signed_by_id,
            signed_at=local(made.signed_at, membership.clinic),  # type: ignore[arg-type]
        ),
    )


@router.post(
    "/clinics/{clinic}/records/{record_id}/administrations/{administration_id}/entered-in-error",
    response=responses(AdministrationOut, 400),
    summary="Mark an administration entered in error (kept, never deleted)",
)
def entered_in_error(
    request: HttpRequest, clinic: str, record_id: int, administration_id: int, body: ReasonIn
) -> AdministrationOut:
    membership, record = _writer(request, clinic, record_id)
    given = record.administrations.filter(pk=administration_id).first()
    if given is None:
        raise Administration.DoesNotExist("administration not found")
    services.mark_entered_in_error(
        clinic=membership.clinic,
        administration=given,
        by=caller(request),
        reason=body.reason,
    )
    fresh = (
        selectors.with_content(SessionRecord.objects.filter(pk=record.pk))
        .get()
        .administrations.all()
    )
    return administration_out(next(a for a in fresh if a.pk == given.pk))
