"""Forms of the stock pages: they check the shape of what was sent and offer only the
clinic's own products; the inventory services decide everything else."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from mesodesk.clinics.models import Clinic
from mesodesk.core.library import load_library
from mesodesk.inventory import selectors
from mesodesk.inventory.models import QUANTITY, Product


def _quantity(label: str, help_text: str = "", *, signed: bool = False) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        help_text=help_text,
        min_value=None if signed else Decimal("0.01"),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        **QUANTITY,
    )


def _reason(label: str = "Reason", *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ProductForm(forms.Form):
    """A product's details; `edit` adds whether it is still in use."""

    name = forms.CharField(max_length=200)
    manufacturer = forms.CharField(max_length=200, required=False)
    ingredients = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="What the product contains, from the protocol library.",
    )
    package_size = forms.DecimalField(
        label="One vial or package holds (mL)",
        required=False,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        **QUANTITY,
    )
    gtin = forms.CharField(
        label="GTIN",
        max_length=14,
        required=False,
        help_text="The product number of the barcode: 8, 12, 13 or 14 digits.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    beyond_use_hours = forms.IntegerField(
        label="Usable once opened (hours)", required=False, min_value=1
    )
    reorder_level = forms.DecimalField(
        label="Reorder below (mL)",
        required=False,
        min_value=Decimal(0),
        help_text="The stock page warns when usable stock falls below this.",
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        **QUANTITY,
    )
    lot_tracking_required = forms.BooleanField(
        label="Every administration names its lot", required=False, initial=True
    )
    refrigerated = forms.BooleanField(label="Kept in the fridge", required=False)
    active = forms.BooleanField(label="In use", required=False, initial=True)

    def __init__(self, *args: Any, edit: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ingredients"].choices = [  # type: ignore[attr-defined]
            (code, ingredient.label) for code, ingredient in load_library().ingredients.items()
        ]
        if not edit:
            del self.fields["active"]

    @staticmethod
    def initial_from(product: Product) -> dict[str, Any]:
        return {
            name: getattr(product, name)
            for name in (
                "name",
                "manufacturer",
                "ingredients",
                "package_size",
                "gtin",
                "beyond_use_hours",
                "reorder_level",
                "lot_tracking_required",
                "refrigerated",
                "active",
            )
        }


class BarcodeForm(forms.Form):
    """A scanned GS1 DataMatrix string, or the line printed under it."""

    barcode = forms.CharField(
        label="Scan or paste the barcode",
        max_length=500,
        help_text="Scan the square code on the package with the cursor here, or type the "
        "line printed under it, such as (01)09501101530003(17)281231(10)AB-123.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class ProductChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.manufacturer})" if obj.manufacturer else obj.name


class ReceiveForm(forms.Form):
    """A delivery of one lot."""

    product = ProductChoice(queryset=Product.objects.none(), empty_label="Choose a product")
    number = forms.CharField(label="Lot number", max_length=64)
    expiry = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    quantity = _quantity("Quantity received (mL)")
    supplier = forms.CharField(max_length=200, required=False)

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = selectors.products(clinic, include_inactive=False)  # type: ignore[attr-defined]


class WasteForm(forms.Form):
    quantity = _quantity("Quantity wasted (mL)")
    reason = _reason()


class AdjustForm(forms.Form):
    quantity = _quantity(
        "Change (mL)", "Above zero adds to stock, below zero takes off.", signed=True
    )
    reason = _reason()


class QuarantineForm(forms.Form):
    reason = _reason("Why hold it back")


class ReleaseForm(forms.Form):
    reason = _reason("Why it may be used again", required=False)


class RecallForm(forms.Form):
    reason = _reason("Why it is recalled")
    reference = forms.CharField(
        label="Recall notice reference",
        max_length=200,
        required=False,
        help_text="The manufacturer's or the authority's notice number.",
    )
