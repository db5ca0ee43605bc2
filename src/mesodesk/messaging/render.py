"""A reminder row in plain words: subject and body from the clinic's template for its kind
and channel (or the default in templates/messaging/messages/), times in the patient's zone.

What a message may say: the clinic's name, the patient's first name, when, and the
instruction's label from the protocol library ("No blood-thinning supplements"). Never the
patient's answers, medicines, findings, plan or cocktail."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Subquery
from django.template import Context, Engine, Template
from django.template.loader import get_template
from django.urls import reverse

from mesodesk.core.formats.ics import appointment_ics
from mesodesk.core.library import Library
from mesodesk.core.localtime import differs, zone_label
from mesodesk.core.phones import shown
from mesodesk.messaging.choices import NOTICES, ReminderKind
from mesodesk.messaging.mail import Attachment
from mesodesk.messaging.models import ContactPreferences, MessageTemplate, Reminder
from mesodesk.messaging.safety import KEEP_PRESCRIBED, REQUIRED_VARIABLE
from mesodesk.planning.models import PlannedSession
from mesodesk.scheduling.choices import AppointmentStatus
from mesodesk.scheduling.models import Appointment

SUBJECT_SEPARATOR = "\n---\n"
_PLACEHOLDER = "PLACEHOLDER"  # stands in for a patient's token in the reversed links
_ENGINE = Engine(autoescape=False, libraries={}, builtins=[])


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message ready for its channel."""

    subject: str
    body: str
    message_id: str
    attachment: Attachment | None = None


def _named(instant: datetime, zone: ZoneInfo, reader: ZoneInfo) -> str:
    """ " (Berlin time)" when the patient's clocks (`reader`) show another time than the
    clinic's (`zone`) at `instant`; nothing when they agree."""
    return f" ({zone_label(zone)})" if differs(instant, zone, reader) else ""


def _when(instant: datetime, zone: ZoneInfo, reader: ZoneInfo | None = None) -> str:
    local = instant.astimezone(zone)
    named = _named(instant, zone, reader) if reader is not None else ""
    return f"{local:%A} {local.day} {local:%B %Y} at {local:%H:%M}{named}"


def _day(instant: datetime, zone: ZoneInfo) -> str:
    local = instant.astimezone(zone)
    return f"{local:%A} {local.day} {local:%B}"


def _date(instant: datetime, zone: ZoneInfo) -> str:
    local = instant.astimezone(zone)
    return f"{local.day} {local:%B %Y}"


def message_id(reminder: Reminder) -> str:
    """The same Message-ID every time the row is sent: a receiving server or client can
    tell a resend after a crash from a new message."""
    digest = hashlib.sha256(reminder.idempotency_key.encode()).hexdigest()[:32]
    return f"<reminder.{digest}@{settings.MESODESK_MAIL_DOMAIN}>"


def compile_text(source: str) -> Template:
    """A plain-text template (no HTML escaping), in Django's template language."""
    return _ENGINE.from_string(source)


@lru_cache(maxsize=64)
def _default(kind: str, channel: str) -> tuple[Template | None, Template]:
    source = get_template(f"messaging/messages/{kind}.{channel}.txt").template.source  # type: ignore[attr-defined]  # the Django backend's Template
    return _compile(source)


def _compile(source: str) -> tuple[Template | None, Template]:
    if source.startswith("Subject:") and SUBJECT_SEPARATOR in source:
        head, body = source.split(SUBJECT_SEPARATOR, 1)
        return compile_text(head.removeprefix("Subject:").strip()), compile_text(
            body.strip() + "\n"
        )
    return None, compile_text(source.strip())


class Renderer:
    """Renders reminders; holds the compiled clinic templates and rule labels it has used."""

    def __init__(self, library: Library) -> None:
        self._labels = {rule.code: rule.label for rule in library.rules}
        self._clinic_templates: dict[tuple[int, str, str], tuple[Template | None, Template]] = {}
        self._loaded: set[int] = set()
        # The links' paths, reversed once: a token is all that differs between messages.
        base = settings.MESODESK_BASE_URL.rstrip("/")
        self._link = {
            name: base + reverse(f"messaging:{name}", kwargs={"token": _PLACEHOLDER})
            for name in ("preferences", "report")
        }

    def _templates(self, reminder: Reminder) -> tuple[Template | None, Template]:
        clinic_id = reminder.clinic_id
        if clinic_id not in self._loaded:
            for row in MessageTemplate.objects.filter(clinic_id=clinic_id):
                subject = compile_text(row.subject) if row.subject else None
                self._clinic_templates[(clinic_id, row.kind, row.channel)] = (
                    subject,
                    compile_text(row.body),
                )
            self._loaded.add(clinic_id)
        own = self._clinic_templates.get((clinic_id, reminder.kind, reminder.channel))
        default = _default(reminder.kind, reminder.channel)
        if own is None:
            return default
        return (own[0] or default[0]), own[1]

    def forget_clinic_templates(self) -> None:
        """Reads the clinics' own wording again on next use (a worker does, each pass, so a
        corrected template is used without a restart)."""
        self._clinic_templates.clear()
        self._loaded.clear()

    def render(self, reminder: Reminder, prefs: ContactPreferences) -> Rendered:
        clinic = reminder.clinic
        # Times are the clinic's, as the desk, the portal and the calendar file give them,
        # with the zone's name when the patient's clocks show another time (issue 13): a
        # patient abroad reads "10:30 (Berlin time)", never a time the clinic did not say.
        zone = ZoneInfo(clinic.time_zone)
        reader = ZoneInfo(prefs.time_zone or clinic.time_zone)
        later = series_after(reminder)
        context = Context(
            {
                "clinic": clinic.name,
                "clinic_phone": shown(clinic.phone) if clinic.phone else "",
                "keep_prescribed": KEEP_PRESCRIBED,
                "first_name": reminder.patient.first_name,
                "appointment_when": _when(reminder.appointment.start, zone, reader),
                "appointment_day": _day(reminder.appointment.start, zone),
                "appointment_date": _date(reminder.appointment.start, zone),
                "moment_when": _when(reminder.moment, zone, reader),
                "clinic_address": ", ".join(clinic.address.splitlines()),
                "today": _day(reminder.send_at, zone),
                "steps": [self._labels.get(code, "") for code in reminder.codes],
                "preferences_url": self._link["preferences"].replace(_PLACEHOLDER, prefs.token),
                "report_url": self._link["report"].replace(_PLACEHOLDER, prefs.token),
                "later_sessions": [_when(a.start, zone, reader) for a in later],
            }
        )
        subject_template, body_template = self._templates(reminder)
        subject = subject_template.render(context).strip() if subject_template else ""
        body: str = body_template.render(context)
        if reminder.kind in REQUIRED_VARIABLE and reminder.codes and KEEP_PRESCRIBED not in body:
            # A clinic template stored without it (before the check, or past the admin):
            # the safety sentence is added rather than left out.
            body = body.rstrip() + "\n\n" + KEEP_PRESCRIBED + "\n"
        return Rendered(
            subject=" ".join(subject.split()),
            body=body,
            message_id=message_id(reminder),
            attachment=notice_calendar(reminder, later) if reminder.kind in NOTICES else None,
        )


def series_after(reminder: Reminder) -> list[Appointment]:
    """For the confirmation of a series (sent on its first session), the sessions booked
    after it, in order; nothing for any other message."""
    appointment = reminder.appointment
    if reminder.kind != ReminderKind.BOOKED or appointment.planned_session_id is None:
        return []
    plan = PlannedSession.objects.filter(pk=appointment.planned_session_id).values("plan_id")
    return list(
        Appointment.objects.filter(
            clinic_id=reminder.clinic_id,
            planned_session__plan_id=Subquery(plan[:1]),
            status=AppointmentStatus.BOOKED,
            start__gt=appointment.start,
        ).order_by("start")
    )


def _uid(appointment: Appointment) -> str:
    return f"appointment-{appointment.pk}@{settings.MESODESK_MAIL_DOMAIN}"


def notice_calendar(reminder: Reminder, later: list[Appointment]) -> Attachment:
    """The appointment a notice is about as a calendar file: the appointment's own UID, so
    the booking's event is moved or cancelled in place by the later notices."""
    appointment, clinic = reminder.appointment, reminder.clinic
    body = appointment_ics(
        uid=_uid(appointment),
        start=appointment.start,
        end=appointment.end,
        summary=f"Appointment at {clinic.name}",
        clinic=clinic.name,
        phone=shown(clinic.phone) if clinic.phone else "",
        address=clinic.address,
        # Later notices of the appointment carry higher numbers (RFC 5545 SEQUENCE).
        sequence=max(0, int(reminder.created_at.timestamp()) - SEQUENCE_EPOCH),
        cancelled=reminder.kind == ReminderKind.CANCELLED,
        stamp=reminder.created_at,
        more=[(_uid(a), a.start, a.end) for a in later],
    )
    return Attachment("appointment.ics", body, "text/calendar")


# 2026-01-01T00:00Z: SEQUENCE counts seconds from here (RFC 5545 wants a small integer).
SEQUENCE_EPOCH = 1767225600
