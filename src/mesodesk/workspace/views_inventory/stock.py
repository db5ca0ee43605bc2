"""The stock page (levels and what needs doing), products and a product's lots."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from mesodesk.accounts.access import StaffRequest, staff_view
from mesodesk.core.library import load_library
from mesodesk.inventory import selectors, services
from mesodesk.inventory.choices import LotStatus
from mesodesk.workspace.forms_inventory import ProductForm
from mesodesk.workspace.views.common import clinic_today, page
from mesodesk.workspace.views_inventory.common import SECTION, attempt, manages, require_manager


@require_http_methods(["GET"])
@staff_view()
def stock(request: StaffRequest, clinic_slug: str) -> HttpResponse:
    """Levels per product, lots expiring within 30 days (or past their date and still on
    the shelf), products below their reorder level, lots held in quarantine; a search by
    lot number."""
    clinic = request.clinic
    today = clinic_today(request)
    number = request.GET.get("number", "").strip()[:64]
    return page(
        request,
        "workspace/stock/stock.html",
        SECTION,
        {
            "today": today,
            "levels": list(selectors.stock_levels(clinic, on=today).filter(active=True)),
            "expiring": list(selectors.expiring_lots(clinic, on=today)),
            "below": selectors.below_reorder(clinic, on=today),
            "held": list(selectors.lots(clinic, status=LotStatus.QUARANTINED)),
            "recalled": list(selectors.lots(clinic, status=LotStatus.RECALLED)[:10]),
            "number": number,
            "found": list(selectors.lots_by_number(clinic, number)) if number else None,
            "manages": manages(request),
        },
    )


@require_http_methods(["GET"])
@staff_view()
def products(request: StaffRequest, clinic_slug: str) -> HttpResponse:
    """Every product with its usable stock, those out of use last."""
    today = clinic_today(request)
    rows = sorted(
        selectors.stock_levels(request.clinic, on=today), key=lambda p: (not p.active, p.name)
    )
    return page(
        request,
        "workspace/stock/products.html",
        SECTION,
        {"rows": rows, "manages": manages(request)},
    )


@require_http_methods(["GET", "POST"])
@staff_view()
def product_new(request: StaffRequest, clinic_slug: str) -> HttpResponse:
    """Add a product (admins and practitioners); ?gtin= fills the GTIN (from a scan)."""
    require_manager(request)
    form = ProductForm(initial={"gtin": request.GET.get("gtin", "")[:14]})
    if request.method == "POST":
        form = ProductForm(request.POST)
        created = []

        def add() -> None:
            created.append(
                services.create_product(clinic=request.clinic, by=request.user, **form.cleaned_data)
            )

        if attempt(form, add):
            messages.success(request, f"{created[0].name} added.")
            return redirect(
                "workspace:stock_product", clinic_slug=clinic_slug, product_id=created[0].pk
            )
    return page(
        request,
        "workspace/stock/product_new.html",
        SECTION,
        {"form": form},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@staff_view()
def product(request: StaffRequest, clinic_slug: str, product_id: int) -> HttpResponse:
    """A product's details and lots; admins and practitioners edit it here."""
    clinic = request.clinic
    item = selectors.get_product(clinic, product_id)
    form = ProductForm(initial=ProductForm.initial_from(item), edit=True)
    if request.method == "POST":
        require_manager(request)
        form = ProductForm(request.POST, edit=True)
        if attempt(
            form,
            lambda: services.update_product(
                clinic=clinic,
                product=item,
                by=request.user,
                **form.cleaned_data,
            ),
        ):
            messages.success(request, f"{form.cleaned_data['name']} saved.")
            return redirect("workspace:stock_product", clinic_slug=clinic_slug, product_id=item.pk)
    library = load_library()
    today = clinic_today(request)
    return page(
        request,
        "workspace/stock/product.html",
        SECTION,
        {
            "product": item,
            "level": selectors.stock_levels(clinic, on=today).get(pk=item.pk),
            "ingredients": [
                library.ingredients[c].label if c in library.ingredients else c
                for c in item.ingredients
            ],
            "lots": list(selectors.lots_of_product(clinic, item)),
            "today": today,
            "form": form,
            "manages": manages(request),
        },
        status=400 if form.errors else 200,
    )
