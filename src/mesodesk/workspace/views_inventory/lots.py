"""Receiving a lot (a scanned barcode fills the form) and a lot's page: its moves, and
waste, adjustment, quarantine, release and recall for admins and practitioners."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from mesodesk.accounts.access import StaffRequest, staff_view
from mesodesk.inventory import selectors, services
from mesodesk.inventory.choices import LotStatus
from mesodesk.inventory.models import Lot
from mesodesk.workspace.forms_inventory import (
    AdjustForm,
    BarcodeForm,
    QuarantineForm,
    RecallForm,
    ReceiveForm,
    ReleaseForm,
    WasteForm,
)
from mesodesk.workspace.views.common import clinic_today, page
from mesodesk.workspace.views_inventory.common import SECTION, attempt, manages, require_manager


@require_http_methods(["GET", "POST"])
@staff_view()
def receive(request: StaffRequest, clinic_slug: str) -> HttpResponse:
    """Receive a lot. The barcode form (GET, so it works without script) reads a scanned
    GS1 string and fills product, lot number and expiry; ?product= preselects a product."""
    require_manager(request)
    clinic = request.clinic
    initial: dict[str, Any] = {}
    scanned = None
    barcode = BarcodeForm(request.GET if "barcode" in request.GET else None)
    if barcode.is_bound and barcode.is_valid():
        try:
            scanned = selectors.from_barcode(clinic, barcode.cleaned_data["barcode"])
        except ValidationError as error:
            barcode.add_error("barcode", error.message_dict["barcode"])
        else:
            initial = {"number": scanned.number, "expiry": scanned.expiry}
            if scanned.product is not None:
                initial["product"] = scanned.product.pk
    elif (chosen := request.GET.get("product", "")).isascii() and chosen.isdigit():
        initial["product"] = selectors.get_product(clinic, int(chosen)).pk
    form = ReceiveForm(initial=initial, clinic=clinic)
    if request.method == "POST":
        form = ReceiveForm(request.POST, clinic=clinic)
        received: list[Lot] = []

        def add() -> None:
            data = form.cleaned_data
            received.append(
                services.receive_lot(
                    clinic=clinic,
                    product=data["product"],
                    by=request.user,
                    number=data["number"],
                    expiry=data["expiry"],
                    quantity=data["quantity"],
                    supplier=data["supplier"],
                )
            )

        if attempt(form, add):
            lot = received[0]
            messages.success(request, f"Lot {lot.number} of {lot.product.name} received.")
            return redirect("workspace:stock_lot", clinic_slug=clinic_slug, lot_id=lot.pk)
    return page(
        request,
        "workspace/stock/receive.html",
        SECTION,
        {"barcode": barcode, "scanned": scanned, "form": form},
        status=400 if form.errors or barcode.errors else 200,
    )


ACTIONS = {
    "waste": WasteForm,
    "adjust": AdjustForm,
    "quarantine": QuarantineForm,
    "release": ReleaseForm,
    "recall": RecallForm,
}
DONE = {
    "waste": "Waste recorded.",
    "adjust": "Adjustment recorded.",
    "quarantine": "The lot is in quarantine: charting refuses it until it is released.",
    "release": "The lot is released.",
    "recall": "The lot is recalled and off the shelf. Next: reach the patients who received it.",
}


def _change(request: StaffRequest, lot: Lot, action: str, form: forms.Form) -> None:
    data, clinic, by = form.cleaned_data, request.clinic, request.user
    if action == "waste":
        services.waste(clinic=clinic, lot=lot, by=by, **data)
    elif action == "adjust":
        services.adjust(clinic=clinic, lot=lot, by=by, **data)
    elif action == "quarantine":
        services.quarantine(clinic=clinic, lot=lot, by=by, **data)
    elif action == "release":
        services.release(clinic=clinic, lot=lot, by=by, **data)
    else:
        services.recall(clinic=clinic, lot=lot, by=by, **data)


@require_http_methods(["GET", "POST"])
@staff_view()
def lot(request: StaffRequest, clinic_slug: str, lot_id: int) -> HttpResponse:
    """A lot: status, quantities, every move; the forms that change it (POST `action`)."""
    clinic = request.clinic
    item = selectors.get_lot(clinic, lot_id)
    forms_ = {name: form_class(prefix=name) for name, form_class in ACTIONS.items()}
    if request.method == "POST":
        require_manager(request)
        action = request.POST.get("action", "")
        if action not in ACTIONS:
            raise Http404("No such action.")
        form = ACTIONS[action](request.POST, prefix=action)
        forms_[action] = form
        if attempt(form, lambda: _change(request, item, action, form)):
            messages.success(request, DONE[action])
            if action == "recall":
                return redirect("workspace:stock_recall", clinic_slug=clinic_slug, lot_id=item.pk)
            return redirect("workspace:stock_lot", clinic_slug=clinic_slug, lot_id=item.pk)
    today = clinic_today(request)
    status = item.status
    return page(
        request,
        "workspace/stock/lot.html",
        SECTION,
        {
            "lot": item,
            "moves": list(selectors.lot_moves(clinic, item)),
            "forms": forms_,
            "open_form": next((n for n, f in forms_.items() if f.errors), ""),
            "expired": item.expiry < today,
            "may_take": status in (LotStatus.AVAILABLE, LotStatus.EXPIRED, LotStatus.QUARANTINED)
            and item.quantity_on_hand > 0,
            "may_quarantine": status
            in (LotStatus.AVAILABLE, LotStatus.EXPIRED, LotStatus.DEPLETED),
            "may_release": status == LotStatus.QUARANTINED,
            "may_recall": status != LotStatus.RECALLED,
            "manages": manages(request),
        },
        status=400 if any(f.errors for f in forms_.values()) else 200,
    )
