"""The patient portal's pages: home, sign-up, the questionnaire, the outcome, booking.

(The timeline, calendar, side effects, reminders and account deletion are in
views_care.py.) Views are thin: services change things, selectors read them, always
through the signed-in patient's own record (portal.access).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from allauth.account.views import SignupView
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from mesodesk.clinics import selectors as clinics
from mesodesk.clinics.selectors import clinic_today
from mesodesk.consents.gate import treatment_consent_missing
from mesodesk.core.bounds import check_date, check_id
from mesodesk.core.localtime import zone_label
from mesodesk.core.slots import shown_days
from mesodesk.outcomes import selectors as outcomes
from mesodesk.patients import selectors as patients
from mesodesk.patients.choices import Verdict
from mesodesk.planning.selectors import active_plan
from mesodesk.portal import selectors, services
from mesodesk.portal.access import PatientRequest, not_a_patient, patient_view, portal_clinic
from mesodesk.portal.forms import CancelForm, SignupForm
from mesodesk.portal.intake import IntakeForm, draft_data, initial_for, rows_for
from mesodesk.portal.wording import reasons
from mesodesk.scheduling import selectors as scheduling
from mesodesk.scheduling.choices import AppointmentKind, AppointmentStatus
from mesodesk.scheduling.errors import BookingConflict, WashoutNotMet
from mesodesk.scheduling.selectors import Slot
from mesodesk.scheduling.services import book_appointment, cancel_appointment


def _when(moment: datetime, clinic: Any) -> datetime:
    return moment.astimezone(scheduling.clinic_zone(clinic))


# --- home and sign-up --------------------------------------------------------------------


@require_safe
def home(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    """Anonymous visitors: what the portal is, sign up or sign in. Patients: where they
    stand (questionnaire, outcome, next appointment) and what to do next."""
    clinic = portal_clinic(clinic_slug)
    if not request.user.is_authenticated:
        return render(request, "portal/welcome.html", {"clinic": clinic})
    patient = patients.portal_patient(clinic, request.user)
    if patient is None:
        return not_a_patient(request, clinic)
    screening = patients.current_screening(clinic, patient)
    may_book, _ = patients.session_permission(screening)
    upcoming = scheduling.upcoming_appointments(clinic, patient, limit=5)
    return render(
        request,
        "portal/home.html",
        {
            "clinic": clinic,
            "patient": patient,
            "section": "home",
            "screening": screening,
            "may_book_session": may_book,
            "draft": selectors.intake_draft(clinic, patient),
            "deletion": selectors.pending_deletion(clinic, patient),
            "upcoming": upcoming,
            "next_session": next((a for a in upcoming if a.kind == AppointmentKind.SESSION), None),
            "zone": scheduling.clinic_zone(clinic),
            "to_rate": next(iter(outcomes.sessions_to_rate(clinic, patient)), None),
        },
    )


class PortalSignupView(SignupView):
    """allauth's sign-up, for one clinic: also asks name, birth date and phone."""

    template_name = "portal/signup.html"
    form_class = SignupForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        self.clinic = portal_clinic(kwargs["clinic_slug"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_class(self) -> type[SignupForm]:
        return SignupForm

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["clinic"] = self.clinic
        return kwargs

    def get_success_url(self) -> str:
        return reverse("portal:home", kwargs={"clinic_slug": self.clinic.slug})

    def form_valid(self, form: SignupForm) -> Any:
        # The "check your e-mail" page that follows names the clinic and its sign-up.
        self.request.session["signup_clinic_name"] = self.clinic.name
        self.request.session["signup_clinic_slug"] = self.clinic.slug
        return super().form_valid(form)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["clinic"] = self.clinic
        context["section"] = "signup"
        return context


signup = PortalSignupView.as_view()


class AccountSignupView(SignupView):
    """allauth's own sign-up (/accounts/signup/), which staff invited to a clinic use.
    Reached without an invitation to go back to, it is most likely a patient's: it names
    each clinic's portal sign-up, where a patient's account is tied to their clinic."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if not context.get("redirect_field_value"):
            context["patient_clinics"] = clinics.all_clinics()
        return context


account_signup = AccountSignupView.as_view()


# --- the questionnaire -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@patient_view
def intake(request: PatientRequest, clinic_slug: str) -> HttpResponse:
    """The medical-history questionnaire: save and finish later, add rows, submit."""
    clinic, patient = request.clinic, request.patient
    today = clinic_today(clinic)
    if request.method == "POST":
        rows = rows_for(_posted_rows(request))
        action = request.POST.get("action", "submit")
        data = draft_data(request.POST, rows)
        if action.startswith("add-"):
            rows = rows_for(rows, add=action.removeprefix("add-"))
            services.save_intake_draft(clinic=clinic, patient=patient, data=data, rows=rows)
            anchor = action.removeprefix("add-")
            return HttpResponseRedirect(reverse("portal:intake", args=[clinic.slug]) + f"#{anchor}")
        if action == "keep":
            # Enter pressed in a field: keep what is typed and stay, rather than send
            # answers the patient may not have finished.
            services.save_intake_draft(clinic=clinic, patient=patient, data=data, rows=rows)
            messages.info(request, "Your answers so far are saved. Carry on when you are ready.")
            return redirect("portal:intake", clinic_slug=clinic.slug)
        if action == "save":
            services.save_intake_draft(clinic=clinic, patient=patient, data=data, rows=rows)
            messages.success(
                request, "Your answers are saved. Come back any time to finish the questionnaire."
            )
            return redirect("portal:home", clinic_slug=clinic.slug)
        form = IntakeForm(request.POST, rows=rows, today=today)
        if form.is_valid():
            try:
                services.submit_intake(
                    clinic=clinic,
                    patient=patient,
                    by=request.user,
                    answers=form.answers(),
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, "Thank you. Your answers are with the clinic.")
                return redirect("portal:outcome", clinic_slug=clinic.slug)
        # Nothing entered is lost, even when the form has mistakes.
        services.save_intake_draft(clinic=clinic, patient=patient, data=data, rows=rows)
    else:
        draft = selectors.intake_draft(clinic, patient)
        latest = patients.latest_intake(clinic, patient)
        if draft is not None:
            initial, rows = draft.data, rows_for(draft.rows)
        else:
            initial, rows = initial_for(patient.birth_date, latest.answers if latest else None)
        form = IntakeForm(initial=initial, rows=rows, today=today)
    return render(
        request,
        "portal/intake.html",
        {
            "clinic": clinic,
            "patient": patient,
            "section": "intake",
            "form": form,
            "rows": form.rows,
            "draft": selectors.intake_draft(clinic, patient),
            "has_intake": patients.latest_intake(clinic, patient) is not None,
        },
    )


def _posted_rows(request: HttpRequest) -> dict[str, str]:
    return {
        name: request.POST.get(f"rows-{name}", "0")
        for name in ("medications", "allergies", "procedures")
    }


# --- the outcome -------------------------------------------------------------------------


@require_safe
@patient_view
def outcome(request: PatientRequest, clinic_slug: str) -> HttpResponse:
    """What the screening means for the patient: book, see the clinic first, or not
    suitable, and why, in plain words."""
    clinic, patient = request.clinic, request.patient
    screening = patients.current_screening(clinic, patient)
    state = "none"
    findings: list[dict[str, Any]] = []
    if screening is not None:
        findings = screening.findings
        may_book, _ = patients.may_book_session(clinic, patient)
        if screening.verdict == Verdict.INELIGIBLE:
            state = "not_suitable"
        elif may_book:
            state = "can_book"
        else:
            state = "see_clinic"
    return render(
        request,
        "portal/outcome.html",
        {
            "clinic": clinic,
            "patient": patient,
            "section": "outcome",
            "state": state,
            "screening": screening,
            "not_suitable": reasons(findings, "absolute"),
            "see_clinic": reasons(findings, "relative"),
            "good_to_know": reasons(findings, "caution"),
        },
    )


# --- booking -----------------------------------------------------------------------------


def _kind(value: str | None, may_book_session: bool) -> AppointmentKind:
    if value == AppointmentKind.SESSION and may_book_session:
        return AppointmentKind.SESSION
    return AppointmentKind.CONSULTATION


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@require_http_methods(["GET", "POST"])
@patient_view
def book(request: PatientRequest, clinic_slug: str) -> HttpResponse:
    """Free times for a consultation (always) or a session (when the screening allows),
    and booking one; the patient's upcoming appointments with a way to cancel."""
    clinic, patient = request.clinic, request.patient
    screening = patients.current_screening(clinic, patient)
    may_book, why_not = patients.session_permission(screening)
    # The consent gate: a session needs a signed treatment consent for the plan, which the
    # patient can sign here first (consents.gate).
    plan = active_plan(clinic, patient)
    consent_missing = treatment_consent_missing(patient=patient, plan=plan)
    if consent_missing is not None and may_book:
        may_book, why_not = False, consent_missing
    source = request.POST if request.method == "POST" else request.GET
    kind = _kind(source.get("kind"), may_book)
    error = ""
    washout: WashoutNotMet | None = None
    if request.method == "POST":
        try:
            appointment = _book_posted(request, kind)
        except (ValueError, LookupError):
            error = "Choose one of the times offered."
        except WashoutNotMet as refusal:
            washout = refusal
        except BookingConflict:
            error = "Someone else has just taken that time. Please choose another."
        except ValidationError as refusal:
            error = _plain_refusal(refusal)
        else:
            when = _when(appointment.start, clinic)
            messages.success(
                request,
                f"Your {appointment.get_kind_display().lower()} is booked for "
                f"{when:%A} {when.day} {when:%B %Y at %H:%M}.",
            )
            target = "portal:timeline" if kind is AppointmentKind.SESSION else "portal:book"
            return redirect(target, clinic_slug=clinic.slug)
    start = selectors.search_start(clinic, _date(source.get("from")))
    slots, moved, names = selectors.bookable_slots(clinic, patient, kind, start, plan=plan)
    washout = washout or moved
    zone = scheduling.clinic_zone(clinic)
    shown = shown_days(slots, zone, days=selectors.DAYS_SHOWN, per_day=selectors.TIMES_PER_DAY)
    days = _offered(shown, names)
    return render(
        request,
        "portal/book.html",
        {
            "clinic": clinic,
            "patient": patient,
            "section": "book",
            "kind": kind.value,
            "may_book_session": may_book,
            "why_not": why_not,
            "has_screening": screening is not None,
            "consent_missing": consent_missing,
            "days": days,
            # The day after the last one shown: where "later times" searches from.
            "later_from": days[-1][0] + timedelta(days=1) if days else None,
            "zone_name": zone_label(zone),
            "from": start,
            "error": error,
            "earliest": washout.earliest_start.astimezone(zone) if washout else None,
            "upcoming": scheduling.upcoming_appointments(clinic, patient),
            "zone": zone,
        },
        status=422 if error else 200,
    )


def _offered(
    days: list[tuple[date, list[tuple[Slot, datetime]]]], names: dict[int, str]
) -> list[tuple[date, list[dict[str, Any]]]]:
    """The times shown, as the form's radio buttons: the slot they book (its start,
    practitioner, room and device) and the local time, written here rather than by
    template filters, once for each of the few shown."""
    offered = []
    count = 0
    for day, times in days:
        buttons = []
        for slot, start in times:
            parts = (slot.start.isoformat(), slot.practitioner, slot.room, slot.device or "")
            buttons.append(
                {
                    "value": "|".join(str(part) for part in parts),
                    "datetime": start.isoformat(),
                    "time": f"{start:%H:%M}",
                    "practitioner": names.get(slot.practitioner, ""),
                    "id": f"slot-{count}",
                }
            )
            count += 1
        offered.append((day, buttons))
    return offered


def _book_posted(request: PatientRequest, kind: AppointmentKind) -> Any:
    clinic = request.clinic
    start_text, practitioner_id, room_id, device_id = request.POST["slot"].split("|")
    # A slot is ours, but it comes back from the browser: every part is checked again,
    # and anything out of range is a ValueError ("choose one of the times offered").
    start = check_date(datetime.fromisoformat(start_text), "slot")
    practitioner = clinics.get_practitioner(clinic, _id(practitioner_id))
    room = clinics.get_room(clinic, _id(room_id))
    device = clinics.get_device(clinic, _id(device_id)) if device_id else None
    return book_appointment(
        clinic=clinic,
        patient=request.patient,
        by=request.user,
        kind=kind,
        start=start,
        practitioner=practitioner,
        room=room,
        device=device,
    )


def _id(text: str) -> int:
    return check_id(int(text), "slot")


def _plain_refusal(error: ValidationError) -> str:
    codes = (
        {item.code for items in error.error_dict.values() for item in items}
        if hasattr(error, "error_dict")
        else set()
    )
    if codes & {"ineligible", "not_signed_off", "no_intake"}:
        return "A session cannot be booked yet: please book a consultation first."
    if codes & {"past", "closed", "outside_opening_hours", "not_working"}:
        return "That time is no longer available. Please choose another."
    # Any other refusal speaks the clinic's language (codes, fields): not for patients.
    return "That time can't be booked. Please choose another, or call the clinic."


@require_http_methods(["GET", "POST"])
@patient_view
def cancel(request: PatientRequest, clinic_slug: str, appointment_id: int) -> HttpResponse:
    """Cancels one of the patient's own upcoming appointments, saying why."""
    clinic, patient = request.clinic, request.patient
    appointment = scheduling.patient_appointment(clinic, patient, appointment_id)
    if appointment.status != AppointmentStatus.BOOKED or appointment.start <= timezone.now():
        # Only what is still to come: a past visit stays as the clinic records it.
        messages.info(
            request, "That appointment can no longer be cancelled here. Please call the clinic."
        )
        return redirect("portal:book", clinic_slug=clinic.slug)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cancel_appointment(
                clinic=clinic,
                appointment=appointment,
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form.add_error(None, " ".join(error.messages))
        else:
            messages.success(request, "Your appointment is cancelled.")
            return redirect("portal:book", clinic_slug=clinic.slug)
    return render(
        request,
        "portal/cancel.html",
        {
            "clinic": clinic,
            "patient": patient,
            "section": "book",
            "appointment": appointment,
            "start": _when(appointment.start, clinic),
            "form": form,
        },
    )
