"""Whether text messages would really reach patients: production refuses to start (and
`mesodesk check --deploy` says so) while a clinic offers text messages and SMS_BACKEND
never reaches a phone (console, file, memory): phone numbers and the links in messages
would end up in a log, and rows would be marked sent that nobody received."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.db import DatabaseError
from django.db.models import Exists, OuterRef, QuerySet

from mesodesk.clinics.models import Clinic
from mesodesk.messaging.models import ContactPreferences, Reminder
from mesodesk.messaging.sms import sms_backend_class
from mesodesk.patients.models import Patient

TWILIO_BACKEND = "mesodesk.messaging.twilio.TwilioSmsBackend"


def clinics_offering_sms() -> QuerySet[Clinic]:
    """Clinics with a patient who chose text messages (in their preferences, or as their
    preferred channel while they have set no preferences), or an SMS still to send.

    Three EXISTS, not joins: joining a clinic to its preferences, patients and reminders
    at once multiplies their rows (a clinic of 1,000 patients and 10,000 reminders made
    billions before DISTINCT), and `mesodesk serve` and `worker` ask this at start."""
    chose = ContactPreferences.objects.filter(clinic=OuterRef("pk"), sms=True)
    prefer = Patient.objects.filter(
        clinic=OuterRef("pk"), preferred_channel="sms", contact_preferences__isnull=True
    )
    waiting = Reminder.objects.filter(
        clinic=OuterRef("pk"), channel="sms", status__in=("pending", "sending")
    )
    return Clinic.objects.filter(Exists(chose) | Exists(prefer) | Exists(waiting))


def undeliverable_sms() -> str | None:
    """Why production must not start as configured, or None when text messages can go."""
    backend = sms_backend_class()
    if not settings.PRODUCTION or backend.delivers:
        return None
    try:
        slugs = list(clinics_offering_sms().order_by("slug").values_list("slug", flat=True)[:5])
    except DatabaseError:
        return None  # no tables yet (before the first migrate): no clinic offers anything
    if not slugs:
        return None
    return (
        f"SMS_BACKEND is {backend.__name__}, which never reaches a phone, while clinics offer "
        f"text messages ({', '.join(slugs)}); set SMS_BACKEND={TWILIO_BACKEND} and its "
        "TWILIO_* settings"
    )


@register(Tags.security, deploy=True)
def check_sms_delivery(**kwargs: object) -> list[CheckMessage]:
    """`mesodesk check --deploy`: text messages must really be sent in production."""
    problem = undeliverable_sms()
    return [Error(problem, id="mesodesk.E001")] if problem else []
