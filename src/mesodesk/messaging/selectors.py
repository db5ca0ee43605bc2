"""Reads of the messaging app, always scoped to one clinic."""

from __future__ import annotations

from typing import cast
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from mesodesk import rows
from mesodesk.clinics.models import Clinic
from mesodesk.core.phones import can_take_sms
from mesodesk.messaging.choices import MessageChannel
from mesodesk.messaging.models import ContactPreferences, Reminder
from mesodesk.patients.models import Patient
from mesodesk.scheduling.models import Appointment


def preferences(clinic: Clinic, patient: Patient) -> ContactPreferences:
    """The patient's contact preferences; the defaults (unsaved) if they never chose.
    Plain SQL (mesodesk.rows): every booking, move and cancellation reads them."""
    found = rows.one(ContactPreferences, clinic_id=clinic.pk, patient_id=patient.pk)
    if found is not None:
        rows.attach(found, "clinic", clinic)
        rows.attach(found, "patient", patient)
        return found
    return default_preferences(clinic, patient)


def default_preferences(clinic: Clinic, patient: Patient) -> ContactPreferences:
    """What a patient who never chose gets (unsaved): their preferred channel, every kind."""
    return ContactPreferences(
        clinic=clinic,
        patient=patient,
        email=patient.preferred_channel == "email",
        sms=patient.preferred_channel == "sms",
    )


def channels_with_address(prefs: ContactPreferences, patient: Patient) -> list[str]:
    """The channels the patient chose that have an address to send to: a text message only
    to a number that can take one (a valid mobile; a landline or an unreadable number
    cannot)."""
    reachable = {
        MessageChannel.EMAIL: bool(patient.email.strip()),
        MessageChannel.SMS: can_take_sms(patient.phone),
    }
    return [c for c in prefs.channels() if reachable[MessageChannel(c)]]


def preferences_by_token(token: str) -> ContactPreferences | None:
    """The preferences a message's link points at (the token is the only key it carries)."""
    if not token:
        return None
    return (
        ContactPreferences.objects.select_related("clinic", "patient").filter(token=token).first()
    )


def patient_zone(clinic: Clinic, prefs: ContactPreferences) -> ZoneInfo:
    """The zone the patient reads times in: their own if they set one, else the clinic's."""
    return ZoneInfo(prefs.time_zone or clinic.time_zone)


def patient_reminders(clinic: Clinic, patient: Patient) -> QuerySet[Reminder]:
    """The patient's reminders, soonest first (every status)."""
    return Reminder.objects.filter(clinic=clinic, patient=patient).order_by("send_at", "id")


def appointment_reminders(clinic: Clinic, appointment: Appointment) -> QuerySet[Reminder]:
    """One appointment's reminders, soonest first (every status)."""
    return Reminder.objects.filter(clinic=clinic, appointment=appointment).order_by("send_at", "id")


def outbox(clinic: Clinic, *, status: str | None = None) -> QuerySet[Reminder]:
    """The clinic's outbox, soonest first, optionally of one status."""
    found = Reminder.objects.filter(clinic=clinic).select_related("patient", "appointment")
    if status:
        found = found.filter(status=status)
    return found.order_by("send_at", "id")


def contact_requests(clinic: Clinic, topic: str) -> QuerySet[Reminder]:
    """The messages asking patients to contact the clinic about `topic` (services.
    request_contact), oldest first."""
    return Reminder.objects.filter(
        clinic=clinic, idempotency_key__startswith=f"contact:{topic}:"
    ).order_by("created_at", "id")


def loaded_preferences(clinic: Clinic, patient: Patient) -> ContactPreferences:
    """The patient's preferences: read with the patient when the caller did so
    (`select_related("contact_preferences")`, no query), else looked up."""
    relation = Patient.contact_preferences.related
    if relation.is_cached(patient):
        found = cast("ContactPreferences | None", relation.get_cached_value(patient))
        return found if found is not None else default_preferences(clinic, patient)
    return preferences(clinic, patient)


def reminder_channels(clinic: Clinic, patient: Patient) -> list[str]:
    """The channels the patient's messages actually go by: those chosen that have an
    address (what the chart says, not the channel preferred at registration)."""
    return channels_with_address(loaded_preferences(clinic, patient), patient)
