"""Every read of consents, scoped to one clinic. Role checks live in the views and API
(`consents.access`): front desk learns only whether a consent is signed (`statuses`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, QuerySet
from django.shortcuts import get_object_or_404

from mesodesk.clinics.models import Clinic
from mesodesk.consents.choices import TIER_ORDER, Purpose
from mesodesk.consents.models import ConsentTemplate, ConsentWithdrawal, SignedConsent
from mesodesk.core.library import load_library
from mesodesk.patients.models import Patient


def latest_templates(clinic: Clinic) -> list[ConsentTemplate]:
    """The latest version of each of the clinic's consent texts, in a fixed order:
    treatment per technique, lipolysis, photography by tier, marketing."""
    latest: dict[tuple[str, str, str], ConsentTemplate] = {}
    for t in ConsentTemplate.objects.filter(clinic=clinic, version__gte=1).order_by(
        "-version", "-id"
    ):
        latest.setdefault((t.purpose, t.technique, t.tier), t)
    purposes = list(Purpose.values)
    tiers = [str(t) for t in TIER_ORDER]
    return sorted(
        latest.values(),
        key=lambda t: (
            purposes.index(t.purpose),
            t.technique,
            tiers.index(t.tier) if t.tier in tiers else 0,
        ),
    )


def template(clinic: Clinic, template_id: int) -> ConsentTemplate:
    """The clinic's consent text version with this id; Http404 otherwise."""
    return get_object_or_404(ConsentTemplate.objects.filter(clinic=clinic), pk=template_id)


def technique_label(code: str) -> str:
    term = load_library().techniques.get(code)
    return term.label if term is not None else code


def signed_consents(clinic: Clinic, patient: Patient) -> QuerySet[SignedConsent]:
    """The patient's signed consents, newest first, with their withdrawals; the PDF bytes
    are left in the database (`defer`) until one is downloaded."""
    return (
        SignedConsent.objects.filter(clinic=clinic, patient=patient)
        .select_related("withdrawal", "collected_by")
        .defer("pdf", "text", "signature_svg")
        .order_by("-signed_at", "-id")
    )


def signed_consent(clinic: Clinic, consent_id: int) -> SignedConsent:
    """The clinic's signed consent with this id; Http404 otherwise."""
    return get_object_or_404(
        SignedConsent.objects.filter(clinic=clinic).select_related(
            "patient", "withdrawal", "collected_by", "clinic"
        ),
        pk=consent_id,
    )


def is_withdrawn(consent: SignedConsent) -> bool:
    return hasattr(consent, "withdrawal")


@dataclass(frozen=True)
class Status:
    """Whether a consent is signed and still valid: all that front desk may see of it."""

    id: int
    title: str
    purpose: str
    signed_at: datetime
    withdrawn: bool


def statuses(clinic: Clinic, patient: Patient) -> list[Status]:
    """The patient's consents as front desk may see them, newest first; one query."""
    rows = (
        SignedConsent.objects.filter(clinic=clinic, patient=patient)
        .annotate(withdrawn=Exists(ConsentWithdrawal.objects.filter(consent=OuterRef("pk"))))
        .order_by("-signed_at", "-id")
        .values_list("id", "title", "purpose", "signed_at", "withdrawn")
    )
    return [Status(*row) for row in rows]


@dataclass(frozen=True)
class Verification:
    """The stored PDF's SHA-256 recomputed now, beside the one kept at signing."""

    intact: bool
    stored: str
    computed: str

    @property
    def message(self) -> str:
        if self.intact:
            return "The PDF is intact: its SHA-256 is the one recorded at signing."
        return "The PDF has changed since signing: its SHA-256 differs from the one recorded."


def verify(consent: SignedConsent) -> Verification:
    """Recomputes the SHA-256 of the PDF in the database and compares it."""
    data = SignedConsent.objects.filter(pk=consent.pk).values_list("pdf", flat=True).get()
    computed = hashlib.sha256(bytes(data)).hexdigest()
    return Verification(computed == consent.sha256, consent.sha256, computed)


def pdf_bytes(consent: SignedConsent) -> bytes:
    data = SignedConsent.objects.filter(pk=consent.pk).values_list("pdf", flat=True).get()
    return bytes(data)
