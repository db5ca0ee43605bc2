"""The staff's consent pages: collect one on the clinic's tablet, read a signed one with
its PDF, verify the PDF, record a withdrawal.

Practitioners and admins collect, read and withdraw; front desk sees on the chart that a
consent is signed and when, never its text, signature or PDF (403 here).

The tablet: staff choose the consent and hand the device over. The session then shows
only that consent (`TabletLockMiddleware` sends every other page back to it) until the
staff member who handed it over gives their authenticator code.
"""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from mesodesk.accounts.access import StaffRequest, staff_view
from mesodesk.audit.choices import AccessAction
from mesodesk.audit.selectors import client_ip
from mesodesk.audit.services import record_access, record_read
from mesodesk.consents import selectors, services
from mesodesk.consents.choices import Channel
from mesodesk.consents.forms import ReturnForm, SignForm, WithdrawForm
from mesodesk.consents.gate import treatment_consent_missing
from mesodesk.consents.models import SignedConsent
from mesodesk.consents.services import COLLECTORS, Signature
from mesodesk.consents.web import origin, pdf_response
from mesodesk.patients import selectors as patients
from mesodesk.planning.selectors import active_plan
from mesodesk.workspace.views.common import page

TABLET = "consent_tablet"  # the session key that locks it to the tablet screen


def _signed(request: StaffRequest, consent_id: int) -> SignedConsent:
    consent = selectors.signed_consent(request.clinic, consent_id)  # 404 first, then 403
    if request.membership.role not in COLLECTORS:
        raise PermissionDenied("Front desk sees that a consent is signed, not the consent.")
    return consent


def _safe_next(request: HttpRequest, url: str, default: str) -> str:
    allowed = url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()})
    return url if url and allowed else default


@require_safe
@staff_view(roles=tuple(COLLECTORS))
def collect(request: StaffRequest, clinic_slug: str, patient_id: int) -> HttpResponse:
    """The consents this patient may sign, what the gate misses, and the hand-over."""
    clinic = request.clinic
    patient = patients.get_patient(clinic, patient_id)
    record_read(request, clinic=clinic, obj=patient)
    services.ensure_templates(clinic=clinic)
    chart = reverse("workspace:patient", args=[clinic.slug, patient.pk])
    plan = active_plan(clinic, patient)
    templates = selectors.latest_templates(clinic)
    signed = {
        (c.purpose, c.technique, c.tier)
        for c in selectors.signed_consents(clinic, patient)
        if not selectors.is_withdrawn(c)
    }
    return page(
        request,
        "consents/collect.html",
        "patients",
        {
            "patient": patient,
            "templates": [(t, (t.purpose, t.technique, t.tier) in signed) for t in templates],
            "missing": treatment_consent_missing(patient=patient, plan=plan),
            "next": _safe_next(request, request.GET.get("next", ""), chart),
            "plan": plan,
            "technique": selectors.technique_label(plan.technique) if plan else "",
        },
    )


@require_POST
@staff_view(roles=tuple(COLLECTORS))
def hand_over(request: StaffRequest, clinic_slug: str, patient_id: int) -> HttpResponse:
    """Locks this session to the tablet screen with one consent for the patient."""
    clinic = request.clinic
    patient = patients.get_patient(clinic, patient_id)
    try:
        template = selectors.template(clinic, int(request.POST.get("template", "")))
    except ValueError:
        messages.error(request, "Choose a consent to hand over.")
        return redirect("workspace:consent_collect", clinic_slug=clinic.slug, patient_id=patient.pk)
    chart = reverse("workspace:patient", args=[clinic.slug, patient.pk])
    request.session[TABLET] = {
        "clinic": clinic.slug,
        "patient": patient.pk,
        "template": template.pk,
        "next": _safe_next(request, request.POST.get("next", ""), chart),
        "signed": None,
    }
    return redirect("workspace:consent_tablet", clinic_slug=clinic.slug)


def _tablet_state(request: StaffRequest) -> dict[str, Any] | None:
    state = request.session.get(TABLET)
    if not isinstance(state, dict) or state.get("clinic") != request.clinic.slug:
        return None
    return state


@require_http_methods(["GET", "POST"])
@staff_view(roles=tuple(COLLECTORS))
def tablet(request: StaffRequest, clinic_slug: str) -> HttpResponse:
    """The patient's screen: the consent alone, signed here; then the way back to staff."""
    clinic = request.clinic
    state = _tablet_state(request)
    if state is None:
        return redirect("workspace:today", clinic_slug=clinic.slug)
    patient = patients.get_patient(clinic, state["patient"])
    record_read(request, clinic=clinic, obj=patient)
    template = selectors.template(clinic, state["template"])
    form = SignForm(request.POST or None)
    error = ""
    if request.method == "POST" and state.get("signed") is None and form.is_valid():
        data = form.cleaned_data
        try:
            consent = services.sign_consent(
                clinic=clinic,
                patient=patient,
                template=template,
                signature=Signature(data["signer_name"], data["strokes"], data["relationship"]),
                origin=origin(request, Channel.TABLET, request.user),
            )
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        else:
            state["signed"] = consent.pk
            request.session[TABLET] = state
            return redirect("workspace:consent_tablet", clinic_slug=clinic.slug)
    return render(
        request,
        "consents/tablet.html",
        {
            "clinic": clinic,
            "patient": patient,
            "template": template,
            "form": form,
            "error": error,
            "signed": state.get("signed") is not None,
            "return_form": ReturnForm(),
            "action": reverse("workspace:consent_tablet", args=[clinic.slug]),
        },
        status=422 if error or (request.method == "POST" and form.errors) else 200,
    )


@require_POST
@staff_view(roles=tuple(COLLECTORS))
def tablet_return(request: StaffRequest, clinic_slug: str) -> HttpResponse:
    """Gives the session back to the staff member: only with their authenticator code."""
    clinic = request.clinic
    state = _tablet_state(request)
    if state is None:
        return redirect("workspace:today", clinic_slug=clinic.slug)
    form = ReturnForm(request.POST)
    code = form.data.get("code", "").strip()
    totp = Authenticator.objects.filter(user=request.user, type=Authenticator.Type.TOTP).first()
    if totp is not None and code and TOTP(totp).validate_code(code):
        del request.session[TABLET]
        if state.get("signed"):
            messages.success(request, "The consent is signed; its PDF is on the chart.")
        return redirect(state.get("next") or "workspace:today", clinic_slug=clinic.slug)
    messages.error(request, "That code is not right: the screen stays with the patient.")
    return redirect("workspace:consent_tablet", clinic_slug=clinic.slug)


def _consent_page(request: StaffRequest, consent: SignedConsent, **extra: Any) -> HttpResponse:
    record_read(request, clinic=request.clinic, obj=consent, patient=consent.patient)
    return page(
        request,
        "consents/consent.html",
        "patients",
        {
            "consent": consent,
            "patient": consent.patient,
            "withdrawn": selectors.is_withdrawn(consent),
            "withdraw_form": extra.pop("withdraw_form", None) or WithdrawForm(),
            "paragraphs": [p.strip() for p in consent.text.split("\n\n") if p.strip()],
        }
        | extra,
    )


@require_safe
@staff_view()
def consent_page(request: StaffRequest, clinic_slug: str, consent_id: int) -> HttpResponse:
    """A signed consent as it was signed, its SHA-256, and its PDF."""
    return _consent_page(request, _signed(request, consent_id))


@require_safe
@staff_view()
def consent_pdf(request: StaffRequest, clinic_slug: str, consent_id: int) -> HttpResponse:
    consent = _signed(request, consent_id)
    record_access(
        clinic=request.clinic,
        user=request.user,
        action=AccessAction.DOWNLOAD,
        obj=consent,
        patient=consent.patient,
        ip=client_ip(request),
        path=request.path,
    )
    return pdf_response(consent)


@require_POST
@staff_view()
def verify(request: StaffRequest, clinic_slug: str, consent_id: int) -> HttpResponse:
    """Recomputes the stored PDF's SHA-256 and says whether it is intact."""
    consent = _signed(request, consent_id)
    return _consent_page(request, consent, verification=selectors.verify(consent))


@require_POST
@staff_view()
def withdraw(request: StaffRequest, clinic_slug: str, consent_id: int) -> HttpResponse:
    """Records the patient's withdrawal of the consent (told to staff)."""
    consent = _signed(request, consent_id)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.withdraw_consent(
                clinic=request.clinic,
                consent=consent,
                by=request.user,
                channel=Channel.TABLET,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as refusal:
            messages.error(request, " ".join(refusal.messages))
        else:
            messages.success(request, "The withdrawal is recorded.")
        return redirect("workspace:consent", clinic_slug=clinic_slug, consent_id=consent.pk)
    return _consent_page(request, consent, withdraw_form=form)
