"""Forms of the session record: they check the shape of what was sent and offer the
library's areas and techniques and the clinic's lots and devices; the charting services
decide everything else."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from mesodesk.charting.choices import ImmediateReaction
from mesodesk.charting.diagrams import Drawing
from mesodesk.clinics import selectors as clinics
from mesodesk.clinics.models import Clinic
from mesodesk.core.library import Library
from mesodesk.inventory.models import Lot
from mesodesk.workspace.forms import DeviceChoice

ZONE_ROWS = 4


def lot_label(lot: Lot) -> str:
    unit = lot.product.get_unit_display()
    return f"Lot {lot.number}, expires {lot.expiry:%d %b %Y}, {lot.quantity_on_hand} {unit} left"


class LotChoice(forms.ChoiceField):
    """The lots in stock that may be charted today, by product; any lot id of the clinic
    passes here, so that the stock's gates refuse an unusable one with its reason."""

    def valid_value(self, value: Any) -> bool:
        return str(value).isdigit()


class NumbingForm(forms.Form):
    """The numbing cream: what, when it went on and came off (the session's day)."""

    product = forms.CharField(label="Cream", max_length=200, required=False)
    on_at = forms.TimeField(
        label="On at", required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    off_at = forms.TimeField(
        label="Off at", required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    reason = forms.CharField(
        label="Why shorter than the library's time",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only when the cream stayed on less than the library's time.",
    )


class AdministrationForm(forms.Form):
    """One product given in one area, from a lot chosen or scanned."""

    area = forms.ChoiceField(label="Area")
    lot = LotChoice(label="Product and lot", required=False)
    barcode = forms.CharField(
        label="Or scan the package (GS1 barcode)",
        required=False,
        max_length=200,
        help_text="A scanner types the barcode here; it names the product and the lot.",
    )
    volume_ml = forms.DecimalField(
        label="Volume (mL)", min_value=Decimal("0.01"), max_digits=6, decimal_places=2
    )
    technique = forms.ChoiceField(label="Technique")
    depth_mm = forms.DecimalField(
        label="Depth (mm)",
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(20),
        decimal_places=1,
        help_text="Leave empty for needle-free.",
    )
    needle_gauge = forms.IntegerField(
        label="Needle gauge (G)", required=False, min_value=18, max_value=34
    )
    needle_length_mm = forms.DecimalField(
        label="Needle length (mm)",
        required=False,
        min_value=Decimal("0.5"),
        max_value=Decimal(50),
        decimal_places=1,
    )
    device = DeviceChoice(label="Device", required=False, queryset=None)
    device_settings = forms.CharField(label="Device settings", required=False, max_length=500)
    points = forms.IntegerField(
        label="Number of points",
        required=False,
        min_value=1,
        help_text="Empty: the points placed on the map.",
    )
    reason = forms.CharField(
        label="Reason for a figure outside the library's range",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    diagram = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        clinic: Clinic,
        library: Library,
        lots: list[Lot],
        drawing: Drawing,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [(code, t.label) for code, t in library.areas.items()]  # type: ignore[attr-defined]
        self.fields["technique"].choices = [  # type: ignore[attr-defined]
            (code, t.label) for code, t in library.injection_techniques.items()
        ]
        groups: dict[str, list[tuple[str, str]]] = {}
        for lot in lots:
            groups.setdefault(lot.product.name, []).append((str(lot.pk), lot_label(lot)))
        self.fields["lot"].choices = [("", "Choose a lot in stock"), *groups.items()]  # type: ignore[attr-defined]
        self.fields["device"].queryset = clinics.devices(clinic)  # type: ignore[attr-defined]
        zones = [("", "—"), *((z.code, z.label) for z in drawing.zones)]
        for n in range(ZONE_ROWS):
            self.fields[f"zone_{n}"] = forms.ChoiceField(
                label="Zone", choices=zones, required=False
            )
            self.fields[f"count_{n}"] = forms.IntegerField(
                label="Points", required=False, min_value=1, max_value=500
            )
            self.fields[f"zone_depth_{n}"] = forms.DecimalField(
                label="Depth (mm)",
                required=False,
                min_value=Decimal(0),
                max_value=Decimal(20),
                decimal_places=1,
            )
            self.fields[f"zone_volume_{n}"] = forms.DecimalField(
                label="Volume per point (mL)",
                required=False,
                min_value=Decimal("0.001"),
                max_value=Decimal(10),
                decimal_places=3,
            )

    def zone_rows(self) -> list[dict[str, Any]]:
        """The table per zone, for the template: one dict of bound fields per row."""
        return [
            {
                "zone": self[f"zone_{n}"],
                "count": self[f"count_{n}"],
                "depth": self[f"zone_depth_{n}"],
                "volume": self[f"zone_volume_{n}"],
            }
            for n in range(ZONE_ROWS)
        ]


class ObservationsForm(forms.Form):
    """Pain, immediate reactions and notes."""

    pain_score = forms.IntegerField(
        label="Pain score (0 none – 10 worst)", required=False, min_value=0, max_value=10
    )
    immediate_reactions = forms.MultipleChoiceField(
        label="Immediate reactions",
        required=False,
        choices=ImmediateReaction.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class AddendumForm(forms.Form):
    """A signed correction or addition to a signed record."""

    text = forms.CharField(
        label="Addendum", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


class EnteredInErrorForm(forms.Form):
    """Why an administration was recorded by mistake."""

    reason = forms.CharField(label="Why is this entry in error?", max_length=1000)
