"""Consents: the clinic's consent texts, signing one (a drawn or typed signature
collected by the caller), a signed consent's status, version and SHA-256, its PDF,
verifying the PDF, and withdrawing.

Roles as on the web: every member lists the texts and which consents a patient has signed
(status only); practitioners and admins sign, read a consent, download and verify its
PDF and record a withdrawal (front desk 403). Reads of a consent and downloads of its PDF
write access events.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status
from pydantic import Field

from mesodesk.accounts.access import require_role
from mesodesk.api.common import caller, local, member, responses
from mesodesk.api.schemas import Error
from mesodesk.api.types import Id
from mesodesk.audit.choices import AccessAction
from mesodesk.audit.selectors import client_ip
from mesodesk.audit.services import record_access
from mesodesk.clinics.models import Membership
from mesodesk.consents import selectors, services
from mesodesk.consents.choices import Channel
from mesodesk.consents.models import SignedConsent
from mesodesk.consents.services import COLLECTORS, Signature
from mesodesk.consents.web import origin, pdf_response
from mesodesk.patients import selectors as patients

router = Router(tags=["consents"])


class TemplateOut(Schema):
    id: int
    purpose: str = Field(description="treatment, lipolysis, photography or marketing")
    technique: str = Field(description="The technique a treatment consent covers, else empty")
    tier: str = Field(description="clinical, teaching or publication for photography")
    version: int
    title: str
    text: str
    sources: str


class ConsentStatusOut(Schema):
    """All that front desk may know of a consent: that it is signed, and still valid."""

    id: int
    title: str
    purpose: str
    status: str = Field(description="valid or withdrawn")
    signed_at: datetime


class ConsentOut(ConsentStatusOut):
    patient_id: int
    technique: str
    tier: str
    template_id: int
    template_version: int
    signer_name: str
    representative_relationship: str
    method: str = Field(description="drawn or typed")
    channel: str = Field(description="portal, tablet, api or imported")
    collected_by_id: int | None
    withdrawn_at: datetime | None
    sha256: str = Field(description="SHA-256 of the PDF, kept at signing (hex)")


class SignIn(Schema):
    template_id: Id = Field(description="The latest version of a consent text (see templates)")
    signer_name: str = Field(min_length=1, max_length=200)
    representative_relationship: str = Field(
        default="", max_length=100, description="Empty when the patient signs themselves"
    )
    strokes: str = Field(
        default="",
        max_length=60000,
        description="A drawn signature: strokes separated by ';', points 'x,y' separated by"
        " spaces, in a 600 x 200 box; empty for a typed name",
    )


class WithdrawIn(Schema):
    reason: str = Field(default="", max_length=2000)


class VerificationOut(Schema):
    intact: bool
    stored_sha256: str
    computed_sha256: str
    detail: str


def _status(consent: SignedConsent) -> str:
    return "withdrawn" if selectors.is_withdrawn(consent) else "valid"


def consent_out(consent: SignedConsent, membership: Membership) -> ConsentOut:
    clinic = membership.clinic
    withdrawal = getattr(consent, "withdrawal", None)
    return ConsentOut(
        id=consent.pk,
        title=consent.title,
        purpose=consent.purpose,
        status=_status(consent),
        signed_at=local(consent.signed_at, clinic),  # type: ignore[arg-type]
        patient_id=consent.patient_id,
        technique=consent.technique,
        tier=consent.tier,
        template_id=consent.template_id,
        template_version=consent.template_version,
        signer_name=consent.signer_name,
        representative_relationship=consent.representative_relationship,
        method=consent.method,
        channel=consent.channel,
        collected_by_id=consent.collected_by_id,
        withdrawn_at=local(withdrawal.at, clinic) if withdrawal else None,
        sha256=consent.sha256,
    )


def _collector_consent(
    request: HttpRequest, clinic: str, consent_id: int, action: str = AccessAction.READ
) -> tuple[Membership, SignedConsent]:
    membership = member(request, clinic)
    # The object first: another clinic's id is a 404 whatever the caller's role.
    consent = selectors.signed_consent(membership.clinic, consent_id)
    require_role(membership, *COLLECTORS)
    record_access(
        clinic=membership.clinic,
        user=caller(request),
        action=action,
        obj=consent,
        patient=consent.patient,
        ip=client_ip(request),
        path=request.path,
    )
    return membership, consent


@router.get(
    "/clinics/{clinic}/consent-templates",
    response=responses(list[TemplateOut]),
    summary="The clinic's consent texts, the latest version of each",
)
def list_templates(request: HttpRequest, clinic: str) -> list[TemplateOut]:
    membership = member(request, clinic)
    services.ensure_templates(clinic=membership.clinic)
    return [
        TemplateOut(
            id=t.pk,
            purpose=t.purpose,
            technique=t.technique,
            tier=t.tier,
            version=t.version,
            title=t.title,
            text=t.text,
            sources=t.sources,
        )
        for t in selectors.latest_templates(membership.clinic)
    ]


@router.get(
    "/clinics/{clinic}/patients/{patient_id}/consents",
    response=responses(list[ConsentStatusOut]),
    summary="Which consents a patient has signed, and whether each is still valid",
)
def list_consents(request: HttpRequest, clinic: str, patient_id: int) -> list[ConsentStatusOut]:
    membership = member(request, clinic)
    patient = patients.get_patient(membership.clinic, patient_id)
    record_access(
        clinic=membership.clinic,
        user=caller(request),
        action=AccessAction.READ,
        obj=patient,
        ip=client_ip(request),
        path=request.path,
    )
    return [
        ConsentStatusOut(
            id=s.id,
            title=s.title,
            purpose=s.purpose,
            status="withdrawn" if s.withdrawn else "valid",
            signed_at=local(s.signed_at, membership.clinic),  # type: ignore[arg-type]
        )
        for s in selectors.statuses(membership.clinic, patient)
    ]


@router.post(
    "/clinics/{clinic}/patients/{patient_id}/consents",
    response=responses(ConsentOut, 400, status=201),
    summary="Sign a consent (collected by the caller; the PDF and its SHA-256 are kept)",
)
def sign_consent(
    request: HttpRequest, clinic: str, patient_id: int, body: SignIn
) -> Status[ConsentOut]:
    membership = member(request, clinic)
    patient = patients.get_patient(membership.clinic, patient_id)
    template = selectors.template(membership.clinic, body.template_id)
    require_role(membership, *COLLECTORS)
    consent = services.sign_consent(
        clinic=membership.clinic,
        patient=patient,
        template=template,
        signature=Signature(body.signer_name, body.strokes, body.representative_relationship),
        origin=origin(request, Channel.API, caller(request)),
    )
    fresh = selectors.signed_consent(membership.clinic, consent.pk)
    return Status(201, consent_out(fresh, membership))


@router.get(
    "/clinics/{clinic}/consents/{consent_id}",
    response=responses(ConsentOut),
    summary="A signed consent: status, text version, signed at, the PDF's SHA-256",
)
def read_consent(request: HttpRequest, clinic: str, consent_id: int) -> ConsentOut:
    membership, consent = _collector_consent(request, clinic, consent_id)
    return consent_out(consent, membership)


PDF_ANSWER = {
    "responses": {
        "200": {
            "description": "The PDF/A-3b as stored; its SHA-256 is the consent's `sha256`",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


@router.get(
    "/clinics/{clinic}/consents/{consent_id}/pdf",
    response={401: Error, 403: Error, 404: Error, 422: Error},
    summary="The signed consent's PDF (the bytes whose SHA-256 was kept at signing)",
    openapi_extra=PDF_ANSWER,
)
def consent_pdf(request: HttpRequest, clinic: str, consent_id: int) -> HttpResponse:
    _, consent = _collector_consent(request, clinic, consent_id, AccessAction.DOWNLOAD)
    return pdf_response(consent)


@router.post(
    "/clinics/{clinic}/consents/{consent_id}/verify",
    response=responses(VerificationOut),
    summary="Recompute the stored PDF's SHA-256 and say whether it is intact",
)
def verify_consent(request: HttpRequest, clinic: str, consent_id: int) -> VerificationOut:
    _, consent = _collector_consent(request, clinic, consent_id)
    result = selectors.verify(consent)
    return VerificationOut(
        intact=result.intact,
        stored_sha256=result.stored,
        computed_sha256=result.computed,
        detail=result.message,
    )


@router.post(
    "/clinics/{clinic}/consents/{consent_id}/withdraw",
    response=responses(ConsentOut, 400),
    summary="Record that the patient withdrew the consent",
)
def withdraw_consent(
    request: HttpRequest, clinic: str, consent_id: int, body: WithdrawIn
) -> ConsentOut:
    membership, consent = _collector_consent(request, clinic, consent_id)
    services.withdraw_consent(
        clinic=membership.clinic,
        consent=consent,
        by=caller(request),
        channel=Channel.API,
        reason=body.reason,
    )
    return consent_out(selectors.signed_consent(membership.clinic, consent.pk), membership)
