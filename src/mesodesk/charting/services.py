"""Every change to a session record goes through these functions.

Practitioners of the clinic chart and sign; nobody else writes a record. A draft is
written in steps (numbing, administrations with their points, observations) and signed
once; after that the record takes only signed addenda, and an administration recorded by
mistake is marked entered in error through one (the database refuses anything else:
migration 0004). Each administration takes its volume from a lot through
`inventory.services.use_in_session`, whose gates (expired, recalled, quarantined, an
opened vial past its beyond-use time, not enough) refuse with the lots that may be used
instead. A depth or volume per point outside the library's range is a warning that needs
a written reason: without one the entry is refused (`NeedsReason`), never kept silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.charting import selectors
from mesodesk.charting.choices import ImmediateReaction, Prefill, RecordStatus
from mesodesk.charting.diagrams import drawings
from mesodesk.charting.errors import NeedsReason
from mesodesk.charting.models import Addendum, Administration, InjectionPoint, SessionRecord
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic, Device
from mesodesk.clinics.selectors import membership
from mesodesk.consents.gate import treatment_consent_missing
from mesodesk.core.charting import PointFigures, check_administration, check_numbing
from mesodesk.core.inputs import InputError
from mesodesk.core.library import load_library
from mesodesk.inventory.models import Lot
from mesodesk.inventory.services import return_to_stock, use_in_session
from mesodesk.planning.selectors import active_plan
from mesodesk.protocols.selectors import protocol_version_of
from mesodesk.protocols.services import load_protocol_library
from mesodesk.refusals import refusal as _refusal
from mesodesk.scheduling.choices import AppointmentKind, AppointmentStatus
from mesodesk.scheduling.models import Appointment


def _input_refusal(error: InputError) -> ValidationError:
    return _refusal(error.field, error.message[:1].upper() + error.message[1:] + ".", "invalid")


def _practitioner(clinic: Clinic, by: User) -> None:
    member = membership(clinic, by)
    if member is None or member.role != Role.PRACTITIONER:
        raise _refusal(
            "by", "Only a practitioner of this clinic charts and signs.", "permission_denied"
        )


def _locked_draft(clinic: Clinic, record: SessionRecord) -> SessionRecord:
    locked = (
        SessionRecord.objects.select_for_update(of=("self",))
        .select_related("patient", "appointment")
        .filter(clinic=clinic, pk=record.pk)
        .first()
    )
    if locked is None:
        raise SessionRecord.DoesNotExist("record not found")
    if locked.status != RecordStatus.DRAFT:
        raise _refusal(
            "record", "The record is signed: correct it with a signed addendum.", "signed"
        )
    return locked


def _save(record: SessionRecord, by: User, fields: list[str]) -> None:
    record._history_user = by  # type: ignore[attr-defined] # read by simple-history
    record.save(update_fields=fields)


@transaction.atomic
def open_record(
    *, clinic: Clinic, appointment: Appointment, by: User, start_from: str | None = None
) -> SessionRecord:
    """The record of a session appointment that is in treatment or completed, one per
    appointment. Its areas come from the plan (`start_from="plan"`, the default when there
    is one) or from the patient's last record (`"last_record"`)."""
    _practitioner(clinic, by)
    locked = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("patient", "planned_session__plan")
        .filter(clinic=clinic, pk=appointment.pk)
        .first()
    )
    if locked is None:
        raise Appointment.DoesNotExist("appointment not found")
    if locked.kind != AppointmentKind.SESSION:
        raise _refusal("appointment", "Only a session is charted.", "not_a_session")
    in_treatment = locked.status == AppointmentStatus.BOOKED and locked.started_at is not None
    if not (in_treatment or locked.status == AppointmentStatus.COMPLETED):
        raise _refusal(
            "appointment",
            "Start the session first: a record is opened once the patient is in treatment.",
            "not_started",
        )
    if SessionRecord.objects.filter(appointment=locked).exists():
        raise _refusal("appointment", "This session has its record already.", "exists")
    plan = locked.planned_session.plan if locked.planned_session is not None else None
    plan = plan or active_plan(clinic, locked.patient)
    missing = treatment_consent_missing(patient=locked.patient, plan=plan)
    if missing is not None:
        raise _refusal(
            "appointment", f"The session cannot be charted: {missing}", "consent_missing"
        )
    last = selectors.last_record(clinic, locked.patient)
    if start_from is None:
        start_from = Prefill.PLAN if plan is not None else Prefill.LAST_RECORD
    areas: list[str] = []
    prefill = Prefill.NOTHING
    if start_from == Prefill.PLAN and plan is not None:
        areas, prefill = list(plan.areas), Prefill.PLAN
    elif start_from == Prefill.LAST_RECORD and last is not None:
        areas, prefill = selectors.areas_of(last), Prefill.LAST_RECORD
    elif start_from not in Prefill.values:
        raise _refusal("start_from", "Start from the plan or the last record.", "invalid")
    library = load_library()
    # The stored version when there is one: storing builds the whole library's data.
    version = protocol_version_of(library) or load_protocol_library(library=library)
    record = SessionRecord(
        clinic=clinic,
        patient=locked.patient,
        appointment=locked,
        plan=plan,
        practitioner=locked.practitioner,
        protocol_version=version,
        areas=areas,
        prefilled_from=prefill,
        created_by=by,
        created_at=timezone.now(),
    )
    record._history_user = by  # type: ignore[attr-defined] # read by simple-history
    record.save()
    return record


@transaction.atomic
def record_numbing(
    *,
    clinic: Clinic,
    record: SessionRecord,
    by: User,
    product: str,
    on_at: datetime | None,
    off_at: datetime | None,
    reason: str = "",
) -> SessionRecord:
    """The numbing cream: what, when on, when off. Off sooner than the library's time is a
    warning that needs a reason (`NeedsReason` without one)."""
    _practitioner(clinic, by)
    locked = _locked_draft(clinic, record)
    for field, value in (("numbing_on_at", on_at), ("numbing_off_at", off_at)):
        if value is not None and timezone.is_naive(value):
            raise _refusal(field, "Give a time with its time zone.", "naive")
    if off_at is not None and on_at is None:
        raise _refusal("numbing_on_at", "Say when the cream went on.", "required")
    try:
        warnings = check_numbing(load_library(), on=on_at, off=off_at)
    except InputError as error:
        raise _input_refusal(error) from None
    if warnings and not reason.strip():
        raise NeedsReason(warnings)
    locked.numbing_product = product.strip()
    locked.numbing_on_at = on_at
    locked.numbing_off_at = off_at
    locked.numbing_warnings = [w.as_dict() for w in warnings]
    locked.numbing_short_reason = reason.strip() if warnings else ""
    _save(
        locked,
        by,
        [
            "numbing_product",
            "numbing_on_at",
            "numbing_off_at",
            "numbing_warnings",
            "numbing_short_reason",
        ],
    )
    return locked


@transaction.atomic
def set_areas(
    *, clinic: Clinic, record: SessionRecord, by: User, areas: list[str]
) -> SessionRecord:
    """The areas the session treats (library area codes), in the order given."""
    _practitioner(clinic, by)
    locked = _locked_draft(clinic, record)
    known = load_library().areas
    unknown = [a for a in areas if a not in known]
    if unknown:
        raise _refusal("areas", f"Unknown area codes: {', '.join(unknown)}.", "unknown_area")
    locked.areas = list(dict.fromkeys(areas))
    _save(locked, by, ["areas"])
    return locked


@dataclass(frozen=True, slots=True)
class MapPoint:
    """A point placed on the injection map: diagram, zone, x and y as fractions of the
    drawing, and its own depth and volume when they differ from the administration's."""

    diagram: str
    zone: str
    x: float
    y: float
    depth_mm: Decimal | None = None
    volume_ml: Decimal | None = None


def _decimal(value: Decimal | float | str | None, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        raise _refusal(field, "Give a number.", "invalid") from None
    if not number.is_finite():
        raise _refusal(field, "Give a number.", "invalid")
    return number


def _check_points(points: Sequence[MapPoint]) -> None:
    maps = drawings()
    for n, point in enumerate(points, start=1):
        drawing = maps.get(point.diagram)
        if drawing is None:
            raise _refusal("points", f"Point {n}: unknown diagram {point.diagram!r}.", "invalid")
        if drawing.zone(point.zone) is None:
            raise _refusal(
                "points", f"Point {n}: {point.zone!r} is no zone of that diagram.", "invalid"
            )
        if not (0 <= point.x <= 1 and 0 <= point.y <= 1):
            raise _refusal("points", f"Point {n} lies outside the diagram.", "invalid")


@transaction.atomic
def add_administration(
    *,
    clinic: Clinic,
    record: SessionRecord,
    by: User,
    area: str,
    lot: Lot,
    volume_ml: Decimal,
    technique: str,
    depth_mm: Decimal | None = None,
    needle_gauge: int | None = None,
    needle_length_mm: Decimal | None = None,
    device: Device | None = None,
    device_settings: str = "",
    points: int | None = None,
    map_points: Sequence[MapPoint] = (),
    reason: str = "",
    at: datetime | None = None,
) -> Administration:
    """One product given in one area, from `lot`, with its injection points.

    Refused (ValidationError keyed by field) for a signed record or a bad entry;
    `NeedsReason` when the library's checks warn and no reason is given; `LotRefused`
    (from the stock) with the lots that may be used instead."""
    _practitioner(clinic, by)
    locked = _locked_draft(clinic, record)
    library = load_library()
    if area not in library.areas:
        raise _refusal("area", f"Unknown area {area!r}.", "unknown_area")
    if lot.clinic_id != clinic.pk:
        raise Lot.DoesNotExist("lot not found")
    volume = _decimal(volume_ml, "volume_ml")
    if volume is None:
        raise _refusal("volume_ml", "Give the volume given in mL.", "required")
    depth = _decimal(depth_mm, "depth_mm")
    length = _decimal(needle_length_mm, "needle_length_mm")
    if device is not None and device.clinic_id != clinic.pk:
        raise Device.DoesNotExist("device not found")
    found = library.injection_techniques.get(technique)
    needs = found.device_type if found is not None else None
    if needs is not None and (device is None or device.device_type != needs):
        raise _refusal(
            "device",
            f"{found.label} is given with a device of type "  # type: ignore[union-attr]
            f"{library.device_types[needs].label.lower()}: choose it.",
            "device_required",
        )
    if needle_gauge is not None and not 18 <= needle_gauge <= 34:
        raise _refusal("needle_gauge", "Give the gauge between 18G and 34G.", "invalid")
    _check_points(map_points)
    figures = [
        PointFigures(
            depth_mm=_decimal(p.depth_mm, "points"), volume_ml=_decimal(p.volume_ml, "points")
        )
        for p in map_points
    ]
    try:
        warnings = check_administration(
            library,
            technique=technique,
            depth_mm=depth,
            volume_ml=volume,
            points=points,
            point_figures=figures,
        )
    except InputError as error:
        raise _input_refusal(error) from None
    if warnings and not reason.strip():
        raise NeedsReason(warnings)
    at = at or timezone.now()
    use = use_in_session(clinic=clinic, lot=lot, quantity=volume, by=by, at=at)
    administration = Administration(
        clinic=clinic,
        record=locked,
        area=area,
        product=lot.product,
        lot=lot,
        opened_vial=use.vial,
        stock_move=use.move,
        volume_ml=volume,
        technique=technique,
        depth_mm=depth,
        needle_gauge=needle_gauge,
        needle_length_mm=length,
        device=device,
        device_settings=device_settings.strip(),
        points=points if points is not None else (len(map_points) or None),
        warnings=[w.as_dict() for w in warnings],
        out_of_range_reason=reason.strip() if warnings else "",
        created_by=by,
        created_at=at,
    )
    administration._history_user = by  # type: ignore[attr-defined] # read by simple-history
    administration.save()
    InjectionPoint.objects.bulk_create(
        InjectionPoint(
            clinic=clinic,
            administration=administration,
            diagram=p.diagram,
            zone=p.zone,
            x=p.x,
            y=p.y,
            depth_mm=f.depth_mm if f.depth_mm is not None else depth,
            volume_ml=f.volume_ml,
        )
        for p, f in zip(map_points, figures, strict=True)
    )
    if area not in locked.areas:
        locked.areas = [*locked.areas, area]
        _save(locked, by, ["areas"])
    return administration


@transaction.atomic
def record_observations(
    *,
    clinic: Clinic,
    record: SessionRecord,
    by: User,
    pain_score: int | None,
    immediate_reactions: Sequence[str],
    notes: str,
) -> SessionRecord:
    """Pain 0-10, what was seen during or right after the session, and notes."""
    _practitioner(clinic, by)
    locked = _locked_draft(clinic, record)
    if pain_score is not None and not 0 <= pain_score <= 10:
        raise _refusal("pain_score", "Give the pain score from 0 to 10.", "invalid")
    reactions = list(dict.fromkeys(immediate_reactions))
    unknown = [r for r in reactions if r not in ImmediateReaction.values]
    if unknown:
        raise _refusal("immediate_reactions", f"Unknown: {', '.join(unknown)}.", "invalid")
    if ImmediateReaction.NONE in reactions and len(reactions) > 1:
        raise _refusal(
            "immediate_reactions", "“None” goes with no other reaction.", "contradictory"
        )
    locked.pain_score = pain_score
    locked.immediate_reactions = reactions
    locked.notes = notes.strip()
    _save(locked, by, ["pain_score", "immediate_reactions", "notes"])
    return locked


@transaction.atomic
def sign_record(*, clinic: Clinic, record: SessionRecord, by: User) -> SessionRecord:
    """Signs the draft; from now on the record is locked (services and database)."""
    _practitioner(clinic, by)
    locked = _locked_draft(clinic, record)
    if not locked.administrations.filter(entered_in_error_at__isnull=True).exists():
        raise _refusal(
            "record", "Chart at least one administration before signing.", "nothing_charted"
        )
    locked.status = RecordStatus.SIGNED
    locked.signed_by = by
    locked.signed_at = timezone.now()
    _save(locked, by, ["status", "signed_by", "signed_at"])
    return locked


def _signed(clinic: Clinic, record: SessionRecord) -> SessionRecord:
    locked = SessionRecord.objects.select_for_update().filter(clinic=clinic, pk=record.pk).first()
    if locked is None:
        raise SessionRecord.DoesNotExist("record not found")
    if locked.status != RecordStatus.SIGNED:
        raise _refusal("record", "A draft is corrected directly, not by addendum.", "draft")
    return locked


@transaction.atomic
def add_addendum(*, clinic: Clinic, record: SessionRecord, by: User, text: str) -> Addendum:
    """A signed correction or addition to a signed record."""
    _practitioner(clinic, by)
    locked = _signed(clinic, record)
    if not text.strip():
        raise _refusal("text", "Write the addendum.", "required")
    return Addendum.objects.create(
        clinic=clinic, record=locked, text=text.strip(), signed_by=by, signed_at=timezone.now()
    )


@transaction.atomic
def mark_entered_in_error(
    *, clinic: Clinic, administration: Administration, by: User, reason: str
) -> Administration:
    """An administration recorded by mistake, kept and marked with a reason. In a draft
    its volume goes back to its lot; in a signed record the marking is a signed addendum
    (the stock, then, is corrected on the stock pages: what was drawn may be gone)."""
    _practitioner(clinic, by)
    found = (
        Administration.objects.select_related("record", "lot")
        .filter(clinic=clinic, pk=administration.pk)
        .first()
    )
    if found is None:
        raise Administration.DoesNotExist("administration not found")
    if not reason.strip():
        raise _refusal("reason", "Say why this entry is in error.", "required")
    record = SessionRecord.objects.select_for_update().get(pk=found.record_id)
    locked = Administration.objects.select_for_update().get(pk=found.pk)
    if locked.entered_in_error_at is not None:
        raise _refusal("administration", "It is marked entered in error already.", "in_error")
    now = timezone.now()
    if record.status == RecordStatus.SIGNED:
        Addendum.objects.create(
            clinic=clinic,
            record=record,
            text=f"Entered in error: {locked.volume_ml} mL of {found.product} "
            f"({found.lot.number if found.lot else 'no lot'}) in {locked.area}. {reason.strip()}",
            entered_in_error=locked,
            signed_by=by,
            signed_at=now,
        )
    elif found.lot is not None:
        return_to_stock(
            clinic=clinic,
            lot=found.lot,
            quantity=locked.volume_ml,
            by=by,
            reason=f"Administration entered in error: {reason.strip()}",
        )
    locked.entered_in_error_at = now
    locked.entered_in_error_by = by
    locked.entered_in_error_reason = reason.strip()
    locked._history_user = by  # type: ignore[attr-defined] # read by simple-history
    locked.save(
        update_fields=["entered_in_error_at", "entered_in_error_by", "entered_in_error_reason"]
    )
    return locked
