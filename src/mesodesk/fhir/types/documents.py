"""Signed consents and photos, and their bytes: Consent, DocumentReference, Media, Binary.

Who reads what follows the workspace (consents.views_staff, photos.selectors): the front
desk sees *that* a consent is signed, and when (Consent, Part.CONSENT_STATUS, which only
points at its PDF), never the signed text itself; the PDF as a document (DocumentReference)
and the bytes of PDFs and photos (Binary) are for practitioners and admins.
"""

from __future__ import annotations

import base64
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce

from mesodesk.clinics.reading import Part
from mesodesk.consents.choices import Purpose
from mesodesk.consents.models import ConsentWithdrawal, SignedConsent
from mesodesk.fhir.registry import (
    Context,
    FhirType,
    Resource,
    SearchParam,
    Source,
    built,
    meta,
    register,
)
from mesodesk.fhir.types.clinical import (
    CONSENT_DOCUMENT,
    area,
    concept,
    instant,
    procedure_of,
    sha1,
    two_states,
)
from mesodesk.photos import storage
from mesodesk.photos.choices import Kind, View
from mesodesk.photos.models import Photo

PDF = "application/pdf"
JPEG = "image/jpeg"
SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"


# --- Consent ---------------------------------------------------------------------------


def _consents(ctx: Context) -> QuerySet[SignedConsent]:
    # The PDF comes with the row: its SHA-1 (R4's Attachment.hash) is computed from it.
    return (
        SignedConsent.objects.filter(clinic=ctx.clinic)
        .select_related("withdrawal")
        .defer("text", "signature_svg")
        .annotate(last_updated=Coalesce("withdrawal__at", "signed_at"))
        .order_by("pk")
    )


def _attachment(row: SignedConsent) -> Resource:
    data = bytes(row.pdf)
    return {
        "contentType": PDF,
        "url": f"Binary/consent-{row.pk}",
        "size": len(data),
        "hash": sha1(data),
        "title": row.title,
        "creation": instant(row.signed_at),
    }


def _withdrawn(row: SignedConsent) -> bool:
    return hasattr(row, "withdrawal")


def _consent(row: SignedConsent, ctx: Context) -> Resource:
    treatment = row.purpose in (Purpose.TREATMENT, Purpose.LIPOLYSIS)
    scope = (
        {"code": "treatment", "display": "Treatment"}
        if treatment
        else {"code": "patient-privacy", "display": "Privacy Consent"}
    )
    performer = {"reference": f"Patient/{row.patient_id}", "display": row.signer_name}
    data: Resource = {
        "resourceType": "Consent",
        "id": str(row.pk),
        "meta": meta(row.last_updated),  # type: ignore[attr-defined]
        "status": "inactive" if _withdrawn(row) else "active",
        "scope": {"coding": [{"system": SCOPE, **scope}], "text": row.get_purpose_display()},
        "category": [{"coding": [CONSENT_DOCUMENT], "text": row.title}],
        "patient": {"reference": f"Patient/{row.patient_id}"},
        "dateTime": instant(row.signed_at),
        "performer": [performer],
        "organization": [{"reference": f"Organization/{row.clinic_id}"}],
        "sourceAttachment": _attachment(row),
        # The text signed: the clinic's template, at the version signed.
        "policy": [
            {
                "authority": f"urn:mesodesk:{ctx.clinic.slug}",
                "uri": f"urn:mesodesk:{ctx.clinic.slug}:consent-template:{row.template_id}"
                f":{row.template_version}",
            }
        ],
        "policyRule": {"coding": [{"system": ACT_CODE, "code": "OPTIN", "display": "opt-in"}]},
        "provision": {"type": "permit"},
    }
    if row.representative_relationship:
        performer["display"] = f"{row.signer_name} ({row.representative_relationship})"
    if _withdrawn(row):
        data["provision"]["period"] = {
            "start": instant(row.signed_at),
            "end": instant(row.withdrawal.at),
        }
    return built("Consent", data)


def _consent_status(rows: QuerySet[Any], prefix: str, value: str) -> QuerySet[Any]:
    withdrawn = Exists(ConsentWithdrawal.objects.filter(consent=OuterRef("pk")))
    return two_states(rows, value, "active", "inactive", Q(withdrawn))


CONSENT = register(
    FhirType(
        name="Consent",
        part=Part.CONSENT_STATUS,
        sources=(
            Source(
                rows=_consents,
                build=_consent,
                patient="patient_id",
                updated="last_updated",
                date="signed_at",
            ),
        ),
        search=(
            SearchParam("status", "token", _consent_status, "active, or inactive (withdrawn)"),
        ),
        documentation="A signed consent: active until withdrawn (then inactive), its PDF as "
        "sourceAttachment (url to the Binary, size and base64 SHA-1). The front desk reads "
        "it, as it sees which consents are signed; the PDF's bytes are clinical.",
    )
)


# --- DocumentReference -----------------------------------------------------------------


def _documents(ctx: Context) -> QuerySet[SignedConsent]:
    newer = SignedConsent.objects.filter(
        clinic=ctx.clinic,
        patient=OuterRef("patient"),
        purpose=OuterRef("purpose"),
        technique=OuterRef("technique"),
        tier=OuterRef("tier"),
        signed_at__gt=OuterRef("signed_at"),
    )
    return _consents(ctx).annotate(superseded=Exists(newer))


def _document(row: SignedConsent, ctx: Context) -> Resource:
    data: Resource = {
        "resourceType": "DocumentReference",
        "id": str(row.pk),
        "meta": meta(row.last_updated),  # type: ignore[attr-defined]
        # A later consent of the same purpose (technique, tier) replaces it as the one in
        # force; a withdrawal is the Consent's state, the document stays what was signed.
        "status": "superseded" if row.superseded else "current",  # type: ignore[attr-defined]
        "docStatus": "final",
        "type": {"coding": [CONSENT_DOCUMENT], "text": row.title},
        "subject": {"reference": f"Patient/{row.patient_id}"},
        "date": instant(row.signed_at),
        "custodian": {"reference": f"Organization/{row.clinic_id}"},
        "description": row.title,
        "content": [{"attachment": _attachment(row)}],
        "context": {"related": [{"reference": f"Consent/{row.pk}"}]},
    }
    if row.collected_by_id:
        data["author"] = [{"reference": f"Practitioner/{row.collected_by_id}"}]
    return built("DocumentReference", data)


def _document_status(rows: QuerySet[Any], prefix: str, value: str) -> QuerySet[Any]:
    return two_states(rows, value, "current", "superseded", Q(superseded=True))


DOCUMENT_REFERENCE = register(
    FhirType(
        name="DocumentReference",
        part=Part.RECORDS,
        sources=(
            Source(
                rows=_documents,
                build=_document,
                patient="patient_id",
                updated="last_updated",
                date="signed_at",
            ),
        ),
        search=(
            SearchParam(
                "status",
                "token",
                _document_status,
                "current, or superseded by a later consent of the same purpose",
            ),
        ),
        documentation="A signed consent's PDF as a document (LOINC 59284-0), content "
        "through Binary. Clinical: the front desk sees that a consent is signed, not it.",
    )
)


# --- Media -----------------------------------------------------------------------------


def _photos(ctx: Context) -> QuerySet[Photo]:
    return (
        Photo.objects.filter(clinic=ctx.clinic)
        .select_related("appointment__session_record")
        .order_by("pk")
    )


def _media(row: Photo, ctx: Context) -> Resource:
    data: Resource = {
        "resourceType": "Media",
        "id": str(row.pk),
        "meta": meta(row.created_at),
        "status": "completed",
        "type": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/media-type",
                    "code": "image",
                    "display": "Image",
                }
            ]
        },
        "view": concept("photo-view", row.view, View(row.view).label),
        "bodySite": area(row.area),
        "subject": {"reference": f"Patient/{row.patient_id}"},
        "createdDateTime": instant(row.taken_at),
        "issued": instant(row.created_at),
        "operator": {"reference": f"Practitioner/{row.uploaded_by_id}"},
        "height": row.height,
        "width": row.width,
        "content": {
            "contentType": JPEG,
            "url": f"Binary/photo-{row.pk}",
            "size": row.size_bytes,
            "creation": instant(row.taken_at),
        },
        "note": [{"text": f"{Kind(row.kind).label} photo"}],
    }
    procedure = procedure_of(row.appointment)
    if procedure is not None:
        data["partOf"] = [procedure]
    return built("Media", data)


MEDIA = register(
    FhirType(
        name="Media",
        part=Part.PHOTOS,
        sources=(
            Source(
                rows=_photos,
                build=_media,
                patient="patient_id",
                updated="created_at",
                date="taken_at",
            ),
        ),
        documentation="A clinical photo (re-encoded JPEG, no metadata): view, area, kind, "
        "partOf the session's Procedure; the image through Binary.",
    )
)


# --- Binary ----------------------------------------------------------------------------


def _photo_bytes(ctx: Context) -> QuerySet[Photo]:
    return Photo.objects.filter(clinic=ctx.clinic).order_by("pk")


def _consent_bytes(ctx: Context) -> QuerySet[SignedConsent]:
    return (
        SignedConsent.objects.filter(clinic=ctx.clinic)
        .only("pk", "clinic", "patient", "signed_at", "pdf")
        .order_by("pk")
    )


def raw(row: Photo | SignedConsent) -> tuple[bytes, str]:
    """The bytes a Binary holds and their content type, read as the photos and consents
    apps read them (the photo storage; the PDF kept in the database)."""
    if isinstance(row, Photo):
        return storage.read(row.image), JPEG
    return bytes(row.pdf), PDF


def _binary(kind: str, context: str) -> Any:
    def build(row: Photo | SignedConsent, ctx: Context) -> Resource:
        data, content_type = raw(row)
        moment = row.created_at if isinstance(row, Photo) else row.signed_at
        return built(
            "Binary",
            {
                "resourceType": "Binary",
                "id": f"{kind}-{row.pk}",
                "meta": meta(moment),
                "contentType": content_type,
                "securityContext": {"reference": f"{context}/{row.pk}"},
                "data": base64.b64encode(data).decode("ascii"),
            },
        )

    return build


BINARY = register(
    FhirType(
        name="Binary",
        # Photos and consent PDFs: the front desk reads neither.
        part=Part.PHOTOS,
        sources=(
            # Read by id only, never part of a patient's bundle: Media, Consent and
            # DocumentReference point at the bytes, which would weigh megabytes a patient.
            Source(
                rows=_photo_bytes,
                build=_binary("photo", "Media"),
                patient=None,
                updated="created_at",
                prefix="photo-",
            ),
            Source(
                rows=_consent_bytes,
                build=_binary("consent", "DocumentReference"),
                patient=None,
                updated="signed_at",
                prefix="consent-",
            ),
        ),
        searchable=False,
        documentation="The bytes of a photo (photo-<id>, image/jpeg) or a signed consent's "
        "PDF (consent-<id>, application/pdf); raw bytes unless FHIR JSON is asked for.",
        extra={"raw": raw},
    )
)
