"""The patient's consent pages in the portal: read and sign before the visit, the signed
PDFs under Documents, and withdrawing one. Signed here, a consent has no collector."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from mesodesk.consents import selectors, services
from mesodesk.consents.choices import Channel
from mesodesk.consents.forms import SignForm
from mesodesk.consents.gate import treatment_consent_missing
from mesodesk.consents.models import SignedConsent
from mesodesk.consents.services import Signature
from mesodesk.consents.web import origin, pdf_response
from mesodesk.planning.selectors import active_plan
from mesodesk.portal.access import PatientRequest, patient_view


def _own(request: PatientRequest, consent_id: int) -> SignedConsent:
    consent = selectors.signed_consent(request.clinic, consent_id)
    if consent.patient_id != request.patient.pk:
        raise Http404("No such consent.")
    return consent


@require_safe
@patient_view
def consents(request: PatientRequest, clinic_slug: str) -> HttpResponse:
    """What the clinic asks the patient to sign, and the documents signed."""
    clinic, patient = request.clinic, request.patient
    services.ensure_templates(clinic=clinic)
    signed = list(selectors.signed_consents(clinic, patient))
    valid = {(c.purpose, c.technique, c.tier) for c in signed if not selectors.is_withdrawn(c)}
    plan = active_plan(clinic, patient)
    templates = selectors.latest_templates(clinic)
    # The plan's own consents first: those the session needs.
    needed = {("treatment", plan.technique, "")} if plan else set()
    return render(
        request,
        "consents/portal_consents.html",
        {
            "clinic": clinic,
            "patient": patient,
            "section": "consents",
            "missing": treatment_consent_missing(patient=patient, plan=plan),
            "to_sign": [
                (t, (t.purpose, t.technique, t.tier) in needed)
                for t in sorted(
                    templates, key=lambda t: (t.purpose, t.technique, t.tier) not in needed
                )
                if (t.purpose, t.technique, t.tier) not in valid
            ],
            "documents": signed,
        },
    )


@require_http_methods(["GET", "POST"])
@patient_view
def sign(request: PatientRequest, clinic_slug: str, template_id: int) -> HttpResponse:
    """One consent to read and sign (typed name, or drawn with the typed name)."""
    clinic, patient = request.clinic, request.patient
    template = selectors.template(clinic, template_id)
    form = SignForm(request.POST or None, initial={"signer_name": ""})
    error = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.sign_consent(
                clinic=clinic,
                patient=patient,
                template=template,
                signature=Signature(data["signer_name"], data["strokes"], data["relationship"]),
                origin=origin(request, Channel.PORTAL, None),
            )
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        else:
            messages.success(request, f"Signed: {template.title}. The PDF is under Documents.")
            return redirect("portal:consents", clinic_slug=clinic.slug)
    return render(
        request,
        "consents/portal_sign.html",
        {
            "clinic": clinic,
            "patient": patient,
            "section": "consents",
            "template": template,
            "form": form,
            "error": error,
            "action": reverse("portal:consent_sign", args=[clinic.slug, template.pk]),
        },
        status=422 if error or form.errors else 200,
    )


@require_safe
@patient_view
def pdf(request: PatientRequest, clinic_slug: str, consent_id: int) -> HttpResponse:
    return pdf_response(_own(request, consent_id))


@require_POST
@patient_view
def withdraw(request: PatientRequest, clinic_slug: str, consent_id: int) -> HttpResponse:
    consent = _own(request, consent_id)
    try:
        services.withdraw_consent(
            clinic=request.clinic, consent=consent, by=None, channel=Channel.PORTAL
        )
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    else:
        messages.success(request, f"Withdrawn: {consent.title}. The clinic can see this.")
    return redirect("portal:consents", clinic_slug=clinic_slug)
