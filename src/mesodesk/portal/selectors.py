"""Reads of the patient portal; always of one clinic and, but for the feed, one patient."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from mesodesk.clinics import selectors as clinics
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic, Membership
from mesodesk.core.library import load_library
from mesodesk.patients.models import Patient
from mesodesk.planning.models import TreatmentPlan
from mesodesk.portal.choices import CopyStatus, DeletionStatus
from mesodesk.portal.models import CalendarFeed, DataCopy, DeletionRequest, IntakeDraft
from mesodesk.scheduling import rules
from mesodesk.scheduling.choices import AppointmentKind
from mesodesk.scheduling.errors import WashoutNotMet
from mesodesk.scheduling.safe_slots import safe_slots
from mesodesk.scheduling.selectors import Slot, find_slots

# How far ahead the portal looks for free times, and how many it offers.
SEARCH_DAYS = 42
# Free times are looked for up to this many, and shown by day: the first few days that
# have any, each with a handful of times (the half hours when a day has more); "later
# times" searches again from the day after the last one shown.
SLOTS_SEARCHED = 200
WEEK_DAYS = 7
DAYS_SHOWN = 3
TIMES_PER_DAY = 8


def intake_draft(clinic: Clinic, patient: Patient) -> IntakeDraft | None:
    """The patient's unfinished questionnaire, if any."""
    return IntakeDraft.objects.filter(clinic=clinic, patient=patient).first()


def calendar_feed(clinic: Clinic, patient: Patient) -> CalendarFeed | None:
    """The patient's private calendar address, if they made one."""
    return CalendarFeed.objects.filter(clinic=clinic, patient=patient).first()


def feed_by_token(clinic: Clinic, token: str) -> CalendarFeed | None:
    """The clinic's calendar feed with this secret, with its patient; None if unknown."""
    if not token or len(token) > 64:
        return None
    return CalendarFeed.objects.filter(clinic=clinic, token=token).select_related("patient").first()


def pending_deletion(clinic: Clinic, patient: Patient) -> DeletionRequest | None:
    """The patient's request to delete their account that waits for the clinic, if any."""
    return DeletionRequest.objects.filter(
        clinic=clinic, patient=patient, status=DeletionStatus.PENDING
    ).first()


def latest_decision(clinic: Clinic, patient: Patient) -> DeletionRequest | None:
    """The clinic's latest answer to the patient's deletion requests, if any."""
    return (
        DeletionRequest.objects.filter(clinic=clinic, patient=patient)
        .exclude(status=DeletionStatus.PENDING)
        .order_by("-decided_at", "-id")
        .first()
    )


# --- the patient's copy of their data ----------------------------------------------------


def latest_copy(clinic: Clinic, patient: Patient) -> DataCopy | None:
    """The patient's most recent copy of their data (whatever its state), if any."""
    return DataCopy.objects.filter(clinic=clinic, patient=patient).order_by("-id").first()


def ready_copy(clinic: Clinic, patient: Patient, copy_id: int) -> DataCopy:
    """The patient's own copy with this id, offered for download now; Http404 for anyone
    else's, and for one not (or no longer) offered."""
    copy = DataCopy.objects.filter(
        clinic=clinic,
        patient=patient,
        pk=copy_id,
        status=CopyStatus.READY,
        expires_at__gt=timezone.now(),
    ).first()
    if copy is None:
        raise Http404("No such copy.")
    return copy


# --- deletion requests, for the clinic's admins --------------------------------------------


def _admin(member: Membership, clinic: Clinic) -> None:
    if member.clinic_id != clinic.pk:
        raise Http404("No such clinic.")
    if member.role != Role.ADMIN:
        raise PermissionDenied("Only the clinic's admins handle deletion requests.")


def open_deletion_count(clinic: Clinic, member: Membership) -> int:
    """How many deletion requests wait for the clinic (0 for anyone but an admin, who is
    the one to handle them)."""
    if member.clinic_id != clinic.pk or member.role != Role.ADMIN:
        return 0
    return DeletionRequest.objects.filter(clinic=clinic, status=DeletionStatus.PENDING).count()


def deletion_requests(clinic: Clinic, member: Membership) -> QuerySet[DeletionRequest]:
    """The clinic's deletion requests, waiting ones first (oldest first), then the decided
    ones, newest first. Admins only (PermissionDenied otherwise)."""
    _admin(member, clinic)
    return DeletionRequest.objects.filter(clinic=clinic).select_related(
        "patient", "decided_by", "requested_by"
    )


def deletion_request(clinic: Clinic, member: Membership, request_id: int) -> DeletionRequest:
    """One of the clinic's deletion requests; Http404 for another clinic's or none."""
    found = deletion_requests(clinic, member).filter(pk=request_id).first()
    if found is None:
        raise Http404("No such request.")
    return found


def bookable_slots(
    clinic: Clinic,
    patient: Patient,
    kind: AppointmentKind,
    start_date: date,
    *,
    plan: TreatmentPlan | None,
) -> tuple[list[Slot], WashoutNotMet | None, dict[int, str]]:
    """A few free times for an appointment of `kind` from `start_date`, and the names of
    the clinic's practitioners (read with its rooms and hours, which every search reads).
    For a session, times too soon for the patient's preparation are skipped: the search
    starts again at the earliest safe start, which comes back with the WashoutNotMet that
    moved it. `plan` is the patient's active plan: the device a session needs and its
    washouts come from it."""
    library = load_library()
    device_type = (
        rules.needed_device_type(plan, library) if kind is AppointmentKind.SESSION else None
    )
    found_in = clinics.resources(clinic)

    def search(day: date, not_before: datetime | None) -> list[Slot]:
        # The week from `day` first (the slot search reads a week's bookings at a time, so
        # this is one read): enough for a few days of times. Only a full week looks on.
        for days, limit in ((WEEK_DAYS, SLOTS_SEARCHED), (SEARCH_DAYS, TIMES_PER_DAY)):
            found = find_slots(
                clinic=clinic,
                kind=kind,
                start_date=day,
                days=days,
                device_type=device_type,
                not_before=not_before,
                limit=limit,
                days_wanted=DAYS_SHOWN,
                resources=found_in,
            )
            if found:
                break
        return found

    found, moved = safe_slots(
        clinic=clinic, patient=patient, kind=kind, start_date=start_date, search=search, plan=plan
    )
    names = {user.pk: user.get_full_name() or "a practitioner" for user in found_in.practitioners}
    return found, moved, names


def search_start(clinic: Clinic, wanted: date | None) -> date:
    """The first day to search from: the day asked for, never before today, and never more
    than a year ahead."""
    first = clinics.clinic_today(clinic)
    if wanted is None or wanted < first:
        return first
    return min(wanted, first + timedelta(days=365))
