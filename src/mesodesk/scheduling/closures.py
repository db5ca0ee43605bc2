"""Closing a whole day over booked appointments (issue 13): a closure never silently leaves
bookings in place. The desk sees the day's bookings, confirms, and each is cancelled with a
notice to the patient and listed on Today to be booked again."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.clinics import selectors as clinics
from mesodesk.clinics import services as clinic_services
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic, ClinicClosure
from mesodesk.messaging.choices import ReminderKind
from mesodesk.messaging.services import refresh_reminders
from mesodesk.scheduling import rules
from mesodesk.scheduling.choices import AppointmentStatus
from mesodesk.scheduling.models import Appointment
from mesodesk.scheduling.selectors import local_day_range


def booked_on(clinic: Clinic, day: date) -> QuerySet[Appointment]:
    """The appointments still booked on the clinic's local `day`, in time order, with
    patient and practitioner."""
    start, end = local_day_range(clinic, day)
    return (
        Appointment.objects.filter(
            clinic=clinic, status=AppointmentStatus.BOOKED, start__lt=end, end__gt=start
        )
        .select_related("patient", "practitioner")
        .order_by("start", "id")
    )


@transaction.atomic
def close_day(
    *, clinic: Clinic, by: User, day: date, reason: str = "", confirmed: int = 0
) -> tuple[ClinicClosure, list[Appointment]]:
    """Closes the clinic on `day`. With appointments booked that day the closure is refused
    (code `bookings_on_day`) unless `confirmed` is their number, as the admin was shown
    them; then each is cancelled, marked to be booked again (Today lists it), and its
    patient gets a cancellation notice. Admins only."""
    member = clinics.membership(clinic, by)
    if member is None or member.role != Role.ADMIN:
        raise rules.refusal("by", "Only the clinic's admins close a day.", "permission_denied")
    bookings = list(booked_on(clinic, day).select_for_update(of=("self",)))
    if bookings and confirmed != len(bookings):
        count = len(bookings)
        raise rules.refusal(
            "date",
            f"{count} appointment{'s are' if count != 1 else ' is'} booked that day. Confirm "
            "to cancel them, tell the patients and list them on Today to book again.",
            "bookings_on_day",
        )
    closure = clinic_services.add_closure(clinic=clinic, date=day, reason=reason)
    now = timezone.now()
    said = f"The clinic is closed that day{': ' + closure.reason if closure.reason else ''}."
    for appointment in bookings:
        appointment.status = AppointmentStatus.CANCELLED
        appointment.cancelled_at, appointment.cancelled_by = now, by
        appointment.cancel_reason = said
        appointment.rebook = True
        appointment._history_user = by  # type: ignore[attr-defined] # read by simple-history
        appointment.save(
            update_fields=[
                "status",
                "cancelled_at",
                "cancelled_by",
                "cancel_reason",
                "rebook",
                "updated_at",
            ]
        )
        # Told even when the confirmation had not gone out yet: the patient may have
        # booked at the desk and expects to come.
        refresh_reminders(
            clinic=clinic,
            appointment=appointment,
            now=now,
            notice=ReminderKind.CANCELLED,
            tell=True,
        )
    return closure, bookings


@transaction.atomic
def settle_rebooking(*, clinic: Clinic, appointment: Appointment, by: User) -> None:
    """The desk has dealt with a closure's cancelled appointment another way (the patient
    will call, or does not want another time): it leaves Today's list."""
    if clinics.membership(clinic, by) is None:
        raise rules.refusal(
            "by", "Only the clinic's staff settle a rebooking.", "permission_denied"
        )
    locked = Appointment.objects.select_for_update().filter(clinic=clinic, pk=appointment.pk)
    found = locked.first()
    if found is None or not found.rebook:
        raise rules.refusal("appointment", "Nothing to rebook for this appointment.", "not_rebook")
    found.rebook = False
    found._history_user = by  # type: ignore[attr-defined] # read by simple-history
    found.save(update_fields=["rebook", "updated_at"])
