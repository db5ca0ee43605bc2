"""Every change to consents goes through these functions.

A clinic's consent texts start as copies of the library's (`ensure_templates`, version 1)
and change only by a new version (`save_template_version`, what the admin calls). Signing
copies the text of the version signed, renders the PDF once and keeps its SHA-256; who
collected it is the signed-in staff member of the request (the portal: nobody), never a
form field. A signed consent is never changed (the database refuses: migration 0003); a
withdrawal is a row of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.selectors import membership
from mesodesk.consents import pdf
from mesodesk.consents.choices import Channel, Method, Purpose
from mesodesk.consents.models import ConsentTemplate, ConsentWithdrawal, SignedConsent
from mesodesk.core.errors import InputError
from mesodesk.core.library import load_library
from mesodesk.core.signature import parse_strokes, to_svg
from mesodesk.patients.models import Patient
from mesodesk.refusals import refusal as _refusal

# Staff who may collect a consent on the clinic's tablet and record a withdrawal.
COLLECTORS = frozenset({Role.PRACTITIONER, Role.ADMIN})


def _collector(clinic: Clinic, by: User) -> None:
    member = membership(clinic, by)
    if member is None or member.role not in COLLECTORS:
        raise _refusal(
            "by",
            "Only a practitioner or an admin of this clinic collects consents.",
            "permission_denied",
        )


@transaction.atomic
def ensure_templates(*, clinic: Clinic) -> int:
    """Copies every library consent text the clinic has no version of yet as its version
    1; returns how many were copied (none on a second call)."""
    library = load_library()
    have = set(
        ConsentTemplate.objects.filter(clinic=clinic, version__gte=1).values_list(
            "purpose", "technique", "tier"
        )
    )
    made = 0
    for text in library.consent_texts.values():
        if (text.purpose, text.technique, text.tier) in have:
            continue
        ConsentTemplate.objects.create(
            clinic=clinic,
            purpose=text.purpose,
            technique=text.technique,
            tier=text.tier,
            version=1,
            title=text.title,
            text=text.text.strip(),
            library_code=text.code,
            sources="\n".join(
                f"{library.sources[c.source].citation or library.sources[c.source].title} ({c.at})"
                for c in text.sources
            ),
        )
        made += 1
    return made


@transaction.atomic
def save_template_version(
    *, clinic: Clinic, based_on: ConsentTemplate, by: User, title: str, text: str
) -> ConsentTemplate:
    """The clinic's next version of a consent text (the one before stays as it was)."""
    if based_on.clinic_id != clinic.pk:
        raise ConsentTemplate.DoesNotExist("template not found")
    member = membership(clinic, by)
    if member is None or member.role != Role.ADMIN:
        raise _refusal(
            "by", "Only an admin of the clinic edits consent texts.", "permission_denied"
        )
    if not title.strip() or not text.strip():
        raise _refusal("text", "A consent needs a title and a text.", "required")
    same = ConsentTemplate.objects.select_for_update().filter(
        clinic=clinic,
        purpose=based_on.purpose,
        technique=based_on.technique,
        tier=based_on.tier,
    )
    latest = same.aggregate(v=Max("version"))["v"] or 0
    template = ConsentTemplate(
        clinic=clinic,
        purpose=based_on.purpose,
        technique=based_on.technique,
        tier=based_on.tier,
        version=latest + 1,
        title=title.strip(),
        text=text.strip(),
        library_code=based_on.library_code,
        sources=based_on.sources,
        created_by=by,
    )
    template.full_clean()
    template._history_user = by  # type: ignore[attr-defined] # read by simple-history
    template.save()
    return template


@dataclass(frozen=True)
class Signature:
    """What the signer gave: their name, and the drawn strokes (empty for a typed name)."""

    signer_name: str
    strokes: str = ""
    representative_relationship: str = ""


@dataclass(frozen=True)
class Origin:
    """Where the signing request came from (read from the request, never from the form)."""

    channel: str
    collected_by: User | None
    ip: str | None
    user_agent: str


def _page(clinic: Clinic, patient: Patient, consent: SignedConsent) -> pdf.ConsentPage:
    collector = consent.collected_by
    return pdf.ConsentPage(
        clinic=clinic.name,
        time_zone=clinic.time_zone,
        patient=f"{patient.first_name} {patient.last_name}",
        patient_birth_date=patient.birth_date.strftime("%-d %B %Y") if patient.birth_date else "",
        title=consent.title,
        text=consent.text,
        template_version=consent.template_version,
        signer_name=consent.signer_name,
        relationship=consent.representative_relationship,
        method=consent.method,
        signature_svg=consent.signature_svg,
        signed_at=consent.signed_at,
        channel=Channel(consent.channel).label,
        collected_by=(collector.get_full_name() or collector.email) if collector else "",
        ip=consent.ip or "",
        user_agent=consent.user_agent,
    )


def render_pdf(consent: SignedConsent) -> bytes:
    """The PDF of a consent as it was signed (the same bytes every time)."""
    return pdf.render(_page(consent.clinic, consent.patient, consent))


@transaction.atomic
def sign_consent(
    *,
    clinic: Clinic,
    patient: Patient,
    template: ConsentTemplate,
    signature: Signature,
    origin: Origin,
    at: datetime | None = None,
) -> SignedConsent:
    """Records a signed consent on the latest version of its text, with its PDF and hash.

    Refused when the version shown is no longer the latest (the signer must read the new
    one), without a name, with a drawing that cannot be read, or (on a tablet) when the
    collector may not collect consents."""
    if patient.clinic_id != clinic.pk or template.clinic_id != clinic.pk:
        raise Patient.DoesNotExist("patient not found")
    if patient.merged_into_id is not None:
        raise _refusal("patient", "This record was merged into another one.", "merged")
    if origin.channel != Channel.PORTAL:
        if origin.collected_by is None:
            raise _refusal("by", "A consent in the clinic is collected by staff.", "required")
        _collector(clinic, origin.collected_by)
    latest = (
        ConsentTemplate.objects.filter(
            clinic=clinic,
            purpose=template.purpose,
            technique=template.technique,
            tier=template.tier,
        )
        .order_by("-version")
        .values_list("pk", flat=True)
        .first()
    )
    if latest != template.pk:
        raise _refusal(
            "template",
            "The clinic has changed this consent text since it was shown: read the new version.",
            "stale_template",
        )
    name = " ".join(signature.signer_name.split())
    if not name:
        raise _refusal("signer_name", "Write the name of the person signing.", "required")
    relationship = " ".join(signature.representative_relationship.split())
    svg = ""
    if signature.strokes.strip():
        try:
            svg = to_svg(parse_strokes(signature.strokes))
        except InputError as error:
            raise _refusal(
                "signature", error.message[:1].upper() + error.message[1:] + ".", "invalid"
            ) from None
    consent = SignedConsent(
        clinic=clinic,
        patient=patient,
        template=template,
        purpose=template.purpose,
        technique=template.technique,
        tier=template.tier,
        template_version=template.version,
        title=template.title,
        text=template.text,
        signer_name=name[:200],
        representative_relationship=relationship[:100],
        method=Method.DRAWN if svg else Method.TYPED,
        signature_svg=svg,
        channel=origin.channel,
        collected_by=origin.collected_by if origin.channel != Channel.PORTAL else None,
        ip=origin.ip,
        user_agent=origin.user_agent[:500],
        # Whole seconds: the PDF prints them, and the database keeps them exactly.
        signed_at=(at or timezone.now()).replace(microsecond=0),
    )
    consent.full_clean(exclude=["pdf", "sha256"])
    data = pdf.render(_page(clinic, patient, consent))
    consent.pdf, consent.sha256 = data, pdf.sha256(data)
    consent.save()
    return consent


@transaction.atomic
def withdraw_consent(
    *,
    clinic: Clinic,
    consent: SignedConsent,
    by: User | None,
    channel: str,
    reason: str = "",
) -> ConsentWithdrawal:
    """Records that the patient withdrew the consent (from then on it covers nothing)."""
    if consent.clinic_id != clinic.pk:
        raise SignedConsent.DoesNotExist("consent not found")
    if channel != Channel.PORTAL:
        if by is None:
            raise _refusal("by", "A withdrawal in the clinic is recorded by staff.", "required")
        _collector(clinic, by)
    locked = SignedConsent.objects.select_for_update().filter(pk=consent.pk).first()
    if locked is None:
        raise SignedConsent.DoesNotExist("consent not found")
    if ConsentWithdrawal.objects.filter(consent=locked).exists():
        raise _refusal("consent", "This consent was withdrawn already.", "withdrawn")
    return ConsentWithdrawal.objects.create(
        clinic=clinic,
        consent=locked,
        by=by if channel != Channel.PORTAL else None,
        channel=channel,
        reason=reason.strip()[:2000],
    )


__all__ = [
    "Origin",
    "Purpose",
    "Signature",
    "ensure_templates",
    "render_pdf",
    "save_template_version",
    "sign_consent",
    "withdraw_consent",
]
