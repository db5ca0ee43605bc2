"""The recall of a lot: every patient who received it (with session, date, area, volume
and practitioner), a CSV export, and one neutral message to each through the outbox.
Admins and practitioners only; every read and export is an access event per patient."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods

from mesodesk.accounts.access import StaffRequest, staff_view
from mesodesk.audit.choices import AccessAction
from mesodesk.exports.csvfile import csv_lines
from mesodesk.inventory import selectors, services
from mesodesk.inventory.choices import LotStatus
from mesodesk.inventory.models import Lot
from mesodesk.messaging.selectors import channels_with_address, contact_requests, preferences
from mesodesk.patients.models import Patient
from mesodesk.workspace.views.common import page
from mesodesk.workspace.views_inventory.common import SECTION, area_label, require_clinical


def _topic(lot: Lot) -> str:
    # The same topic inventory.services.ask_recipients_to_contact gives its messages.
    return f"lot-{lot.pk}"


@require_http_methods(["GET", "POST"])
@staff_view()
def recall(request: StaffRequest, clinic_slug: str, lot_id: int) -> HttpResponse:
    """Who received the lot, and (POST) the message asking them to contact the clinic."""
    clinic = request.clinic
    item = selectors.get_lot(clinic, lot_id)
    require_clinical(request)
    if request.method == "POST":
        if request.POST.get("action") != "contact":
            raise Http404("No such action.")
        try:
            result = services.ask_recipients_to_contact(clinic=clinic, lot=item, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            parts = [
                f"Messages queued for {result.queued} patient{'s' if result.queued != 1 else ''}."
            ]
            if result.already:
                parts.append(f"{result.already} had been asked before and get nothing again.")
            if result.unreachable:
                parts.append(
                    f"{len(result.unreachable)} have no e-mail or mobile number: call them."
                )
            messages.success(request, " ".join(parts))
        return redirect("workspace:stock_recall", clinic_slug=clinic_slug, lot_id=item.pk)
    zone = ZoneInfo(clinic.time_zone)
    rows = selectors.recipients_for_read(clinic, item, user=request.user, request=request)
    asked: dict[int, list[Any]] = {}
    for message in contact_requests(clinic, _topic(item)):
        asked.setdefault(message.patient_id, []).append(message)
    patients = {r.patient_id for r in rows}
    valid = {r.patient_id for r in rows if not r.entered_in_error}
    # Who a message can reach: a channel they chose with an address (a query each; a
    # recall lists a handful of patients).
    reachable = {
        patient.pk
        for patient in Patient.objects.filter(clinic=clinic, pk__in=valid)
        if channels_with_address(preferences(clinic, patient), patient)
    }
    unreachable = sorted(
        {(r.patient_name, r.patient_id, r.phone) for r in rows if r.patient_id in valid - reachable}
    )
    return page(
        request,
        "workspace/stock/recall.html",
        SECTION,
        {
            "lot": item,
            "rows": [
                {
                    "row": r,
                    "start": r.session_start.astimezone(zone),
                    "area": area_label(r.area),
                    "asked": asked.get(r.patient_id, []),
                }
                for r in rows
            ],
            "patient_count": len(patients),
            "valid_count": len(valid),
            "asked_count": len(asked),
            "to_ask": len((valid & reachable) - set(asked)),
            "unreachable": unreachable,
            "recalled": item.status == LotStatus.RECALLED,
        },
    )


HEADER = (
    "patient_id",
    "patient_name",
    "email",
    "phone",
    "appointment_id",
    "session_date",
    "session_start",
    "area",
    "volume_ml",
    "practitioner",
    "entered_in_error",
)


@require_GET
@staff_view()
def recall_csv(request: StaffRequest, clinic_slug: str, lot_id: int) -> StreamingHttpResponse:
    """The recall's patient list as CSV, streamed; an export access event per patient."""
    clinic = request.clinic
    item = selectors.get_lot(clinic, lot_id)
    require_clinical(request)
    zone = ZoneInfo(clinic.time_zone)
    rows = selectors.recipients_for_read(
        clinic,
        item,
        user=request.user,
        request=request,
        action=AccessAction.EXPORT,
    )

    def cells() -> Iterator[tuple[Any, ...]]:
        for r in rows:
            start = r.session_start.astimezone(zone)
            yield (
                r.patient_id,
                r.patient_name,
                r.email,
                r.phone,
                r.appointment_id,
                start.date().isoformat(),
                start.isoformat(),
                r.area,
                f"{r.volume_ml:.2f}",
                r.practitioner,
                "yes" if r.entered_in_error else "no",
            )

    # As the CSV exports write them (exports.csvfile): a BOM, and no cell a spreadsheet
    # would run as a formula (a name or an area typed as "=...").
    lines = csv_lines(HEADER, cells())
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in item.number)
    response["Content-Disposition"] = f'attachment; filename="recall-lot-{safe}.csv"'
    response["Cache-Control"] = "no-store"
    return response
