"""The session record page and every change to it: open, numbing, administrations with
the map, observations, signing, addenda, entered in error.

Practitioners chart and sign; admins read; front desk sees that a record exists and its
status (the same URL shows them a page without content). Every page that shows content
writes an access event (`charting.selectors.read_record`).
"""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST, require_safe

from mesodesk.accounts.access import StaffRequest, staff_view
from mesodesk.charting import selectors, services
from mesodesk.charting.choices import Diagram, Prefill, RecordStatus
from mesodesk.charting.diagrams import diagram_for_area, drawing, spread
from mesodesk.charting.errors import NeedsReason
from mesodesk.charting.models import SessionRecord
from mesodesk.charting.services import MapPoint
from mesodesk.consents.refusals import collect_consent, consent_missing
from mesodesk.core.library import load_library
from mesodesk.inventory.errors import LotRefused
from mesodesk.inventory.models import Lot
from mesodesk.planning.selectors import active_plan
from mesodesk.scheduling import selectors as scheduling
from mesodesk.scheduling.choices import AppointmentKind, AppointmentStatus
from mesodesk.workspace.forms import add_service_errors
from mesodesk.workspace.views.common import clinic_today, page
from mesodesk.workspace.views_charting import maps
from mesodesk.workspace.views_charting.forms import (
    ZONE_ROWS,
    AddendumForm,
    AdministrationForm,
    EnteredInErrorForm,
    NumbingForm,
    ObservationsForm,
)
from mesodesk.workspace.views_charting.scan import lot_of_barcode

TEMPLATE = "workspace/charting/record.html"


def _back(request: StaffRequest, record: SessionRecord, anchor: str = "") -> HttpResponse:
    response = redirect("workspace:record", clinic_slug=request.clinic.slug, record_id=record.pk)
    response["Location"] += anchor
    return response


def _diagram(request: StaffRequest, record: SessionRecord) -> str:
    asked = request.GET.get("diagram") or request.POST.get("diagram")
    if asked in Diagram.values:
        return asked
    return diagram_for_area(record.areas[0]) if record.areas else Diagram.FACE_FRONT


def _local(request: StaffRequest, value: datetime | None) -> time | None:
    if value is None:
        return None
    return value.astimezone(scheduling.clinic_zone(request.clinic)).time().replace(second=0)


def _record_page(
    request: StaffRequest,
    record_id: int,
    *,
    numbing_form: NumbingForm | None = None,
    administration_form: AdministrationForm | None = None,
    observations_form: ObservationsForm | None = None,
    addendum_form: AddendumForm | None = None,
    refusal: LotRefused | None = None,
    warnings: list[Any] | None = None,
    posted_points: list[MapPoint] | None = None,
    status: int = 200,
) -> HttpResponse:
    clinic = request.clinic
    record_only = selectors.get_record(clinic, record_id)
    if not selectors.may_read_content(request.membership):
        return page(
            request,
            "workspace/charting/record_status.html",
            "patients",
            {"record": record_only, "patient": record_only.patient},
            status=status,
        )
    record = selectors.read_record(clinic, record_id, member=request.membership, request=request)
    library = load_library()
    administrations = list(record.administrations.all())
    for n, given in enumerate(administrations):
        technique = library.injection_techniques.get(given.technique)
        given.colour = n % maps.COLOURS  # type: ignore[attr-defined]
        given.technique_label = technique.label if technique else given.technique  # type: ignore[attr-defined]
    diagram = _diagram(request, record)
    shown, points, legend = maps.record_map(administrations, diagram)
    draft = record.status == RecordStatus.DRAFT
    may_chart = selectors.may_chart(request.membership)
    context: dict[str, Any] = {
        "record": record,
        "patient": record.patient,
        "appointment": record.appointment,
        "draft": draft,
        "may_chart": may_chart,
        "library": library,
        "areas": _areas(record, administrations, library),
        "drawing": shown,
        "mirrored": shown.diagram == Diagram.FACE_RIGHT,
        "points": points,
        "legend": legend,
        "diagram_links": maps.diagram_links(),
        "diagrams_used": maps.diagrams_used(administrations),
        "addenda": list(record.addenda.all()),
        "error_form": EnteredInErrorForm(),
        "numbing_minutes": library.session.numbing_minutes,
        "refusal": refusal,
        "warnings": warnings or [],
    }
    if draft and may_chart:
        lots = selectors.lots_for_charting(clinic, on=clinic_today(request))
        context |= {
            "numbing_form": numbing_form
            or NumbingForm(
                initial={
                    "product": record.numbing_product,
                    "on_at": _local(request, record.numbing_on_at),
                    "off_at": _local(request, record.numbing_off_at),
                    "reason": record.numbing_short_reason,
                }
            ),
            "administration_form": administration_form
            or AdministrationForm(
                clinic=clinic,
                library=library,
                lots=lots,
                drawing=shown,
                initial={
                    "area": record.areas[0] if record.areas else None,
                    "diagram": diagram,
                    "technique": "nappage",
                },
            ),
            "observations_form": observations_form
            or ObservationsForm(
                initial={
                    "pain_score": record.pain_score,
                    "immediate_reactions": record.immediate_reactions,
                    "notes": record.notes,
                }
            ),
            "placed": maps.placed(posted_points or [], shown),
            "suggested": selectors.suggested_products(clinic, record),
            "has_lots": bool(lots),
        }
    if not draft and may_chart:
        context["addendum_form"] = addendum_form or AddendumForm()
    return page(request, TEMPLATE, "patients", context, status=status)


def _areas(record: SessionRecord, administrations: list[Any], library: Any) -> list[dict[str, Any]]:
    codes = list(dict.fromkeys([*record.areas, *(a.area for a in administrations)]))
    return [
        {
            "code": code,
            "label": library.areas[code].label if code in library.areas else code,
            "administrations": [a for a in administrations if a.area == code],
        }
        for code in codes
    ]


@require_safe
@staff_view()
def record_page(request: StaffRequest, clinic_slug: str, record_id: int) -> HttpResponse:
    """The session record: content for practitioners and admins, status for front desk."""
    return _record_page(request, record_id)


def _chartable(request: StaffRequest, record_id: int) -> SessionRecord:
    """The record, for a practitioner (another clinic's record is a 404 first)."""
    record = selectors.get_record(request.clinic, record_id)
    if not selectors.may_chart(request.membership):
        raise PermissionDenied("Only a practitioner charts a session.")
    return record


@require_POST
@staff_view()
def open_record(request: StaffRequest, clinic_slug: str, appointment_id: int) -> HttpResponse:
    """Opens the appointment's record (or goes to the one it has)."""
    appointment = scheduling.get_appointment(request.clinic, appointment_id)
    existing = selectors.record_of_appointment(request.clinic, appointment)
    if existing is not None:
        return _back(request, existing)
    if not selectors.may_chart(request.membership):
        raise PermissionDenied("Only a practitioner charts a session.")
    start_from = request.POST.get("start_from") or None
    if start_from not in (None, *Prefill.values):
        start_from = None
    try:
        record = services.open_record(
            clinic=request.clinic, appointment=appointment, by=request.user, start_from=start_from
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        if consent_missing(error):
            return collect_consent(request, appointment)
        return redirect(
            "workspace:appointment", clinic_slug=clinic_slug, appointment_id=appointment.pk
        )
    messages.success(request, "The session record is open.")
    return _back(request, record)


@require_POST
@staff_view()
def numbing(request: StaffRequest, clinic_slug: str, record_id: int) -> HttpResponse:
    """The numbing cream, its times, and a reason when it was shorter than the library's."""
    record = _chartable(request, record_id)
    form = NumbingForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        day = record.appointment.start.astimezone(scheduling.clinic_zone(request.clinic)).date()
        zone = scheduling.clinic_zone(request.clinic)

        def at(value: time | None) -> datetime | None:
            return datetime.combine(day, value, zone) if value is not None else None

        try:
            services.record_numbing(
                clinic=request.clinic,
                record=record,
                by=request.user,
                product=data["product"],
                on_at=at(data["on_at"]),
                off_at=at(data["off_at"]),
                reason=data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Numbing saved.")
            return _back(request, record, "#numbing")
    return _record_page(request, record_id, numbing_form=form, status=422)


def _map_points(form: AdministrationForm, posted: list[str]) -> list[MapPoint]:
    """Points clicked on the map (`diagram|zone|x|y`) and those entered per zone in the
    table (spread over their zone), with their own depth and volume."""
    points = _clicked(posted)
    if len(points) != len(posted):
        raise ValidationError({"points": "A point of the map could not be read."})
    data = form.cleaned_data
    shown = drawing(data.get("diagram") or Diagram.FACE_FRONT)
    for n in range(ZONE_ROWS):
        code, count = data.get(f"zone_{n}"), data.get(f"count_{n}")
        zone = shown.zone(code) if code else None
        if zone is None or not count:
            continue
        depth, volume = data.get(f"zone_depth_{n}"), data.get(f"zone_volume_{n}")
        for x, y in spread(zone, count, shown.width, shown.height):
            points.append(MapPoint(shown.diagram, zone.code, x, y, depth, volume))
    return points


def _chosen_lot(request: StaffRequest, form: AdministrationForm) -> Lot | None:
    data = form.cleaned_data
    if data.get("barcode"):
        return lot_of_barcode(request.clinic, data["barcode"])
    if not data.get("lot"):
        raise ValidationError({"lot": "Choose a lot in stock, or scan the package."})
    lot = (
        Lot.objects.filter(clinic=request.clinic, pk=data["lot"]).select_related("product").first()
    )
    if lot is None:
        raise ValidationError({"lot": "Choose a lot in stock, or scan the package."})
    return lot


@require_POST
@staff_view()
def add_administration(request: StaffRequest, clinic_slug: str, record_id: int) -> HttpResponse:
    """A product given in an area, with its points; a refused lot offers the others, a
    figure outside the library's range asks for a reason."""
    record = _chartable(request, record_id)
    library = load_library()
    posted = request.POST.copy()
    if posted.get("use_lot"):  # one click on a lot offered instead of a refused one
        posted["lot"] = str(posted["use_lot"])
        posted["barcode"] = ""
    chosen = str(posted.get("diagram", ""))
    diagram = chosen if chosen in Diagram.values else Diagram.FACE_FRONT
    lots = selectors.lots_for_charting(request.clinic, on=clinic_today(request))
    form = AdministrationForm(
        posted, clinic=request.clinic, library=library, lots=lots, drawing=drawing(diagram)
    )
    refusal: LotRefused | None = None
    warnings: list[Any] = []
    if form.is_valid():
        data = form.cleaned_data
        try:
            points = _map_points(form, posted.getlist("map_point"))
            lot = _chosen_lot(request, form)
            services.add_administration(
                clinic=request.clinic,
                record=record,
                by=request.user,
                area=data["area"],
                lot=lot,  # type: ignore[arg-type]
                volume_ml=data["volume_ml"],
                technique=data["technique"],
                depth_mm=data["depth_mm"],
                needle_gauge=data["needle_gauge"],
                needle_length_mm=data["needle_length_mm"],
                device=data["device"],
                device_settings=data["device_settings"],
                points=data["points"],
                map_points=points,
                reason=data["reason"],
            )
        except LotRefused as error:
            refusal = error
        except NeedsReason as error:
            warnings = error.warnings
            form.add_error("reason", error.messages[0])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            volume: Decimal = data["volume_ml"]
            messages.success(request, f"{volume} mL charted in the {data['area']}.")
            return _back(request, record, "#areas")
    return _record_page(
        request,
        record_id,
        administration_form=form,
        refusal=refusal,
        warnings=warnings,
        # The points clicked are drawn again; the table per zone keeps its own rows.
        posted_points=_clicked(posted.getlist("map_point")),
        status=409 if refusal else 422,
    )


def _clicked(values: list[str]) -> list[MapPoint]:
    """The points clicked on the map, posted as `diagram|zone|x|y` (unreadable ones left
    out: the caller compares the counts)."""
    points = []
    for value in values:
        parts = value.split("|")
        try:
            points.append(MapPoint(parts[0], parts[1], float(parts[2]), float(parts[3])))
        except (IndexError, ValueError):
            continue
    return points


@require_POST
@staff_view()
def observations(request: StaffRequest, clinic_slug: str, record_id: int) -> HttpResponse:
    """Pain score, immediate reactions and notes."""
    record = _chartable(request, record_id)
    form = ObservationsForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.record_observations(
                clinic=request.clinic,
                record=record,
                by=request.user,
                pain_score=data["pain_score"],
                immediate_reactions=data["immediate_reactions"],
                notes=data["notes"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Pain, reactions and notes saved.")
            return _back(request, record, "#observations")
    return _record_page(request, record_id, observations_form=form, status=422)


@require_POST
@staff_view()
def sign(request: StaffRequest, clinic_slug: str, record_id: int) -> HttpResponse:
    """Signs and locks the record."""
    record = _chartable(request, record_id)
    try:
        services.sign_record(clinic=request.clinic, record=record, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return _back(request, record, "#sign")
    messages.success(request, "The record is signed and locked. Corrections are addenda.")
    return _back(request, record)


@require_POST
@staff_view()
def addendum(request: StaffRequest, clinic_slug: str, record_id: int) -> HttpResponse:
    """A signed addendum to a signed record."""
    record = _chartable(request, record_id)
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            services.add_addendum(
                clinic=request.clinic,
                record=record,
                by=request.user,
                text=form.cleaned_data["text"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Addendum signed.")
            return _back(request, record, "#addenda")
    return _record_page(request, record_id, addendum_form=form, status=422)


@require_POST
@staff_view()
def entered_in_error(
    request: StaffRequest, clinic_slug: str, record_id: int, administration_id: int
) -> HttpResponse:
    """Marks an administration entered in error, with a reason (kept, never deleted)."""
    record = _chartable(request, record_id)
    given = record.administrations.filter(pk=administration_id).first()
    if given is None:
        raise Http404("No such administration.")
    form = EnteredInErrorForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the entry is in error.")
        return _back(request, record, "#areas")
    try:
        services.mark_entered_in_error(
            clinic=request.clinic,
            administration=given,
            by=request.user,
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        done = (
            "with a signed addendum"
            if record.status == RecordStatus.SIGNED
            else "and its volume is back in stock"
        )
        messages.success(request, f"The entry is marked entered in error {done}.")
    return _back(request, record, "#areas")


def appointment_record_context(request: StaffRequest, appointment: Any) -> dict[str, Any]:
    """What the appointment page shows of its session record (or how to open one)."""
    if appointment.kind != AppointmentKind.SESSION:
        return {}
    clinic = request.clinic
    chartable = appointment.status == AppointmentStatus.COMPLETED or (
        appointment.status == AppointmentStatus.BOOKED and appointment.started_at is not None
    )
    return {
        "session_record": selectors.record_of_appointment(clinic, appointment),
        "record_chartable": chartable,
        "may_chart": selectors.may_chart(request.membership),
        "record_has_plan": appointment.planned_session_id is not None
        or active_plan(clinic, appointment.patient) is not None,
        "record_has_last": selectors.last_record(clinic, appointment.patient) is not None,
    }
