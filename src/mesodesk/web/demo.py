"""The demo clinic that `mesodesk demo` seeds, and how its server marks demo requests."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt
from django.db import transaction

from mesodesk.accounts.models import User
from mesodesk.accounts.selectors import user_by_email
from mesodesk.accounts.services import create_user
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.selectors import clinic_by_slug, membership
from mesodesk.clinics.services import add_member, create_clinic, update_clinic_settings
from mesodesk.web.demo_consents import seed_consents
from mesodesk.web.demo_outcomes import seed_outcomes
from mesodesk.web.demo_photos import seed_photos
from mesodesk.web.demo_records import seed_records, seed_today
from mesodesk.web.demo_safety import seed_safety
from mesodesk.web.demo_schedule import seed_schedule
from mesodesk.web.demo_sessions import seed_sessions

# Documented in the README and printed by `mesodesk demo`: it is not a secret.
DEMO_PASSWORD = "mesodesk-demo"  # noqa: S105
DEMO_CLINIC_SLUG = "demo"
DEMO_CLINIC_NAME = "Demo Mesotherapy Clinic"
DEMO_TIME_ZONE = "Europe/Berlin"
# A made-up number: shown to the demo's patients wherever they are told to call the clinic.
DEMO_PHONE = "+49 30 555 0100"
# Staff pages need a second factor: every demo login has a TOTP authenticator with this
# published secret, and the demo's home page shows the current code (it is not a secret).
DEMO_TOTP_SECRET = "MESODESKDEMOTOTPSECRETKEYFORDEMO"  # noqa: S105
TOTP_STEP = 30

# Set in the WSGI environ of requests served by `mesodesk demo`, so pages can show the
# demo logins there and nowhere else.
ENVIRON_KEY = "mesodesk.demo"


@dataclass(frozen=True)
class DemoLogin:
    """One demo staff account."""

    email: str
    role: Role
    first_name: str
    last_name: str

    @property
    def can_use_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def totp_secret(self) -> str:
        return DEMO_TOTP_SECRET

    @property
    def totp_code(self) -> str:
        return totp_code(DEMO_TOTP_SECRET)


def totp_code(secret: str, *, at: float | None = None) -> str:
    """The 6-digit RFC 6238 code of a base32 `secret` at `at` (now), as an app shows it."""
    key = base64.b32decode(secret, casefold=True)
    counter = int((time.time() if at is None else at) // TOTP_STEP)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = int.from_bytes(mac[offset : offset + 4], "big") & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def seconds_left(*, at: float | None = None) -> int:
    """How many seconds the current TOTP code stays valid."""
    return TOTP_STEP - int(time.time() if at is None else at) % TOTP_STEP


def _give_totp(user: User) -> None:
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        Authenticator.objects.create(
            user=user, type=Authenticator.Type.TOTP, data={"secret": encrypt(DEMO_TOTP_SECRET)}
        )


DEMO_STAFF = (
    DemoLogin("admin@demo.mesodesk.test", Role.ADMIN, "Alex", "Morgan"),
    DemoLogin("practitioner@demo.mesodesk.test", Role.PRACTITIONER, "Lena", "Vogel"),
    DemoLogin("frontdesk@demo.mesodesk.test", Role.FRONT_DESK, "Sam", "Becker"),
)


@transaction.atomic
def seed_demo() -> Clinic:
    """Creates the demo clinic, its staff (each with the demo TOTP authenticator) and
    records, and today's appointments if today has none; what exists is left as it is."""
    clinic = clinic_by_slug(slug=DEMO_CLINIC_SLUG) or create_clinic(
        slug=DEMO_CLINIC_SLUG, name=DEMO_CLINIC_NAME, time_zone=DEMO_TIME_ZONE, locale="en"
    )
    if not clinic.phone:
        update_clinic_settings(clinic=clinic, phone=DEMO_PHONE)
    staff: dict[Role, User] = {}
    for login in DEMO_STAFF:
        user = user_by_email(email=login.email) or create_user(
            email=login.email,
            password=DEMO_PASSWORD,
            first_name=login.first_name,
            last_name=login.last_name,
            # The demo's clinic admin also runs the site, so it may use /admin/ fully.
            is_staff=login.can_use_admin,
            is_superuser=login.can_use_admin,
        )
        if membership(clinic, user) is None:
            add_member(clinic=clinic, user=user, role=login.role)
        _give_totp(user)
        staff[login.role] = user
    seed_schedule(clinic=clinic)
    seed_records(clinic=clinic, practitioner=staff[Role.PRACTITIONER], desk=staff[Role.FRONT_DESK])
    seed_today(clinic=clinic, practitioner=staff[Role.PRACTITIONER], desk=staff[Role.FRONT_DESK])
    seed_consents(clinic=clinic, practitioner=staff[Role.PRACTITIONER])
    seed_sessions(
        clinic=clinic,
        practitioner=staff[Role.PRACTITIONER],
        admin=staff[Role.ADMIN],
        desk=staff[Role.FRONT_DESK],
    )
    seed_safety(
        clinic=clinic,
        practitioner=staff[Role.PRACTITIONER],
        admin=staff[Role.ADMIN],
        desk=staff[Role.FRONT_DESK],
    )
    seed_photos(clinic=clinic, practitioner=staff[Role.PRACTITIONER])
    seed_outcomes(clinic=clinic, practitioner=staff[Role.PRACTITIONER], password=DEMO_PASSWORD)
    return clinic


WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def mark_demo_requests(app: WSGIApp) -> WSGIApp:
    """Wraps a WSGI application so that each request carries the demo marker."""

    def demo_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        environ[ENVIRON_KEY] = True
        return app(environ, start_response)

    return demo_app
