"""The demo clinic that `mesodesk demo` seeds, and how its server marks demo requests."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from mesodesk.accounts.models import User
from mesodesk.accounts.selectors import user_by_email
from mesodesk.accounts.services import create_user
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.selectors import clinic_by_slug, membership
from mesodesk.clinics.services import add_member, create_clinic
from mesodesk.web.demo_records import seed_records

# Documented in the README and printed by `mesodesk demo`: it is not a secret.
DEMO_PASSWORD = "mesodesk-demo"  # noqa: S105
DEMO_CLINIC_SLUG = "demo"
DEMO_CLINIC_NAME = "Demo Mesotherapy Clinic"
DEMO_TIME_ZONE = "Europe/Berlin"

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


DEMO_STAFF = (
    DemoLogin("admin@demo.mesodesk.test", Role.ADMIN, "Alex", "Morgan"),
    DemoLogin("practitioner@demo.mesodesk.test", Role.PRACTITIONER, "Lena", "Vogel"),
    DemoLogin("frontdesk@demo.mesodesk.test", Role.FRONT_DESK, "Sam", "Becker"),
)


@transaction.atomic
def seed_demo() -> Clinic:
    """Creates the demo clinic, its staff and records; what exists already is left as it is."""
    clinic = clinic_by_slug(slug=DEMO_CLINIC_SLUG) or create_clinic(
        slug=DEMO_CLINIC_SLUG, name=DEMO_CLINIC_NAME, time_zone=DEMO_TIME_ZONE, locale="en"
    )
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
        staff[login.role] = user
    seed_records(clinic=clinic, practitioner=staff[Role.PRACTITIONER], desk=staff[Role.FRONT_DESK])
    return clinic


WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def mark_demo_requests(app: WSGIApp) -> WSGIApp:
    """Wraps a WSGI application so that each request carries the demo marker."""

    def demo_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        environ[ENVIRON_KEY] = True
        return app(environ, start_response)

    return demo_app
