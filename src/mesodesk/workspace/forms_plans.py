"""The treatment plan form: the library's indications, areas, ingredients, techniques and
schedule templates as choices; `planning.services` checks the rest."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django import forms

from mesodesk.core.library import Library
from mesodesk.core.localtime import forward
from mesodesk.web.fields import DateField


def _choices(terms: Any) -> list[tuple[str, str]]:
    return [(t.code, t.label) for t in terms.values()]


class PlanForm(forms.Form):
    """What a practitioner plans: indication, areas, cocktail, technique and the series."""

    indication = forms.ChoiceField()
    areas = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple)
    ingredients = forms.MultipleChoiceField(label="Cocktail", widget=forms.CheckboxSelectMultiple)
    technique = forms.ChoiceField(
        help_text="A technique with a device books a device of its type for each session."
    )
    massage_approved = forms.BooleanField(
        label="Gentle massage after the session approved", required=False
    )
    schedule_template = forms.ChoiceField(label="Template")
    sessions = forms.IntegerField(
        label="Number of sessions",
        required=False,
        min_value=1,
        max_value=100,
        help_text="Leave empty for the series' usual number.",
    )
    first_date = DateField(label="First session on", widget=forms.DateInput(attrs={"type": "date"}))
    first_time = forms.TimeField(
        label="at", initial=time(10, 0), widget=forms.TimeInput(attrs={"type": "time"})
    )

    def __init__(
        self,
        *args: Any,
        library: Library,
        products: dict[str, list[str]] | None = None,
        **kwargs: Any,
    ) -> None:
        """`products`: for an ingredient code, the names of the clinic's products that hold
        it, shown beside the ingredient so the cocktail is planned with what is stocked."""
        super().__init__(*args, **kwargs)
        fields = self.fields
        products = products or {}
        fields["indication"].choices = _choices(library.indications)  # type: ignore[attr-defined]
        fields["areas"].choices = _choices(library.areas)  # type: ignore[attr-defined]
        fields["ingredients"].choices = [  # type: ignore[attr-defined]
            (code, f"{label} (in {', '.join(products[code])})" if products.get(code) else label)
            for code, label in _choices(library.ingredients)
        ]
        fields["technique"].choices = _choices(library.techniques)  # type: ignore[attr-defined]
        fields["schedule_template"].choices = [  # type: ignore[attr-defined]
            (s.code, f"{s.label} ({s.min_sessions}–{s.max_sessions} sessions)")
            if s.min_sessions != s.max_sessions
            else (s.code, s.label)
            for s in library.schedules.values()
        ]

    def first_session(self, zone: ZoneInfo) -> datetime:
        """The first session's start, in the clinic's zone (a time skipped by a clock
        change moves forward, as the planner does)."""
        day: date = self.cleaned_data["first_date"]
        return forward(datetime.combine(day, self.cleaned_data["first_time"]), zone)
