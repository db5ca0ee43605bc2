"""The form a practitioner scores a session with, built for one scale of the library.

The scale is chosen first (a link per scale, so the page works without JavaScript); the
form then offers that scale's levels with their definitions, its items (Hexsel), or a
level per side (WSRS: both sides in one go).
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import formats

from mesodesk.core.library.model import Scale
from mesodesk.outcomes.choices import Method, Rater, TimePoint
from mesodesk.photos.choices import Kind, View
from mesodesk.photos.models import Photo
from mesodesk.photos.selectors import area_label

SIDE_FIELDS = (("left", "Left side"), ("right", "Right side"))


def _levels(scale: Scale) -> list[tuple[str, str]]:
    return [
        (
            lv.value,
            (lv.value if lv.label == lv.value else f"{lv.value} — {lv.label}")
            + (f": {lv.definition}" if lv.definition else ""),
        )
        for lv in scale.levels
    ]


def _photo_label(photo: Photo) -> str:
    """A photo as the picker names it: area, view, kind and the day it was taken."""
    return (
        f"{area_label(photo.area)}, {View(photo.view).label}, {Kind(photo.kind).label.lower()}"
        f" · {formats.date_format(photo.taken_at.date(), 'j M Y')}"
    )


class ScoreForm(forms.Form):
    """One score (or one per side) of `scale` for a session."""

    rater = forms.ChoiceField(
        label="Rated by",
        choices=[(Rater.PRACTITIONER, "Me, the practitioner"), (Rater.BLINDED, "A blinded rater")],
        initial=Rater.PRACTITIONER,
        widget=forms.RadioSelect,
    )
    method = forms.ChoiceField(
        label="How",
        choices=Method.choices,
        initial=Method.LIVE,
        widget=forms.RadioSelect,
        help_text="From photos: tick the photos read below.",
    )
    photos_read = forms.ModelMultipleChoiceField(
        label="Photos read",
        queryset=Photo.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="For a score from photos: the patient's photos it was read from.",
    )
    time_point = forms.ChoiceField(
        label="When",
        choices=[
            (TimePoint.BASELINE, "Baseline, before this session's treatment"),
            (TimePoint.SESSION, "After this session"),
            (TimePoint.FOLLOW_UP, "Follow-up after the series"),
        ],
        initial=TimePoint.SESSION,
        widget=forms.RadioSelect,
    )
    weeks_after = forms.IntegerField(
        label="Weeks after the last session",
        required=False,
        min_value=1,
        max_value=104,
        help_text="For a follow-up only.",
    )
    area = forms.ChoiceField(label="Area", required=False)
    note = forms.CharField(
        label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )

    def __init__(
        self,
        *args: Any,
        scale: Scale,
        areas: list[tuple[str, str]],
        photos: QuerySet[Photo] | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.scale = scale
        read = cast(forms.ModelMultipleChoiceField, self.fields["photos_read"])
        read.queryset = photos if photos is not None else Photo.objects.none()
        read.label_from_instance = _photo_label  # type: ignore[method-assign,assignment]
        if photos is None or not photos.exists():
            del self.fields["photos_read"]
        self.fields["area"].choices = [("", "—"), *areas]  # type: ignore[attr-defined]
        if scale.against_baseline:
            time_point = cast(forms.ChoiceField, self.fields["time_point"])
            offered = cast(list[tuple[str, str]], time_point.choices)
            time_point.choices = [c for c in offered if c[0] != TimePoint.BASELINE]
            self.fields[
                "time_point"
            ].help_text = (
                f"{scale.label} compares with the baseline before the series' first session."
            )
        if scale.items:
            for item in scale.items:
                self.fields[f"item_{item.code}"] = forms.TypedChoiceField(
                    label=item.label,
                    choices=[(n, str(n)) for n in range(item.low, item.high + 1)],
                    coerce=int,
                    help_text=item.definition,
                )
        elif scale.per_side:
            for name, label in SIDE_FIELDS:
                self.fields[name] = forms.ChoiceField(
                    label=label,
                    choices=_levels(scale),
                    required=False,
                    widget=forms.RadioSelect,
                )
        else:
            self.fields["value"] = forms.ChoiceField(
                label=scale.label, choices=_levels(scale), widget=forms.RadioSelect
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.scale.per_side and not (data.get("left") or data.get("right")):
            raise forms.ValidationError("Rate at least one side.")
        return data

    def value_fields(self) -> list[forms.BoundField]:
        """The fields that hold the rating itself, for the template."""
        names = [n for n in self.fields if n.startswith("item_") or n in ("value", "left", "right")]
        return [self[n] for n in names]

    def other_fields(self) -> list[forms.BoundField]:
        """How, when and where, for the template."""
        names = ("rater", "method", "photos_read", "time_point", "weeks_after", "area", "note")
        return [self[n] for n in names if n in self.fields]

    def entries(self) -> list[dict[str, Any]]:
        """The keyword arguments of one `record_score` call per score the form holds."""
        data = self.cleaned_data
        common = {
            "scale": self.scale.code,
            "rater": data["rater"],
            "method": data["method"],
            "time_point": data["time_point"],
            "weeks_after": data.get("weeks_after"),
            "area": data.get("area") or "",
            "note": data.get("note") or "",
            "photos_read": list(data.get("photos_read") or []),
        }
        if self.scale.items:
            items = {item.code: data[f"item_{item.code}"] for item in self.scale.items}
            return [common | {"items": items}]
        if self.scale.per_side:
            return [
                common | {"side": side, "value": data[side]}
                for side, _label in SIDE_FIELDS
                if data.get(side)
            ]
        return [common | {"value": data["value"]}]


class EnteredInErrorForm(forms.Form):
    """Why a score was wrong."""

    reason = forms.CharField(label="Why is this score wrong?", max_length=500)
