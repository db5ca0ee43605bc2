"""Treatment plans in the workspace: a practitioner (or admin) plans a series from the
chart, changes it (saying first what the change does to booked sessions) and closes it;
the plan page shows the planned sessions and which are booked. The front desk sees the
series (sessions, dates, appointments), never the plan's clinical content."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from mesodesk.accounts.access import StaffRequest, staff_view
from mesodesk.audit.services import record_read
from mesodesk.clinics.reading import Part, may_read
from mesodesk.core.library import Library, load_library
from mesodesk.inventory import selectors as inventory
from mesodesk.patients import selectors as patients
from mesodesk.patients.models import Patient
from mesodesk.planning import selectors as plans
from mesodesk.planning import services
from mesodesk.planning.choices import PlanStatus
from mesodesk.planning.models import TreatmentPlan
from mesodesk.scheduling.choices import AppointmentStatus
from mesodesk.scheduling.rules import needed_device_type
from mesodesk.scheduling.selectors import clinic_zone
from mesodesk.workspace.forms import add_service_errors
from mesodesk.workspace.forms_plans import PlanForm
from mesodesk.workspace.views.booking import series_rows
from mesodesk.workspace.views.chart import cite
from mesodesk.workspace.views.common import clinic_today, may_plan, page


def _require_planner(request: StaffRequest) -> None:
    if not may_plan(request):
        raise PermissionDenied("Only practitioners and admins plan treatments.")


def _plan_of(request: StaffRequest, patient_id: int, plan_id: int) -> TreatmentPlan:
    plan = plans.get_plan(request.clinic, plan_id)
    if plan.patient_id != patient_id:
        raise Http404("No such plan for this patient.")
    return plan


def _to_plan(request: StaffRequest, plan: TreatmentPlan) -> HttpResponse:
    return redirect(
        "workspace:plan",
        clinic_slug=request.clinic.slug,
        patient_id=plan.patient_id,
        plan_id=plan.pk,
    )


def _stocked(request: StaffRequest, library: Library) -> dict[str, list[str]]:
    """For each library ingredient, the names of the clinic's active products holding it."""
    held = inventory.products_holding(
        request.clinic, list(library.ingredients), on=clinic_today(request)
    )
    return {code: [p.name for p in products] for code, products in held.items()}


def _words(code: str) -> str:
    return code.replace("_", " ")


def _device_label(plan: TreatmentPlan, library: Library) -> str:
    needed = needed_device_type(plan, library)
    return library.device_types[needed].label if needed else ""


def _form_page(
    request: StaffRequest,
    patient: Patient,
    form: PlanForm,
    *,
    plan: TreatmentPlan | None = None,
    changes: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    return page(
        request,
        "workspace/plan_form.html",
        "patients",
        {
            "patient": patient,
            "form": form,
            "plan": plan,
            "changes": changes,
            "active_plan": None if plan else plans.active_plan(request.clinic, patient),
        },
        status=status,
    )


def _service_errors(form: PlanForm, error: ValidationError) -> None:
    """The service's refusal next to the field it names (its first session is two)."""
    if hasattr(error, "error_dict") and "first_session" in error.error_dict:
        error = ValidationError(
            {
                ("first_date" if key == "first_session" else key): value
                for key, value in error.error_dict.items()
            }
        )
    add_service_errors(form, error)


@require_http_methods(["GET", "POST"])
@staff_view()
def plan_new(request: StaffRequest, clinic_slug: str, patient_id: int) -> HttpResponse:
    """A new plan: its series is planned around closures and the patient screened again."""
    clinic = request.clinic
    patient = patients.get_patient(clinic, patient_id)
    _require_planner(request)
    record_read(request, clinic=clinic, obj=patient)
    library = load_library()
    initial = {
        "technique": "manual_needle",
        "schedule_template": "biweekly_series",
        "first_date": clinic_today(request) + timedelta(days=7),
    }
    form = PlanForm(
        request.POST or None,
        library=library,
        initial=initial,
        products=_stocked(request, library),
    )
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                plan = services.create_plan(
                    clinic=clinic,
                    patient=patient,
                    by=request.user,
                    indication=data["indication"],
                    areas=data["areas"],
                    ingredients=data["ingredients"],
                    technique=data["technique"],
                    massage_approved=data["massage_approved"],
                    schedule_template=data["schedule_template"],
                    sessions=data["sessions"],
                    first_session=form.first_session(clinic_zone(clinic)),
                )
            except ValidationError as error:
                _service_errors(form, error)
            else:
                messages.success(
                    request, f"Planned: {plan.session_count} sessions. Screened again with it."
                )
                return redirect(
                    "workspace:plan",
                    clinic_slug=clinic_slug,
                    patient_id=patient.pk,
                    plan_id=plan.pk,
                )
        return _form_page(request, patient, form, status=422)
    return _form_page(request, patient, form)


def _initial(request: StaffRequest, plan: TreatmentPlan) -> dict[str, Any]:
    first = plan.sessions.all()[0].starts_at.astimezone(clinic_zone(request.clinic))
    return {
        "indication": plan.indication,
        "areas": plan.areas,
        "ingredients": plan.ingredients,
        "technique": plan.technique,
        "massage_approved": plan.massage_approved,
        "schedule_template": plan.schedule_template,
        "sessions": plan.session_count,
        "first_date": first.date(),
        "first_time": first.time().replace(second=0, microsecond=0),
    }


def _changed(request: StaffRequest, plan: TreatmentPlan, form: PlanForm) -> dict[str, Any]:
    """The service's arguments for what the form changes, and only that."""
    before, data = _initial(request, plan), form.cleaned_data
    changes = {
        key: data[key]
        for key in ("indication", "technique", "massage_approved", "schedule_template")
        if data[key] != before[key]
    }
    for key in ("areas", "ingredients"):
        if list(data[key]) != list(before[key]):
            changes[key] = data[key]
    if data["sessions"] is not None and data["sessions"] != before["sessions"]:
        changes["sessions"] = data["sessions"]
    if (data["first_date"], data["first_time"]) != (before["first_date"], before["first_time"]):
        changes["first_session"] = form.first_session(clinic_zone(request.clinic))
    return changes


def _sessions(first: int, last: int) -> str:
    """ "Session 8 is" or "Sessions 7–8 are"."""
    return f"Session {first} is" if first == last else f"Sessions {first}–{last} are"


def what_changes(
    plan: TreatmentPlan, changes: dict[str, Any], held: dict[int, str], library: Library
) -> list[str]:
    """What changing `plan` by `changes` does, in sentences, for the confirmation."""
    booked = sorted(n for n, status in held.items() if status == AppointmentStatus.BOOKED)
    others = len(held) - len(booked)
    out = []
    if booked:
        many = len(booked) > 1
        out.append(
            f"{len(booked)} booked session{'s' if many else ''} ({', '.join(map(str, booked))}) "
            f"keep{'' if many else 's'} {'their' if many else 'its'} date and appointment."
        )
    if others:
        out.append(f"{others} session{'s' if others > 1 else ''} already held stay as recorded.")
    count = changes.get("sessions")
    if count is not None and count > plan.session_count:
        out.append(f"{_sessions(plan.session_count + 1, count)} added after the last.")
    elif count is not None and count < plan.session_count:
        out.append(f"{_sessions(count + 1, plan.session_count)} removed.")
    if "first_session" in changes or "schedule_template" in changes:
        out.append("The whole series is planned again from the first session.")
    if "technique" in changes and booked:
        changed = TreatmentPlan(technique=changes["technique"])
        if _device_label(changed, library) != _device_label(plan, library):
            needs = _device_label(changed, library).lower() or "no device"
            out.append(
                f"The new technique needs {needs}: the booked sessions keep the device they "
                "were booked with — check them."
            )
    out.append("The patient is screened again with the changed plan.")
    if held:
        out.append("The reminders of the plan's appointments are recomputed.")
    return out


@require_http_methods(["GET", "POST"])
@staff_view()
def plan_edit(
    request: StaffRequest, clinic_slug: str, patient_id: int, plan_id: int
) -> HttpResponse:
    """Changes a plan; when sessions have appointments it first says what the change does,
    and asks to confirm."""
    clinic = request.clinic
    plan = _plan_of(request, patient_id, plan_id)
    _require_planner(request)
    record_read(request, clinic=clinic, obj=plan, patient=plan.patient)
    if plan.status != PlanStatus.ACTIVE:
        messages.info(request, "This plan is closed: it can no longer be changed.")
        return redirect(
            "workspace:plan", clinic_slug=clinic_slug, patient_id=patient_id, plan_id=plan_id
        )
    library = load_library()
    if request.method == "GET":
        form = PlanForm(
            initial=_initial(request, plan), library=library, products=_stocked(request, library)
        )
        return _form_page(request, plan.patient, form, plan=plan)
    form = PlanForm(request.POST, library=library, products=_stocked(request, library))
    if not form.is_valid():
        return _form_page(request, plan.patient, form, plan=plan, status=422)
    changes = _changed(request, plan, form)
    if not changes:
        messages.info(request, "Nothing changed.")
        return redirect(
            "workspace:plan", clinic_slug=clinic_slug, patient_id=patient_id, plan_id=plan_id
        )
    held = services.held_sessions(clinic, plan)
    if held and request.POST.get("confirm") != "yes":
        summary = what_changes(plan, changes, held, library)
        return _form_page(request, plan.patient, form, plan=plan, changes=summary)
    try:
        services.update_plan(clinic=clinic, plan=plan, by=request.user, **changes)
    except ValidationError as error:
        _service_errors(form, error)
        return _form_page(request, plan.patient, form, plan=plan, status=422)
    messages.success(request, "The plan is changed; the patient was screened again with it.")
    return redirect(
        "workspace:plan", clinic_slug=clinic_slug, patient_id=patient_id, plan_id=plan_id
    )


@require_POST
@staff_view()
def plan_close(
    request: StaffRequest, clinic_slug: str, patient_id: int, plan_id: int
) -> HttpResponse:
    """Closes the plan (finished or abandoned); booked sessions stay booked."""
    plan = _plan_of(request, patient_id, plan_id)
    _require_planner(request)
    try:
        services.close_plan(clinic=request.clinic, plan=plan, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The plan is closed. A new one can be planned.")
    return redirect(
        "workspace:plan", clinic_slug=clinic_slug, patient_id=patient_id, plan_id=plan_id
    )


@require_safe
@staff_view()
def plan_detail(
    request: StaffRequest, clinic_slug: str, patient_id: int, plan_id: int
) -> HttpResponse:
    """The plan: what it treats and with what (practitioners, admins), the screening with
    it, the device type it needs, and its sessions with their dates and appointments."""
    clinic = request.clinic
    plan = _plan_of(request, patient_id, plan_id)
    # Reading a plan is reading the patient's record.
    patient = patients.get_patient_for_read(clinic, patient_id, user=request.user, request=request)
    library = load_library()
    clinical = may_read(request.membership, Part.PLAN)
    screening = patients.current_screening(clinic, patient) if clinical else None
    rows = series_rows(clinic, plan)
    context: dict[str, Any] = {
        "patient": patient,
        "plan": plan,
        "active": plan.status == PlanStatus.ACTIVE,
        "clinical": clinical,
        "rows": rows,
        "open_count": sum(1 for r in rows if r["appointment"] is None),
        "template": library.schedules[plan.schedule_template].label
        if plan.schedule_template in library.schedules
        else _words(plan.schedule_template),
        "device_label": _device_label(plan, library),
        "screening": screening,
        "screening_of_plan": screening is not None and screening.plan_id == plan.pk,
        "today_day": clinic_today(request),
    }
    if clinical:
        terms = library.indications, library.areas, library.ingredients, library.techniques
        context |= {
            "indication": _label(terms[0], plan.indication),
            "areas": ", ".join(_label(terms[1], a) for a in plan.areas),
            "ingredients": ", ".join(_label(terms[2], i) for i in plan.ingredients),
            "technique": _label(terms[3], plan.technique),
            # The clinic's products that hold the cocktail, with what may be charted now.
            "holding": [
                (_label(terms[2], code), products)
                for code, products in inventory.products_holding(
                    clinic, list(plan.ingredients), on=clinic_today(request)
                ).items()
            ],
            "may_manage_stock": inventory.may_manage_stock(request.membership),
            "findings": [
                (finding, cite(library, finding.get("sources")))
                for finding in (screening.findings if screening else [])
            ],
        }
        context["may_book"], context["booking_reason"] = patients.may_book_session(
            clinic, patient, request.membership
        )
    return page(request, "workspace/plan.html", "patients", context)


def _label(terms: Any, code: str) -> str:
    term = terms.get(code)
    return term.label if term is not None else _words(code)
