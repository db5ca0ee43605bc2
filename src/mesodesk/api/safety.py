"""Adverse events, patients' side-effect reports and signals.

Practitioners and admins only: front desk gets 403 (in the web it learns only that an
event exists). Another clinic's objects are 404. An event is never changed: a change is a
follow-up. Every read of an event or a report writes an access event.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from mesodesk.api.common import local, member, responses
from mesodesk.api.schemas_safety import (
    CloseIn,
    CurrentOut,
    EventIn,
    EventOut,
    FollowUpIn,
    FollowUpOut,
    ReportOut,
    SignalOut,
    SuspectOut,
)
from mesodesk.audit.choices import AccessAction
from mesodesk.audit.selectors import client_ip
from mesodesk.audit.services import record_access
from mesodesk.charting.models import Administration, SessionRecord
from mesodesk.clinics import selectors as clinics
from mesodesk.clinics.models import Clinic, Membership
from mesodesk.core.library import load_library
from mesodesk.inventory.models import Lot
from mesodesk.patients import selectors as patient_selectors
from mesodesk.patients.models import Patient
from mesodesk.safety import selectors, services
from mesodesk.safety.models import AdverseEvent, FollowUp, SideEffectReport

router = Router(tags=["safety"])


def _clinical(request: HttpRequest, clinic: str) -> Membership:
    membership = member(request, clinic)
    selectors.require_clinical(membership)
    return membership


def _logged(
    request: HttpRequest, membership: Membership, obj: AdverseEvent | SideEffectReport
) -> None:
    record_access(
        clinic=membership.clinic,
        user=membership.user,
        action=AccessAction.READ,
        obj=obj,
        patient=obj.patient,
        ip=client_ip(request),
        path=request.path,
    )


def _follow_up_out(f: FollowUp, clinic: Clinic) -> FollowUpOut:
    return FollowUpOut(
        id=f.pk,
        note=f.note,
        grade=f.grade,
        serious=f.serious,
        outcome=f.outcome,
        actions_taken=f.actions_taken,
        follow_up_on=f.follow_up_on,
        by_id=f.by_id,
        at=local(f.at, clinic),  # type: ignore[arg-type]
    )


def event_out(event: AdverseEvent, clinic: Clinic) -> EventOut:
    now = selectors.current(event)
    return EventOut(
        id=event.pk,
        patient_id=event.patient_id,
        report_id=event.report_id,
        category=event.category,
        event=event.event,
        label=selectors.event_label(event, load_library()),
        description=event.description,
        onset=event.onset,
        grade=event.grade,
        serious=event.serious,
        appointment_id=event.appointment_id,
        session_record_id=event.session_record_id,
        technique=event.technique,
        device_id=event.device_id,
        practitioner_id=event.practitioner_id,
        actions_taken=event.actions_taken,
        outcome=event.outcome,
        follow_up_on=event.follow_up_on,
        protocol_version=event.protocol_version,
        recorded_by_id=event.recorded_by_id,
        recorded_at=local(event.recorded_at, clinic),  # type: ignore[arg-type]
        suspects=[
            SuspectOut(
                administration_id=s.administration_id,
                lot_id=s.lot_id,
                lot_number=s.lot.number if s.lot else None,
                product_id=s.product_id,
                product=s.product.name,
            )
            for s in event.suspects.all()
        ],
        follow_ups=[_follow_up_out(f, clinic) for f in event.follow_ups.all()],
        current=CurrentOut(
            grade=now.grade,
            serious=now.serious,
            outcome=now.outcome,
            actions_taken=now.actions_taken,
            follow_up_on=now.follow_up_on,
        ),
    )


def report_out(report: SideEffectReport, clinic: Clinic) -> ReportOut:
    event = getattr(report, "adverse_event", None)
    return ReportOut(
        id=report.pk,
        patient_id=report.patient_id,
        appointment_id=report.appointment_id,
        symptoms=report.symptoms,
        red_flags=report.red_flags,
        other=report.other,
        area=report.area,
        since=report.since,
        how_bad=report.how_bad,
        details=report.details,
        urgent=report.urgent,
        created_at=local(report.created_at, clinic),  # type: ignore[arg-type]
        closed_at=local(report.closed_at, clinic),
        call=report.call,
        closing_note=report.closing_note,
        adverse_event_id=event.pk if event else None,
    )


def _read_event(request: HttpRequest, membership: Membership, event_id: int) -> EventOut:
    event = selectors.get_event(membership.clinic, event_id, member=membership)
    _logged(request, membership, event)
    return event_out(event, membership.clinic)


def _record(
    request: HttpRequest,
    membership: Membership,
    patient: Patient,
    body: EventIn,
    report: SideEffectReport | None = None,
) -> AdverseEvent:
    clinic = membership.clinic
    missing = AdverseEvent.DoesNotExist
    record = None
    if body.session_record_id is not None:
        record = SessionRecord.objects.filter(clinic=clinic, pk=body.session_record_id).first()
        if record is None:
            raise missing("session record not found")
    given = list(Administration.objects.filter(clinic=clinic, pk__in=body.administration_ids))
    if len(given) != len(set(body.administration_ids)):
        raise missing("administration not found")
    lots = list(Lot.objects.filter(clinic=clinic, pk__in=body.lot_ids))
    if len(lots) != len(set(body.lot_ids)):
        raise missing("lot not found")
    device = None
    if body.device_id is not None:
        device = clinics.devices(clinic, include_inactive=True).filter(pk=body.device_id).first()
        if device is None:
            raise missing("device not found")
    practitioner = None
    if body.practitioner_id is not None:
        staff = clinics.memberships_of_clinic(clinic=clinic).filter(user_id=body.practitioner_id)
        found = staff.first()
        if found is None:
            raise missing("practitioner not found")
        practitioner = found.user
    return services.record_adverse_event(
        clinic=clinic,
        patient=patient,
        by=request.user,  # type: ignore[arg-type]
        event=body.event,
        onset=body.onset,
        grade=body.grade,
        serious=body.serious,
        description=body.description,
        session_record=record,
        administrations=given,
        lots=lots,
        technique=body.technique or "",
        device=device,
        practitioner=practitioner,
        actions_taken=body.actions_taken,
        outcome=body.outcome,
        follow_up_on=body.follow_up_on,
        report=report,
    )


@router.get(
    "/clinics/{clinic}/patients/{patient_id}/adverse-events",
    response=responses(list[EventOut]),
    summary="A patient's adverse events with their follow-ups (practitioners and admins)",
)
def list_events(request: HttpRequest, clinic: str, patient_id: int) -> list[EventOut]:
    membership = member(request, clinic)
    patient = patient_selectors.get_patient(membership.clinic, patient_id)
    events = selectors.events_of_patient(membership.clinic, patient, member=membership)
    for event in events:
        _logged(request, membership, event)
    return [event_out(e, membership.clinic) for e in events]


@router.post(
    "/clinics/{clinic}/patients/{patient_id}/adverse-events",
    response=responses(EventOut, 400, status=201),
    summary="Record an adverse event (event code of the library, CTCAE grade, suspects)",
)
def create_event(
    request: HttpRequest, clinic: str, patient_id: int, body: EventIn
) -> Status[EventOut]:
    membership = member(request, clinic)
    patient = patient_selectors.get_patient(membership.clinic, patient_id)
    selectors.require_clinical(membership)
    event = _record(request, membership, patient, body)
    return Status(201, _read_event(request, membership, event.pk))


@router.get(
    "/clinics/{clinic}/adverse-events/{event_id}",
    response=responses(EventOut),
    summary="Read an adverse event: as recorded, its follow-ups and its state now",
)
def read_event(request: HttpRequest, clinic: str, event_id: int) -> EventOut:
    return _read_event(request, member(request, clinic), event_id)


@router.post(
    "/clinics/{clinic}/adverse-events/{event_id}/follow-ups",
    response=responses(FollowUpOut, 400, status=201),
    summary="A follow-up entry (the event itself is never edited)",
)
def add_follow_up(
    request: HttpRequest, clinic: str, event_id: int, body: FollowUpIn
) -> Status[FollowUpOut]:
    membership = member(request, clinic)
    event = selectors.get_event(membership.clinic, event_id, member=membership)
    entry = services.add_follow_up(
        clinic=membership.clinic,
        event=event,
        by=request.user,  # type: ignore[arg-type]
        note=body.note,
        grade=body.grade,
        serious=body.serious,
        outcome=body.outcome or "",
        actions_taken=body.actions_taken,
        follow_up_on=body.follow_up_on,
    )
    return Status(201, _follow_up_out(entry, membership.clinic))


@router.get(
    "/clinics/{clinic}/side-effect-reports",
    response=responses(list[ReportOut]),
    summary="Patients' side-effect reports not yet triaged or closed, newest first",
)
def list_open_reports(request: HttpRequest, clinic: str) -> list[ReportOut]:
    membership = _clinical(request, clinic)
    reports = list(selectors.open_reports(membership.clinic)[:200])
    for report in reports:
        _logged(request, membership, report)
    return [report_out(r, membership.clinic) for r in reports]


@router.post(
    "/clinics/{clinic}/side-effect-reports/{report_id}/triage",
    response=responses(EventOut, 400, status=201),
    summary="Triage a patient's report into an adverse event (the report is closed)",
)
def triage_report(
    request: HttpRequest, clinic: str, report_id: int, body: EventIn
) -> Status[EventOut]:
    membership = member(request, clinic)
    report = selectors.get_report(membership.clinic, report_id)
    selectors.require_clinical(membership)
    event = _record(request, membership, report.patient, body, report=report)
    return Status(201, _read_event(request, membership, event.pk))


@router.post(
    "/clinics/{clinic}/side-effect-reports/{report_id}/close",
    response=responses(ReportOut, 400),
    summary="Close a patient's report with the call made and a note (no adverse event)",
)
def close_report(request: HttpRequest, clinic: str, report_id: int, body: CloseIn) -> ReportOut:
    membership = member(request, clinic)
    report = selectors.get_report(membership.clinic, report_id)
    selectors.require_clinical(membership)
    closed = services.close_report(
        clinic=membership.clinic,
        report=report,
        by=request.user,  # type: ignore[arg-type]
        call=body.call,
        note=body.note,
    )
    return report_out(closed, membership.clinic)


@router.get(
    "/clinics/{clinic}/safety/signals",
    response=responses(list[SignalOut]),
    summary="Events per administration of each lot, product, technique and practitioner "
    "against the rest of the clinic, flagged first",
)
def signals(request: HttpRequest, clinic: str) -> list[SignalOut]:
    membership = member(request, clinic)
    found = selectors.clinic_signals(membership.clinic, member=membership)
    return [
        SignalOut(
            kind=s.kind,
            key=s.key,
            label=s.label,
            events=s.events,
            administrations=s.administrations,
            rest_events=s.rest_events,
            rest_administrations=s.rest_administrations,
            p_value=s.p_value,
            flagged=s.flagged,
        )
        for s in found
    ]
