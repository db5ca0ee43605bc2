"""State changes of the messaging app: the outbox rows of an appointment, recomputed when it
is booked, moved or cancelled, and a patient's contact preferences."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone

from mesodesk import rows
from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.selectors import membership
from mesodesk.clinics.validators import validate_time_zone
from mesodesk.core.library import Library, load_library
from mesodesk.core.library.model import Kind, Phase
from mesodesk.core.phones import can_take_sms
from mesodesk.core.timeline import Timeline
from mesodesk.messaging import selectors
from mesodesk.messaging.choices import (
    AFTER_VISIT,
    CONTACT_REQUESTS,
    NOTICES,
    ONE_OFF,
    ReminderKind,
    ReminderStatus,
)
from mesodesk.messaging.models import ContactPreferences, Reminder
from mesodesk.messaging.quiet import deliverable
from mesodesk.messaging.wanted import Quiet, WantedReminder, wanted_reminders
from mesodesk.patients.models import Patient
from mesodesk.planning import selectors as plan_selectors
from mesodesk.scheduling.choices import AppointmentStatus
from mesodesk.scheduling.models import Appointment
from mesodesk.scheduling.selectors import appointment_timeline


def _channels(prefs: ContactPreferences, patient: Patient) -> list[str]:
    """The chosen channels that have an address to send to."""
    return selectors.channels_with_address(prefs, patient)


def _recall_day(clinic: Clinic, appointment: Appointment, library: Library) -> date | None:
    """The day (in the clinic's calendar) maintenance is first due, when `appointment` is
    the last session of its series and the series' template has maintenance."""
    if appointment.planned_session_id is None:
        return None
    position = plan_selectors.series_position(clinic, appointment.planned_session_id)
    if position is None:
        return None
    number, last, template = position
    if number != last:
        return None
    schedule = library.schedules.get(template)
    if schedule is None or schedule.maintenance_from_days is None:
        return None
    zone = ZoneInfo(clinic.time_zone)
    return appointment.end.astimezone(zone).date() + timedelta(days=schedule.maintenance_from_days)


def _store(prefs: ContactPreferences) -> None:
    """Stores the patient's default preferences if they never chose: the row's token is
    what a message's link holds."""
    if prefs.pk is None:
        # The caller has just found none: no need to look again before writing. A
        # concurrent first booking of the patient may store the same defaults first.
        db = router.db_for_write(ContactPreferences)
        if connections[db].vendor == "postgresql":
            # One statement with its history row; a row stored first is left as it is.
            stored = ContactPreferences(
                patient=prefs.patient, clinic=prefs.clinic, email=prefs.email, sms=prefs.sms
            )
            rows.insert_with_history(stored, skip_conflicts=True, db=db)
            return
        try:
            with transaction.atomic():
                ContactPreferences.objects.create(
                    patient=prefs.patient, clinic=prefs.clinic, email=prefs.email, sms=prefs.sms
                )
        except IntegrityError:
            if not ContactPreferences.objects.filter(patient=prefs.patient).exists():
                raise


class _Unset:
    """An argument not given (None means something else)."""


_UNSET = _Unset()


def wanted_for(
    clinic: Clinic,
    appointment: Appointment,
    prefs: ContactPreferences,
    *,
    now: datetime,
    library: Library | None = None,
    timeline: Timeline | _Unset | None = _UNSET,
) -> list[WantedReminder]:
    """The reminders `appointment` should have now, by the patient's `prefs`: all of them
    while it is booked, those after the visit once it is completed, none otherwise.
    `timeline` is the appointment's (`appointment_timeline`) when the caller built it."""
    if appointment.status not in (AppointmentStatus.BOOKED, AppointmentStatus.COMPLETED):
        return []
    library = library if library is not None else load_library()
    patient = appointment.patient
    channels = _channels(prefs, patient)
    kinds = {kind for kind in ReminderKind if kind not in ONE_OFF and prefs.wants(kind)}
    if appointment.status == AppointmentStatus.COMPLETED:
        kinds &= AFTER_VISIT
    if not channels or not kinds:
        return []
    if isinstance(timeline, _Unset):
        timeline = appointment_timeline(clinic, appointment, library=library)
    return wanted_reminders(
        start=appointment.start,
        end=appointment.end,
        timeline=timeline,
        lead=timedelta(hours=clinic.appointment_reminder_hours),
        quiet=Quiet(selectors.patient_zone(clinic, prefs), prefs.quiet_start, prefs.quiet_end),
        channels=channels,
        kinds=kinds,
        recall_day=_recall_day(clinic, appointment, library),
        now=now,
    )


def _moved(row: Reminder, want: WantedReminder, now: datetime) -> bool:
    """Whether a waiting row's times differ from what is wanted now. A row already due
    that is wanted as overdue stays as it is ("now" is no new time)."""
    if want.overdue and row.send_at <= now:
        return row.expires_at != want.expires_at
    return row.send_at != want.send_at or row.expires_at != want.expires_at


# A cancellation notice still goes out this long after the appointment's time.
CANCELLED_NOTICE_VALID = timedelta(hours=12)


def _begun_preparation(timeline: Timeline | None, start: datetime, now: datetime) -> list[str]:
    """The preparation steps that have begun by `now` for a session at `start`: their
    reminders are past, so a booking or change notice lists them instead."""
    if timeline is None:
        return []
    return sorted(
        {
            item.code
            for item in timeline.items
            if item.phase is Phase.PREP
            and item.kind in (Kind.AVOID, Kind.DO)
            and item.starts_at <= now < start
        }
    )


def _notices(
    *,
    clinic: Clinic,
    appointment: Appointment,
    prefs: ContactPreferences,
    notice: ReminderKind,
    now: datetime,
    timeline: Timeline | _Unset | None,
) -> dict[str, Reminder]:
    """The rows of one notice (booked, moved, cancelled), one per channel the patient
    chose that has an address: at once, or when their quiet hours end. A confirmation or
    change notice expires at the appointment's start; a cancellation a little after."""
    channels = _channels(prefs, appointment.patient)
    if not channels or appointment.start <= now:
        return {}
    zone = selectors.patient_zone(clinic, prefs)
    send_at = deliverable(now, zone, prefs.quiet_start, prefs.quiet_end)
    codes: list[str] = []
    if notice == ReminderKind.CANCELLED:
        expires = max(appointment.start, send_at) + CANCELLED_NOTICE_VALID
    else:
        expires = appointment.start
        if isinstance(timeline, _Unset):
            timeline = appointment_timeline(clinic, appointment)
        codes = _begun_preparation(timeline, appointment.start, now)
    if send_at >= expires:
        return {}
    stamp = f"{now.astimezone(UTC):%Y%m%dT%H%M%S.%f}"
    return {
        f"notice:a{appointment.pk}:{notice.value}:{channel}:{stamp}": Reminder(
            clinic=clinic,
            patient_id=appointment.patient_id,
            appointment=appointment,
            kind=notice,
            channel=channel,
            codes=codes,
            moment=appointment.start,
            send_at=send_at,
            expires_at=expires,
            next_attempt_at=send_at,
            idempotency_key=f"notice:a{appointment.pk}:{notice.value}:{channel}:{stamp}",
            created_at=now,
            updated_at=now,
        )
        for channel in channels
    }


def _never_told(existing: dict[str, Reminder]) -> bool:
    """Whether the appointment's notices all stayed unsent (its confirmation still waits,
    or was replaced by a change notice that waits too): cancelling it then needs no notice
    either. An appointment booked before notices existed has none, and is told."""
    found = [row for row in existing.values() if row.kind in NOTICES]
    return bool(found) and not any(
        row.status in (ReminderStatus.SENT, ReminderStatus.SENDING) for row in found
    )


@transaction.atomic(savepoint=False)
def refresh_reminders(
    *,
    clinic: Clinic,
    appointment: Appointment,
    now: datetime | None = None,
    timeline: Timeline | _Unset | None = _UNSET,
    created: bool = False,
    notice: ReminderKind | None = None,
    tell: bool = False,
) -> None:
    """Brings the appointment's outbox rows in line with what it should have now: new rows
    for new reminders; rows waiting or being sent that are no longer wanted (moved,
    cancelled, opted out) are cancelled, so a worker that fails to send one does not put it
    back; a waiting row whose send time changed (another lead time, other quiet hours) is
    moved; cancelled rows wanted again wait again. Rows sent, expired or failed stay as they
    are: a reminder is never sent twice.

    A reminder whose time has already passed when it is first wanted is not queued (nor
    one cancelled before, wanted again): a refresh for an unrelated reason (an override,
    a new lead time) never sends a burst of late messages. At booking, the confirmation
    says what such a reminder would have said (the time, the preparation already begun).

    `notice` (booked, moved, cancelled) queues that notice to the patient, replacing a
    notice of the appointment still waiting; a cancellation of an appointment whose
    confirmation never went out sends nothing, unless `tell` (a closure cancels it: the
    patient may have booked at the desk and expects to come).

    The booking services pass what they have already: the appointment's `timeline` (as
    `appointment_timeline` builds it), and `created` for an appointment written in this
    transaction, which has no rows yet."""
    now = now if now is not None else timezone.now()
    wanted: dict[str, WantedReminder] = {}
    prefs: ContactPreferences | None = None
    # A cancelled (or no-show) appointment wants nothing, whatever the patient chose.
    if appointment.status in (AppointmentStatus.BOOKED, AppointmentStatus.COMPLETED):
        prefs = selectors.loaded_preferences(clinic, appointment.patient)
        wanted = {
            w.key(appointment.pk): w
            for w in wanted_for(clinic, appointment, prefs, now=now, timeline=timeline)
        }
    existing = (
        {}
        if created
        else {
            row.idempotency_key: row
            for row in Reminder.objects.select_for_update()
            .filter(clinic=clinic, appointment=appointment)
            .exclude(kind__in=CONTACT_REQUESTS)
        }
    )
    notices: dict[str, Reminder] = {}
    quiet_undo = notice == ReminderKind.CANCELLED and not tell and _never_told(existing)
    if notice is not None and not quiet_undo:
        prefs = (
            prefs
            if prefs is not None
            else selectors.loaded_preferences(clinic, appointment.patient)
        )
        notices = _notices(
            clinic=clinic,
            appointment=appointment,
            prefs=prefs,
            notice=notice,
            now=now,
            timeline=timeline,
        )
    if prefs is not None and (notices or wanted):
        _store(prefs)
    waiting = (ReminderStatus.PENDING, ReminderStatus.SENDING)
    stop = [
        row.pk
        for key, row in existing.items()
        if key not in wanted
        and row.status in waiting
        # A notice waits until a newer one replaces it (the times it gives are read when
        # it is sent, so the newer one says all); a confirmation or change notice also
        # stops once the appointment is no longer booked.
        and (
            row.kind not in NOTICES
            or notice is not None
            or (
                row.kind != ReminderKind.CANCELLED
                and appointment.status != AppointmentStatus.BOOKED
            )
        )
    ]
    if stop:
        Reminder.objects.filter(pk__in=stop, status__in=waiting).update(
            status=ReminderStatus.CANCELLED, updated_at=now
        )
    for key, row in existing.items():
        want = wanted.get(key)
        if want is None:
            continue
        times = {"send_at": want.send_at, "expires_at": want.expires_at}
        if row.status == ReminderStatus.CANCELLED and row.claimed_by:
            # Cancelled while a worker was sending it, and wanted again: the claim stands,
            # and that worker's outcome (sent, or a retry) applies as if nothing happened.
            Reminder.objects.filter(
                pk=row.pk, status=ReminderStatus.CANCELLED, claimed_by=row.claimed_by
            ).update(status=ReminderStatus.SENDING, updated_at=now)
        elif row.status == ReminderStatus.CANCELLED and not want.overdue:
            Reminder.objects.filter(
                pk=row.pk, status=ReminderStatus.CANCELLED, claimed_by=""
            ).update(
                **times,
                status=ReminderStatus.PENDING,
                attempts=0,
                last_error="",
                claimed_at=None,
                next_attempt_at=want.send_at,
                updated_at=now,
            )
        elif row.status == ReminderStatus.PENDING and _moved(row, want, now):
            Reminder.objects.filter(pk=row.pk, status=ReminderStatus.PENDING).update(
                **times,
                # A row waiting to retry keeps waiting: a refresh is no reason to retry now.
                next_attempt_at=(
                    max(want.send_at, row.next_attempt_at) if row.attempts else want.send_at
                ),
                updated_at=now,
            )
    # In plain SQL (mesodesk.rows): the ORM's bulk_create built this INSERT of a booking's
    # nine rows more slowly than the database ran it.
    rows.insert_all(
        [
            Reminder(
                clinic=clinic,
                patient_id=appointment.patient_id,
                appointment=appointment,
                kind=w.kind,
                channel=w.channel,
                codes=list(w.codes),
                moment=w.moment,
                send_at=w.send_at,
                expires_at=w.expires_at,
                next_attempt_at=w.send_at,
                idempotency_key=key,
                created_at=now,
                updated_at=now,
            )
            for key, w in wanted.items()
            if key not in existing and not w.overdue
        ]
        + list(notices.values())
    )


def refresh_patient_reminders(
    *, clinic: Clinic, patient: Patient, now: datetime | None = None
) -> None:
    """Recomputes the reminders of the patient's booked appointments that have not ended
    (after a new intake or a change of their contact preferences)."""
    now = now if now is not None else timezone.now()
    upcoming = Appointment.objects.filter(
        clinic=clinic,
        patient=patient,
        status=AppointmentStatus.BOOKED,
        end__gt=now - timedelta(days=400),
    ).select_related("patient")
    for appointment in upcoming:
        refresh_reminders(clinic=clinic, appointment=appointment, now=now)


def refresh_clinic_reminders(*, clinic: Clinic, now: datetime | None = None) -> int:
    """Recomputes the reminders of every booked appointment of the clinic that is still to
    come (after a change of the clinic's overrides or reminder lead time: preparation can
    start on another day). Returns how many appointments it looked at."""
    now = now if now is not None else timezone.now()
    upcoming = Appointment.objects.filter(
        clinic=clinic, status=AppointmentStatus.BOOKED, end__gt=now
    ).select_related("patient")
    count = 0
    for appointment in upcoming:
        refresh_reminders(clinic=clinic, appointment=appointment, now=now)
        count += 1
    return count


# How long a request to contact the clinic waits for a working channel before it lapses.
CONTACT_REQUEST_VALID = timedelta(days=14)


@transaction.atomic
def request_contact(
    *,
    clinic: Clinic,
    patient: Patient,
    appointment: Appointment,
    topic: str,
    now: datetime | None = None,
) -> int | None:
    """Queues one message asking the patient to contact the clinic about their treatment
    at `appointment` (kind treatment_contact: no product, lot or diagnosis in it), on each
    channel they chose that has an address, at once or when their quiet hours end. `topic`
    says what it is about ("lot-42") and makes it idempotent: asking again about the same
    topic queues nothing more. Returns how many rows it queued; None when the patient has
    no channel with an address (the clinic must call them)."""
    if patient.clinic_id != clinic.pk or appointment.clinic_id != clinic.pk:
        raise ValidationError({"patient": ["Not a patient of this clinic."]})
    now = now if now is not None else timezone.now()
    prefs = selectors.preferences(clinic, patient)
    channels = _channels(prefs, patient)
    if not channels:
        return None
    _store(prefs)
    send_at = deliverable(
        now, selectors.patient_zone(clinic, prefs), prefs.quiet_start, prefs.quiet_end
    )
    kind = ReminderKind.TREATMENT_CONTACT
    rows = {
        f"contact:{topic}:p{patient.pk}:{channel}": Reminder(
            clinic=clinic,
            patient=patient,
            appointment=appointment,
            kind=kind,
            channel=channel,
            codes=[],
            moment=appointment.start,
            send_at=send_at,
            expires_at=send_at + CONTACT_REQUEST_VALID,
            next_attempt_at=send_at,
            idempotency_key=f"contact:{topic}:p{patient.pk}:{channel}",
            created_at=now,
            updated_at=now,
        )
        for channel in channels
    }
    there = set(
        Reminder.objects.filter(idempotency_key__in=list(rows)).values_list(
            "idempotency_key", flat=True
        )
    )
    new = [row for key, row in rows.items() if key not in there]
    # A second click racing the first: the unique key lets only one of each through.
    Reminder.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def _may_change_preferences(clinic: Clinic, patient: Patient, by: User | None) -> None:
    """Staff of the clinic, the patient, or (by=None) the holder of the message link."""
    if by is None or patient.portal_user_id == by.pk or membership(clinic, by) is not None:
        return
    raise ValidationError({"by": ["Only the patient or the clinic can change these choices."]})


@transaction.atomic
def update_preferences(
    *,
    clinic: Clinic,
    patient: Patient,
    by: User | None,
    email: bool,
    sms: bool,
    preparation: bool,
    appointment: bool,
    aftercare: bool,
    check_in: bool,
    recall: bool,
    quiet_start: time,
    quiet_end: time,
    time_zone: str = "",
) -> ContactPreferences:
    """Saves how, whether and when the patient wants reminders, and recomputes the pending
    reminders of their appointments at once. `by=None` is the patient following the link in
    a message (its token is the authority). ValidationError by field: an SMS choice
    without a phone number, an e-mail choice without an address, an unknown time zone."""
    if patient.clinic_id != clinic.pk:
        raise ValidationError({"patient": ["Not a patient of this clinic."]})
    _may_change_preferences(clinic, patient, by)
    errors: dict[str, list[str]] = {}
    if sms and not patient.phone.strip():
        errors["sms"] = ["Add a mobile number first to get text messages."]
    elif sms and not can_take_sms(patient.phone):
        errors["sms"] = ["Your number cannot receive text messages: it is not a mobile number."]
    if email and not patient.email.strip():
        errors["email"] = ["Add an e-mail address first to get e-mails."]
    if time_zone:
        try:
            validate_time_zone(time_zone)
        except ValidationError as error:
            errors["time_zone"] = list(error.messages)
    if errors:
        raise ValidationError(errors)
    prefs = selectors.preferences(clinic, patient)
    if prefs.pk is not None:
        prefs = ContactPreferences.objects.select_for_update().get(pk=prefs.pk)
    prefs.email, prefs.sms = email, sms
    prefs.preparation, prefs.appointment, prefs.aftercare = preparation, appointment, aftercare
    prefs.check_in, prefs.recall = check_in, recall
    prefs.quiet_start, prefs.quiet_end, prefs.time_zone = quiet_start, quiet_end, time_zone
    prefs.updated_at = timezone.now()
    if by is not None:
        prefs._history_user = by  # type: ignore[attr-defined] # read by simple-history
    prefs.save()
    refresh_patient_reminders(clinic=clinic, patient=patient)
    return prefs


def record_delivery_status(
    *, clinic_slug: str, provider_message_id: str, status: str, error_code: str = ""
) -> int:
    """Records what the SMS provider says became of a sent message (delivered,
    undelivered, failed, ...), with the provider's error code when it gives one. Rows
    found: 0 for a message of no row of that clinic."""
    if not provider_message_id:
        return 0
    changes: dict[str, object] = {"delivery_status": status[:20], "updated_at": timezone.now()}
    if error_code.isascii() and error_code.isdigit():
        changes["last_error"] = f"SMS {status}: provider error {error_code}"
    return Reminder.objects.filter(
        clinic__slug=clinic_slug, provider_message_id=provider_message_id[:64]
    ).update(**changes)
