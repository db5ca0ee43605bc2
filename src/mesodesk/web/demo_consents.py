"""The demo's consents: Anna, Mara, Jonas and Ida have signed theirs (Anna with a drawn
signature, on the tablet before her first session; Mara in the portal by typed name);
Clara, whose plan is active, has not, so the consent gate shows on her chart and her
session cannot start until a practitioner collects it. Seeded once."""

from __future__ import annotations

import math
from datetime import timedelta

from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.consents.choices import Channel, Purpose
from mesodesk.consents.models import ConsentTemplate, SignedConsent
from mesodesk.consents.services import Origin, Signature, ensure_templates, sign_consent
from mesodesk.patients.models import Patient

DEMO_UA = "Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Safari/604.1"


def _strokes() -> str:
    """A made-up signature: a loop and a long wave, in the pad's 600 x 200 box."""
    loop = " ".join(
        f"{60 + 40 * math.cos(t / 6):.0f},{100 + 45 * math.sin(t / 6):.0f}" for t in range(40)
    )
    wave = " ".join(f"{110 + 10 * i},{110 - 35 * math.sin(i / 3):.0f}" for i in range(42))
    return f"{loop};{wave};470,150 560,140"


def _template(clinic: Clinic, purpose: str, technique: str = "", tier: str = "") -> ConsentTemplate:
    return (
        ConsentTemplate.objects.filter(
            clinic=clinic, purpose=purpose, technique=technique, tier=tier
        )
        .order_by("-version")
        .get()
    )


def seed_consents(*, clinic: Clinic, practitioner: User) -> None:
    """Signs the demo patients' consents once (a clinic with signed consents is left)."""
    ensure_templates(clinic=clinic)
    if SignedConsent.objects.filter(clinic=clinic).exists():
        return
    by_name = {
        p.first_name: p
        for p in Patient.objects.filter(
            clinic=clinic, email__endswith="@patients.demo.mesodesk.test"
        )
    }
    now = timezone.now().replace(microsecond=0)
    tablet = Origin(Channel.TABLET, practitioner, "192.0.2.10", DEMO_UA)
    portal = Origin(Channel.PORTAL, None, "198.51.100.23", "Mozilla/5.0 (Android 15) Mobile")
    plan: list[tuple[str, Origin, int, tuple[str, str, str], bool]] = [
        ("Anna", tablet, 36, (Purpose.TREATMENT, "manual_needle", ""), True),
        ("Anna", tablet, 36, (Purpose.PHOTOGRAPHY, "", "teaching"), True),
        ("Mara", portal, 3, (Purpose.TREATMENT, "manual_needle", ""), False),
        ("Mara", portal, 3, (Purpose.PHOTOGRAPHY, "", "clinical"), False),
        ("Jonas", portal, 2, (Purpose.TREATMENT, "manual_needle", ""), False),
        ("Jonas", portal, 2, (Purpose.MARKETING, "", ""), False),
        ("Ida", portal, 120, (Purpose.TREATMENT, "manual_needle", ""), False),
    ]
    for first, origin, days_ago, key, drawn in plan:
        patient = by_name.get(first)
        if patient is None:
            continue
        sign_consent(
            clinic=clinic,
            patient=patient,
            template=_template(clinic, *key),
            signature=Signature(
                f"{patient.first_name} {patient.last_name}", _strokes() if drawn else ""
            ),
            origin=origin,
            at=now - timedelta(days=days_ago),
        )
