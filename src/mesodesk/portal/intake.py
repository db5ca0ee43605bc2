"""The intake questionnaire (DESIGN 7.1) as a web form in plain words.

Lists (medicines, allergies, recent procedures) are rows of plain inputs; "Add another"
posts the form back with one more row, so nothing needs JavaScript. What was entered is
kept as a draft (`IntakeDraft.data`, the form's own field names) on every post, and a
draft or the latest intake fills the form again when the patient comes back.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms import BoundField

from mesodesk.core.library import load_library
from mesodesk.web.fields import DateField, TextField

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
YES_NO = [("yes", "Yes"), ("no", "No")]
PRESCRIBED = [("yes", "Yes, a doctor prescribed it"), ("no", "No, I bought it myself")]
SEXES = [
    ("female", "Female"),
    ("male", "Male"),
    ("other", "Other"),
    ("unknown", "I'd rather not say"),
]
# Fitzpatrick skin types, described as a patient would recognise their skin.
SKIN_TYPES = [
    ("", "I don't know"),
    ("1", "Very fair: always burns, never tans"),
    ("2", "Fair: usually burns, tans a little"),
    ("3", "Medium: sometimes burns, tans gradually"),
    ("4", "Olive: rarely burns, tans easily"),
    ("5", "Brown: very rarely burns, tans very easily"),
    ("6", "Dark brown or black: never burns"),
]
# The conditions of the library, asked in plain words (the library's label otherwise).
CONDITION_WORDS = {
    "cancer": "Cancer, now or under treatment",
    "insulin_treated_diabetes": "Diabetes that you treat with insulin",
    "coagulation_disorder": "A bleeding or blood-clotting disorder",
    "cardiac_disease": "Heart disease",
    "urticaria": "Hives (urticaria)",
    "paralysis_history": "Paralysis, now or in the past",
    "active_skin_infection": "An infection, cold sore or inflamed skin where you want treatment",
    "keloid_tendency": "Scars that grow raised and thick (keloids)",
    "hyperpigmentation_tendency": "Dark marks that stay after a spot, cut or burn",
    "very_sensitive_skin": "Very sensitive skin",
    "atopy": "Eczema, hay fever or allergic asthma",
}
LISTS = ("medications", "allergies", "procedures")
MIN_ROWS = {"medications": 2, "allergies": 1, "procedures": 1}
MAX_ROWS = 20
# Paths of the intake document, as record_intake's errors name them.
_PATH = re.compile(r"^(medications|allergies|recent_procedures)\[(\d+)\](?:\.(\w+))?$")


def _rows_of(answers: dict[str, Any]) -> dict[str, int]:
    return {
        "medications": len(answers.get("medications") or []),
        "allergies": len(answers.get("allergies") or []),
        "procedures": len(answers.get("recent_procedures") or []),
    }


def rows_for(rows: dict[str, Any] | None, add: str | None = None) -> dict[str, int]:
    """How many rows each list shows: at least a blank one, one more for `add`."""
    out = {}
    for name in LISTS:
        try:
            n = int((rows or {}).get(name, 0))
        except (TypeError, ValueError):
            n = 0
        n = max(n, MIN_ROWS[name])
        if name == add:
            n += 1
        out[name] = min(n, MAX_ROWS)
    return out


def initial_from_answers(answers: dict[str, Any]) -> tuple[dict[str, Any], dict[str, int]]:
    """The form's initial values and row counts from a stored intake document."""
    initial: dict[str, Any] = {
        "birth_date": answers.get("birth_date") or "",
        "sex": answers.get("sex") or "",
        "pregnant": "yes" if answers.get("pregnant") else "no",
        "breastfeeding": "yes" if answers.get("breastfeeding") else "no",
        "conditions": list(answers.get("conditions") or []),
        "fitzpatrick": str(answers["fitzpatrick"]) if answers.get("fitzpatrick") else "",
    }
    for i, med in enumerate(answers.get("medications") or []):
        initial[f"med-{i}-name"] = med.get("name", "")
        initial[f"med-{i}-prescribed"] = "yes" if med.get("prescribed") else "no"
    for i, allergy in enumerate(answers.get("allergies") or []):
        initial[f"allergy-{i}"] = allergy
    for i, proc in enumerate(answers.get("recent_procedures") or []):
        initial[f"proc-{i}-name"] = proc.get("name", "")
        initial[f"proc-{i}-date"] = proc.get("date", "")
    rows = _rows_of(answers)
    rows = {name: n + 1 for name, n in rows.items()}
    return initial, rows_for(rows)


def initial_for(
    birth_date: date | None, latest_answers: dict[str, Any] | None
) -> tuple[dict[str, Any], dict[str, int]]:
    """The form's initial values and rows for someone without a draft: their latest
    answers, or an empty questionnaire with the birth date the clinic has."""
    if latest_answers is not None:
        return initial_from_answers(latest_answers)
    return {"birth_date": birth_date.isoformat() if birth_date else ""}, rows_for(None)


class IntakeForm(forms.Form):
    """The medical-history questions; `answers()` gives the DESIGN 7.1 document."""

    birth_date = DateField(
        label="Date of birth",
        widget=DATE_INPUT,
        help_text="Some treatments are not offered under 18.",
    )
    sex = forms.ChoiceField(
        label="Sex",
        choices=SEXES,
        widget=forms.RadioSelect,
        help_text="As on your medical records.",
    )
    pregnant = forms.ChoiceField(
        label="Are you pregnant, or could you be?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        help_text="If you are not sure, answer yes: the clinic will talk it through with you.",
    )
    breastfeeding = forms.ChoiceField(
        label="Are you breastfeeding?", choices=YES_NO, widget=forms.RadioSelect
    )
    conditions = forms.MultipleChoiceField(
        required=False,
        label="Do you have, or have you had, any of these?",
        help_text="Tick all that apply. Leave all empty if none do.",
        widget=forms.CheckboxSelectMultiple,
    )
    fitzpatrick = forms.ChoiceField(
        required=False,
        label="How does your skin react to the sun?",
        choices=SKIN_TYPES,
        widget=forms.RadioSelect,
        help_text="This helps the clinic judge the risk of dark marks.",
    )

    def __init__(self, *args: Any, rows: dict[str, int], today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        self.today = today
        library = load_library()
        self.fields["conditions"].choices = [  # type: ignore[attr-defined]
            (code, CONDITION_WORDS.get(code, term.label))
            for code, term in library.conditions.items()
        ]
        for i in range(rows["medications"]):
            self.fields[f"med-{i}-name"] = TextField(
                required=False, max_length=200, label=f"Medicine or supplement {i + 1}"
            )
            self.fields[f"med-{i}-prescribed"] = forms.ChoiceField(
                required=False,
                label=f"Did a doctor prescribe medicine {i + 1}?",
                choices=PRESCRIBED,
                widget=forms.RadioSelect,
            )
        for i in range(rows["allergies"]):
            self.fields[f"allergy-{i}"] = TextField(
                required=False, max_length=200, label=f"Allergy {i + 1}"
            )
        for i in range(rows["procedures"]):
            self.fields[f"proc-{i}-name"] = TextField(
                required=False, max_length=200, label=f"Treatment {i + 1}"
            )
            self.fields[f"proc-{i}-date"] = DateField(
                required=False, label=f"When did you have treatment {i + 1}?", widget=DATE_INPUT
            )

    # Rows for the template: each a tuple of bound fields.
    def medication_rows(self) -> list[tuple[BoundField, BoundField]]:
        return [
            (self[f"med-{i}-name"], self[f"med-{i}-prescribed"])
            for i in range(self.rows["medications"])
        ]

    def allergy_rows(self) -> list[BoundField]:
        return [self[f"allergy-{i}"] for i in range(self.rows["allergies"])]

    def procedure_rows(self) -> list[tuple[BoundField, BoundField]]:
        return [
            (self[f"proc-{i}-name"], self[f"proc-{i}-date"]) for i in range(self.rows["procedures"])
        ]

    def clean_birth_date(self) -> date:
        value: date = self.cleaned_data["birth_date"]
        if value > self.today:
            raise ValidationError("The date of birth cannot be in the future.")
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for i in range(self.rows["medications"]):
            name = cleaned.get(f"med-{i}-name", "").strip()
            if name and not cleaned.get(f"med-{i}-prescribed"):
                self.add_error(f"med-{i}-prescribed", "Tell us whether a doctor prescribed it.")
        for i in range(self.rows["procedures"]):
            name = cleaned.get(f"proc-{i}-name", "").strip()
            when = cleaned.get(f"proc-{i}-date")
            if name and when is None and f"proc-{i}-date" not in self.errors:
                self.add_error(f"proc-{i}-date", "Tell us roughly when (any day of that month).")
            if when is not None and not name:
                self.add_error(f"proc-{i}-name", "Say which treatment you had.")
            if when is not None and when > self.today:
                self.add_error(f"proc-{i}-date", "That date is still to come.")
        return cleaned

    def answers(self) -> dict[str, Any]:
        """The intake document (DESIGN 7.1) from the cleaned form; empty rows are left out."""
        c = self.cleaned_data
        fitzpatrick = c.get("fitzpatrick") or ""
        self.row_of: dict[str, list[int]] = {name: [] for name in LISTS}
        medications = []
        for i in range(self.rows["medications"]):
            name = c.get(f"med-{i}-name", "").strip()
            if name:
                medications.append({"name": name, "prescribed": c[f"med-{i}-prescribed"] == "yes"})
                self.row_of["medications"].append(i)
        allergies = []
        for i in range(self.rows["allergies"]):
            name = c.get(f"allergy-{i}", "").strip()
            if name:
                allergies.append(name)
                self.row_of["allergies"].append(i)
        procedures = []
        for i in range(self.rows["procedures"]):
            name = c.get(f"proc-{i}-name", "").strip()
            if name:
                procedures.append({"name": name, "date": c[f"proc-{i}-date"].isoformat()})
                self.row_of["procedures"].append(i)
        return {
            "birth_date": c["birth_date"].isoformat(),
            "sex": c["sex"],
            "pregnant": c["pregnant"] == "yes",
            "breastfeeding": c["breastfeeding"] == "yes",
            "conditions": list(c.get("conditions") or []),
            "medications": medications,
            "allergies": allergies,
            "recent_procedures": procedures,
            "fitzpatrick": int(fitzpatrick) if fitzpatrick else None,
        }

    def add_service_errors(self, error: ValidationError) -> None:
        """Shows record_intake's refusals (keyed by the document's path) at their fields."""
        for path, messages in error.message_dict.items():
            field = self._field_for(path)
            for message in messages:
                self.add_error(field, message)

    def _field_for(self, path: str) -> str | None:
        if path in self.fields:
            return path
        match = _PATH.match(path)
        if not match:
            return None
        name, index, part = match.group(1), int(match.group(2)), match.group(3)
        key = {"recent_procedures": "procedures"}.get(name, name)
        rows = getattr(self, "row_of", {}).get(key, [])
        if index >= len(rows):
            return None
        row = rows[index]
        field = {
            "medications": f"med-{row}-{part or 'name'}",
            "allergies": f"allergy-{row}",
            "procedures": f"proc-{row}-{part or 'name'}",
        }[key]
        return field if field in self.fields else None


def draft_data(post: Any, rows: dict[str, int]) -> dict[str, Any]:
    """What the patient entered, as a draft: every field of the form, as posted."""
    names = ["birth_date", "sex", "pregnant", "breastfeeding", "fitzpatrick"]
    for i in range(rows["medications"]):
        names += [f"med-{i}-name", f"med-{i}-prescribed"]
    names += [f"allergy-{i}" for i in range(rows["allergies"])]
    for i in range(rows["procedures"]):
        names += [f"proc-{i}-name", f"proc-{i}-date"]
    data: dict[str, Any] = {name: post.get(name, "")[:500] for name in names}
    data["conditions"] = post.getlist("conditions")[:50]
    return data
