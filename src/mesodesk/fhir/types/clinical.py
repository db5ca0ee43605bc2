"""What the clinical resource types share: mesodesk's own code systems and extension, the
library's codes as CodeableConcepts, and the references between the clinical resources.

The types themselves are one module a family: `procedure` (Procedure,
MedicationAdministration, AdverseEvent), `documents` (Consent, DocumentReference, Media,
Binary) and `observations` (Observation, QuestionnaireResponse, Questionnaire).

The protocol library has no SNOMED CT or LOINC codes for its areas, techniques, views and
scales, so they are coded in mesodesk's own code systems (one a vocabulary, under
`SYSTEM`) with the library's label as display and text; international codes are used
where the FHIR element binds a value set (route, seriousness, severity, outcome, consent
scope and category, observation category, media type).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from mesodesk.core.library import load_library
from mesodesk.fhir.registry import Resource

SYSTEM = "https://mesodesk.org/fhir/CodeSystem"
DEPTH_EXTENSION = "https://mesodesk.org/fhir/StructureDefinition/injection-depth"
INTAKE_QUESTIONNAIRE = "https://mesodesk.org/fhir/Questionnaire/intake"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
# LOINC 59284-0 "Consent Document" (the consent-category value set's code for a consent form).
CONSENT_DOCUMENT = {"system": LOINC, "code": "59284-0", "display": "Consent Document"}


def codes(value: str) -> list[str]:
    """The codes of a token search value: comma-separated, each "system|code" or "code"."""
    return [v.rsplit("|", 1)[-1] for v in value.split(",") if v.rsplit("|", 1)[-1]]


def two_states(rows: QuerySet[Any], value: str, first: str, second: str, when: Q) -> QuerySet[Any]:
    """A token search over a status of two values: the rows in `second` are those where
    `when` holds, the others are in `first`; any other code finds nothing."""
    wanted = set(codes(value))
    match = Q(pk__in=[])
    if first in wanted:
        match |= ~when
    if second in wanted:
        match |= when
    return rows.filter(match)


def coding(vocabulary: str, code: str, display: str | None = None) -> Resource:
    out: Resource = {"system": f"{SYSTEM}/{vocabulary}", "code": code}
    if display:
        out["display"] = display
    return out


def concept(vocabulary: str, code: str, display: str | None = None) -> Resource:
    """A CodeableConcept of one of mesodesk's code systems, its text the display."""
    return {"coding": [coding(vocabulary, code, display)], "text": display or code}


def label(table: Mapping[str, Any], code: str) -> str:
    """The library's label of a code, or the code made readable when the library (of
    another version) no longer knows it."""
    term = table.get(code)
    return str(term.label) if term is not None else code.replace("_", " ")


def area(code: str, side: str = "") -> Resource:
    """A body site: the library's area code, its label, and the side where there is one."""
    text = label(load_library().areas, code)
    out = concept("area", code, text)
    if side:
        out["text"] = f"{text}, {side}"
    return out


def instant(moment: datetime) -> str:
    return moment.isoformat()


def ml(volume: Decimal) -> Resource:
    """A volume in UCUM millilitres."""
    return {"value": float(volume), "unit": "mL", "system": UCUM, "code": "mL"}


def mm(length: Decimal) -> Resource:
    return {"value": float(length), "unit": "mm", "system": UCUM, "code": "mm"}


def sha1(data: bytes) -> str:
    """R4's Attachment.hash: the base64 of the SHA-1 (mesodesk keeps SHA-256 itself)."""
    return base64.b64encode(hashlib.sha1(data, usedforsecurity=False).digest()).decode("ascii")


def procedure_of(appointment: Any) -> Resource | None:
    """The Procedure (session record) of a session appointment, when it was charted; the
    appointment must come with its `session_record` joined."""
    if appointment is None:
        return None
    record = getattr(appointment, "session_record", None)
    return {"reference": f"Procedure/{record.pk}"} if record is not None else None
