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
from django.template import Context, Engine, Template
from django.template.loader import get_template
from django.urls import reverse

from mesodesk.core.library import Library
from mesodesk.core.phones import shown
from mesodesk.messaging.choices import ReminderKind
from mesodesk.messaging.models import ContactPreferences, MessageTemplate, Reminder
from mesodesk.messaging.safety import KEEP_PRESCRIBED

SUBJECT_SEPARATOR = "\n---\n"
_PLACEHOLDER = "PLACEHOLDER"  # stands in for a patient's token in the reversed links
_ENGINE = Engine(autoescape=False, libraries={}, builtins=[])


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message ready for its channel."""

    subject: str
    body: str
    message_id: str


def _when(instant: datetime, zone: ZoneInfo) -> str:
    local = instant.astimezone(zone)
    return f"{local:%A} {local.day} {local:%B %Y} at {local:%H:%M}"


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
        zone = ZoneInfo(prefs.time_zone or clinic.time_zone)
        context = Context(
            {
                "clinic": clinic.name,
                "clinic_phone": shown(clinic.phone) if clinic.phone else "",
                "keep_prescribed": KEEP_PRESCRIBED,
                "first_name": reminder.patient.first_name,
                "appointment_when": _when(reminder.appointment.start, zone),
                "appointment_day": _day(reminder.appointment.start, zone),
                "appointment_date": _date(reminder.appointment.start, zone),
                "moment_when": _when(reminder.moment, zone),
                "today": _day(reminder.send_at, zone),
                "steps": [self._labels.get(code, "") for code in reminder.codes],
                "preferences_url": self._link["preferences"].replace(_PLACEHOLDER, prefs.token),
                "report_url": self._link["report"].replace(_PLACEHOLDER, prefs.token),
            }
        )
        subject_template, body_template = self._templates(reminder)
        subject = subject_template.render(context).strip() if subject_template else ""
        body: str = body_template.render(context)
        if reminder.kind == ReminderKind.PREPARATION and KEEP_PRESCRIBED not in body:
            # A clinic template stored without it (before the check, or past the admin):
            # the safety sentence is added rather than left out.
            body = body.rstrip() + "\n\n" + KEEP_PRESCRIBED + "\n"
        return Rendered(
            subject=" ".join(subject.split()),
            body=body,
            message_id=message_id(reminder),
        )
