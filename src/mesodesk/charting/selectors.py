"""Reads of session records; always within one clinic, content only for clinical roles.

Front desk learns that a record exists and its status (`record_summaries`,
`get_record`), never what was given: `read_record` refuses them, and every read of a
record's content leaves an access event.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from mesodesk.accounts.models import User
from mesodesk.audit.choices import AccessAction
from mesodesk.audit.selectors import client_ip
from mesodesk.audit.services import record_access
from mesodesk.charting.choices import RecordStatus
from mesodesk.charting.models import Addendum, Administration, InjectionPoint, SessionRecord
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic, Membership
from mesodesk.clinics.reading import Part, may_read
from mesodesk.inventory.models import Lot, Product
from mesodesk.inventory.selectors import usable_lots
from mesodesk.patients.models import Patient
from mesodesk.scheduling.models import Appointment


def may_read_content(member: Membership) -> bool:
    """Whether this member may read what a record holds (not only that it exists): the
    clinic's read policy (front desk sees that a record exists and its status only)."""
    return may_read(member, Part.RECORDS)


def may_chart(member: Membership) -> bool:
    """Whether this member writes and signs records (the services decide the same)."""
    return member.role == Role.PRACTITIONER


def _records(clinic: Clinic) -> QuerySet[SessionRecord]:
    return SessionRecord.objects.filter(clinic=clinic).select_related(
        "patient", "appointment", "practitioner", "signed_by"
    )


def records_of_patient(clinic: Clinic, patient: Patient) -> QuerySet[SessionRecord]:
    """The patient's records, newest session first (existence and status for any role)."""
    return _records(clinic).filter(patient=patient).order_by("-appointment__start", "-id")


def get_record(clinic: Clinic, record_id: int) -> SessionRecord:
    """The clinic's record with this id; Http404 for another clinic's or none. No content
    is read here: use `read_record` for that."""
    return get_object_or_404(_records(clinic), pk=record_id)


def record_of_appointment(clinic: Clinic, appointment: Appointment) -> SessionRecord | None:
    """The appointment's record, if it has one."""
    return _records(clinic).filter(appointment=appointment).first()


def last_record(clinic: Clinic, patient: Patient) -> SessionRecord | None:
    """The patient's most recent signed record."""
    return records_of_patient(clinic, patient).filter(status=RecordStatus.SIGNED).first()


def areas_of(record: SessionRecord) -> list[str]:
    """The areas a record treated (its administrations, not those entered in error)."""
    given = record.administrations.filter(entered_in_error_at__isnull=True).values_list(
        "area", flat=True
    )
    return list(dict.fromkeys([*record.areas, *given]))


def with_content(records: QuerySet[SessionRecord]) -> QuerySet[SessionRecord]:
    """Records with their administrations (product, lot, device), points and addenda."""
    administrations = Administration.objects.select_related(
        "product", "lot", "device", "created_by", "entered_in_error_by"
    ).prefetch_related(Prefetch("injection_points", queryset=InjectionPoint.objects.order_by("id")))
    return records.prefetch_related(
        Prefetch("administrations", queryset=administrations.order_by("created_at", "id")),
        Prefetch("addenda", queryset=Addendum.objects.select_related("signed_by")),
    )


def read_record(
    clinic: Clinic,
    record_id: int,
    *,
    member: Membership,
    request: HttpRequest | None = None,
) -> SessionRecord:
    """The record with everything it holds, for a practitioner or admin of the clinic,
    with an access event (who, when, from where); PermissionDenied for front desk;
    Http404 for another clinic's record."""
    record = get_object_or_404(with_content(_records(clinic)), pk=record_id)
    if not may_read_content(member):
        raise PermissionDenied("Front desk sees that a record exists, not what it holds.")
    user: User = member.user
    record_access(
        clinic=clinic,
        user=user,
        action=AccessAction.READ,
        obj=record,
        patient=record.patient,
        ip=client_ip(request) if request is not None else None,
        path=request.get_full_path() if request is not None else "",
    )
    return record


def lots_for_charting(clinic: Clinic, *, on: date) -> list[Lot]:
    """Every lot that may be charted on `on` (the clinic's date), by product name, soonest
    expiry first (inventory's `usable_lots` of each active product: one query each)."""
    lots: list[Lot] = []
    for product in Product.objects.filter(clinic=clinic, active=True).order_by("name", "id"):
        lots += usable_lots(clinic, product, on=on)
    return lots


def suggested_products(clinic: Clinic, record: SessionRecord) -> list[Product]:
    """The clinic's products holding an ingredient of the record's plan (its cocktail)."""
    if record.plan is None:
        return []
    wanted = set(record.plan.ingredients)
    return [
        p
        for p in Product.objects.filter(clinic=clinic, active=True)
        if wanted.intersection(p.ingredients)
    ]
