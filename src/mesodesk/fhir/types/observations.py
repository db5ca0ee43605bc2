"""Scores and answers: Observation (outcome scores, and the Fitzpatrick skin type the
patient gave in the intake), QuestionnaireResponse (each intake version) and the intake
Questionnaire it answers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db.models import DateTimeField, Exists, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from mesodesk.clinics.models import Clinic
from mesodesk.clinics.reading import Part
from mesodesk.core.library import load_library
from mesodesk.fhir.registry import (
    Context,
    FhirType,
    Resource,
    SearchParam,
    Source,
    built,
    meta,
    register,
)
from mesodesk.fhir.types.clinical import (
    INTAKE_QUESTIONNAIRE,
    SYSTEM,
    area,
    codes,
    coding,
    concept,
    instant,
    label,
    procedure_of,
    two_states,
)
from mesodesk.outcomes.choices import Method, Rater
from mesodesk.outcomes.models import Score
from mesodesk.patients.models import IntakeVersion
from mesodesk.photos.models import Photo
from mesodesk.portal.intake import CONDITION_WORDS, SEXES, SKIN_TYPES, IntakeForm

CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
GENDER = "http://hl7.org/fhir/administrative-gender"
ROMAN = ("I", "II", "III", "IV", "V", "VI")


def _category(code: str, display: str) -> list[Resource]:
    return [{"coding": [{"system": CATEGORY, "code": code, "display": display}]}]


# --- Observation: outcome scores -------------------------------------------------------


def _scores(ctx: Context) -> QuerySet[Score]:
    return (
        Score.objects.filter(clinic=ctx.clinic)
        .select_related("appointment__session_record")
        .prefetch_related(Prefetch("photos_read", Photo.objects.only("pk").order_by("pk")))
        .annotate(last_updated=Coalesce("entered_in_error_at", "rated_at"))
        .order_by("pk")
    )


def _score_value(scale: Any, row: Score) -> Resource:
    if row.value.isdigit():
        return {"valueInteger": int(row.value)}
    level = next((lv for lv in (scale.levels if scale else ()) if lv.value == row.value), None)
    display = f"{row.value}: {level.label}" if level else row.value
    return {"valueCodeableConcept": concept(f"scale/{row.scale}", row.value, display)}


def _score(row: Score, ctx: Context) -> Resource:
    scale = load_library().scales.get(row.scale)
    patient = {"reference": f"Patient/{row.patient_id}"}
    rater = Rater(row.rater)
    data: Resource = {
        "resourceType": "Observation",
        "id": f"score-{row.pk}",
        "meta": meta(row.last_updated),  # type: ignore[attr-defined]
        "status": "entered-in-error" if row.entered_in_error_at else "final",
        "category": _category("survey", "Survey")
        if rater == Rater.PATIENT
        else _category("exam", "Exam"),
        "code": concept("outcome-scale", row.scale, label(load_library().scales, row.scale)),
        "subject": patient,
        "effectiveDateTime": instant(row.rated_at),
        "issued": instant(row.rated_at),
        "performer": [
            patient
            if rater == Rater.PATIENT
            else {"reference": f"Practitioner/{row.rated_by_id}", "display": rater.label}
        ],
        "method": concept("rating-method", row.method, Method(row.method).label),
        **_score_value(scale, row),
    }
    if row.scale_version or (scale and scale.version):
        data["code"]["coding"][0]["version"] = row.scale_version or scale.version  # type: ignore[union-attr]
    if row.area:
        data["bodySite"] = area(row.area, row.get_side_display() if row.side else "")
    procedure = procedure_of(row.appointment)
    if procedure is not None:
        data["partOf"] = [procedure]
    photos = [{"reference": f"Media/{p.pk}"} for p in row.photos_read.all()]
    if photos:
        data["derivedFrom"] = photos
    if row.items:
        data["component"] = [
            {"code": concept(f"scale/{row.scale}/item", code), "valueInteger": int(value)}
            for code, value in row.items.items()
        ]
    notes = []
    if row.band:
        notes.append({"text": f"Band: {row.band}"})
    if row.note:
        notes.append({"text": row.note})
    if row.entered_in_error_at:
        notes.append({"text": f"Entered in error: {row.entered_in_error_reason}"})
    if notes:
        data["note"] = notes
    return built("Observation", data)


# --- Observation: the Fitzpatrick skin type of the intake ------------------------------


def _fitzpatricks(ctx: Context) -> QuerySet[IntakeVersion]:
    return (
        IntakeVersion.objects.filter(clinic=ctx.clinic, answers__has_key="fitzpatrick")
        .exclude(answers__fitzpatrick=None)
        .order_by("pk")
    )


def _fitzpatrick(row: IntakeVersion, ctx: Context) -> Resource:
    skin_type = int(row.answers["fitzpatrick"])
    words = dict(SKIN_TYPES)[str(skin_type)]
    data: Resource = {
        "resourceType": "Observation",
        "id": f"fitzpatrick-{row.pk}",
        "meta": meta(row.created_at),
        "status": "final",
        "category": _category("survey", "Survey"),
        "code": concept("outcome-scale", "fitzpatrick", "Fitzpatrick skin type"),
        "subject": {"reference": f"Patient/{row.patient_id}"},
        "effectiveDateTime": instant(row.created_at),
        "issued": instant(row.created_at),
        # The patient said it (on the portal, or to staff who entered it for them).
        "performer": [{"reference": f"Patient/{row.patient_id}"}],
        "valueCodeableConcept": concept(
            "scale/fitzpatrick", ROMAN[skin_type - 1], f"Type {ROMAN[skin_type - 1]}: {words}"
        ),
        "derivedFrom": [{"reference": f"QuestionnaireResponse/{row.pk}"}],
    }
    return built("Observation", data)


def _observation_code(rows: QuerySet[Any], prefix: str, value: str) -> QuerySet[Any]:
    """By scale code (the outcome-scale system's): "fitzpatrick", "gais", ..."""
    scales = codes(value)
    if rows.model is IntakeVersion:
        return rows if "fitzpatrick" in scales else rows.none()
    return rows.filter(scale__in=scales)


def _observation_status(rows: QuerySet[Any], prefix: str, value: str) -> QuerySet[Any]:
    if rows.model is IntakeVersion:  # a patient's answer is never entered in error
        return rows if "final" in codes(value) else rows.none()
    return two_states(
        rows, value, "final", "entered-in-error", Q(entered_in_error_at__isnull=False)
    )


OBSERVATION = register(
    FhirType(
        name="Observation",
        # Scores; the Fitzpatrick type comes from the intake's answers, as clinical.
        part=Part.SCORES,
        sources=(
            Source(
                rows=_scores,
                build=_score,
                patient="patient_id",
                updated="last_updated",
                date="rated_at",
                prefix="score-",
            ),
            Source(
                rows=_fitzpatricks,
                build=_fitzpatrick,
                patient="patient_id",
                updated="created_at",
                date="created_at",
                prefix="fitzpatrick-",
            ),
        ),
        search=(
            SearchParam(
                "code",
                "token",
                _observation_code,
                f"The scale, a code of {SYSTEM}/outcome-scale (gais, wsrs, fitzpatrick ...)",
            ),
            SearchParam("status", "token", _observation_status, "final or entered-in-error"),
        ),
        documentation="Outcome scores (score-<id>: scale, rater, method, area, the photos "
        "read as derivedFrom, partOf the session) and the Fitzpatrick skin type given in "
        "the intake (fitzpatrick-<id>).",
    )
)


# --- QuestionnaireResponse -------------------------------------------------------------


def _intakes(ctx: Context) -> QuerySet[IntakeVersion]:
    later = IntakeVersion.objects.filter(patient=OuterRef("patient"), number__gt=OuterRef("number"))
    return (
        IntakeVersion.objects.filter(clinic=ctx.clinic)
        .annotate(amended=Exists(later))
        .order_by("pk")
    )


def _answer(link_id: str, text: str, answers: list[Resource]) -> Resource:
    return {"linkId": link_id, "text": text, "answer": answers}


def _group(link_id: str, text: str, items: list[Resource]) -> Resource:
    return {"linkId": link_id, "text": text, "item": items}


MEDICATIONS = "Medicines and supplements you take"
PROCEDURES = "Skin treatments you had recently"
QUESTIONS = {name: str(field.label) for name, field in IntakeForm.base_fields.items()}


def _items(answers: dict[str, Any]) -> list[Resource]:
    library = load_library()
    items: list[Resource] = []
    if answers.get("birth_date"):
        items.append(
            _answer("birth_date", QUESTIONS["birth_date"], [{"valueDate": answers["birth_date"]}])
        )
    sexes = dict(SEXES)
    if answers.get("sex") in sexes:
        sex = answers["sex"]
        items.append(
            _answer(
                "sex",
                QUESTIONS["sex"],
                [{"valueCoding": {"system": GENDER, "code": sex, "display": sex.capitalize()}}],
            )
        )
    for name in ("pregnant", "breastfeeding"):
        if name in answers:
            items.append(_answer(name, QUESTIONS[name], [{"valueBoolean": bool(answers[name])}]))
    conditions = answers.get("conditions") or []
    if conditions:
        items.append(
            _answer(
                "conditions",
                QUESTIONS["conditions"],
                [
                    {"valueCoding": coding("condition", c, label(library.conditions, c))}
                    for c in conditions
                ],
            )
        )
    for medicine in answers.get("medications") or []:
        items.append(
            _group(
                "medications",
                MEDICATIONS,
                [
                    _answer("medications.name", "Name", [{"valueString": medicine["name"]}]),
                    _answer(
                        "medications.prescribed",
                        "Prescribed by a doctor",
                        [{"valueBoolean": bool(medicine["prescribed"])}],
                    ),
                ],
            )
        )
    allergies = answers.get("allergies") or []
    if allergies:
        items.append(_answer("allergies", "Allergies", [{"valueString": a} for a in allergies]))
    for procedure in answers.get("recent_procedures") or []:
        items.append(
            _group(
                "recent_procedures",
                PROCEDURES,
                [
                    _answer(
                        "recent_procedures.name", "Treatment", [{"valueString": procedure["name"]}]
                    ),
                    _answer("recent_procedures.date", "When", [{"valueDate": procedure["date"]}]),
                ],
            )
        )
    if answers.get("fitzpatrick"):
        n = int(answers["fitzpatrick"])
        items.append(
            _answer(
                "fitzpatrick",
                QUESTIONS["fitzpatrick"],
                [
                    {
                        "valueCoding": coding(
                            "scale/fitzpatrick", ROMAN[n - 1], dict(SKIN_TYPES)[str(n)]
                        )
                    }
                ],
            )
        )
    return items


def _intake(row: IntakeVersion, ctx: Context) -> Resource:
    data: Resource = {
        "resourceType": "QuestionnaireResponse",
        "id": str(row.pk),
        "meta": meta(row.created_at),
        "identifier": {"system": f"urn:mesodesk:{ctx.clinic.slug}:intake", "value": str(row.pk)},
        "questionnaire": INTAKE_QUESTIONNAIRE,
        # A later version replaces it: the answers as given then, amended since.
        "status": "amended" if row.amended else "completed",  # type: ignore[attr-defined]
        "subject": {"reference": f"Patient/{row.patient_id}"},
        "authored": instant(row.created_at),
        "author": {"reference": f"Practitioner/{row.created_by_id}"}
        if row.on_behalf
        else {"reference": f"Patient/{row.patient_id}"},
        "source": {"reference": f"Patient/{row.patient_id}"},
        "item": _items(row.answers),
    }
    return built("QuestionnaireResponse", data)


def _intake_status(rows: QuerySet[Any], prefix: str, value: str) -> QuerySet[Any]:
    return two_states(rows, value, "completed", "amended", Q(amended=True))


QUESTIONNAIRE_RESPONSE = register(
    FhirType(
        name="QuestionnaireResponse",
        part=Part.ANSWERS,
        sources=(
            Source(
                rows=_intakes,
                build=_intake,
                patient="patient_id",
                updated="created_at",
                date="created_at",
            ),
        ),
        search=(
            SearchParam(
                "status",
                "token",
                _intake_status,
                "completed (the latest version) or amended (a later one replaced it)",
            ),
        ),
        documentation=f"One version of a patient's medical-history answers, against the "
        f"intake Questionnaire ({INTAKE_QUESTIONNAIRE}).",
    )
)


# --- Questionnaire ---------------------------------------------------------------------

# When the questions last changed (their wording is portal.intake's, the conditions the
# library's: `version` names the library).
QUESTIONS_CHANGED = datetime(2026, 12, 1, tzinfo=UTC)


def _questionnaires(ctx: Context) -> QuerySet[Clinic]:
    # One a clinic (id "intake-<clinic id>"): the questions are the same everywhere.
    return Clinic.objects.filter(pk=ctx.clinic.pk).annotate(
        last_updated=Value(QUESTIONS_CHANGED, output_field=DateTimeField())
    )


def _option(value: Resource) -> Resource:
    return {"valueCoding": value}


def _question(link_id: str, kind: str, **more: Any) -> Resource:
    return {"linkId": link_id, "text": QUESTIONS.get(link_id, link_id), "type": kind, **more}


def _questionnaire(row: Clinic, ctx: Context) -> Resource:
    library = load_library()
    data: Resource = {
        "resourceType": "Questionnaire",
        "id": f"intake-{row.pk}",
        "meta": meta(QUESTIONS_CHANGED),
        "url": INTAKE_QUESTIONNAIRE,
        "version": library.version,
        "name": "MesodeskIntake",
        "title": "Medical history before mesotherapy",
        "status": "active",
        "subjectType": ["Patient"],
        "publisher": row.name,
        "item": [
            _question("birth_date", "date", required=True),
            _question(
                "sex",
                "choice",
                required=True,
                answerOption=[
                    _option({"system": GENDER, "code": code, "display": code.capitalize()})
                    for code, _ in SEXES
                ],
            ),
            _question("pregnant", "boolean", required=True),
            _question("breastfeeding", "boolean", required=True),
            _question(
                "conditions",
                "choice",
                repeats=True,
                answerOption=[
                    _option(coding("condition", code, CONDITION_WORDS.get(code, term.label)))
                    for code, term in library.conditions.items()
                ],
            ),
            {
                "linkId": "medications",
                "text": MEDICATIONS,
                "type": "group",
                "repeats": True,
                "item": [
                    {"linkId": "medications.name", "text": "Name", "type": "string"},
                    {
                        "linkId": "medications.prescribed",
                        "text": "Prescribed by a doctor",
                        "type": "boolean",
                    },
                ],
            },
            {"linkId": "allergies", "text": "Allergies", "type": "string", "repeats": True},
            {
                "linkId": "recent_procedures",
                "text": PROCEDURES,
                "type": "group",
                "repeats": True,
                "item": [
                    {"linkId": "recent_procedures.name", "text": "Treatment", "type": "string"},
                    {"linkId": "recent_procedures.date", "text": "When", "type": "date"},
                ],
            },
            _question(
                "fitzpatrick",
                "choice",
                answerOption=[
                    _option(coding("scale/fitzpatrick", ROMAN[int(value) - 1], words))
                    for value, words in SKIN_TYPES
                    if value
                ],
            ),
        ],
    }
    return built("Questionnaire", data)


QUESTIONNAIRE = register(
    FhirType(
        name="Questionnaire",
        part=Part.IDENTITY,  # the questions only: no patient's data
        sources=(
            Source(
                rows=_questionnaires,
                build=_questionnaire,
                patient=None,
                updated="last_updated",
                prefix="intake-",
            ),
        ),
        documentation=f"The intake questionnaire ({INTAKE_QUESTIONNAIRE}) the "
        "QuestionnaireResponses answer.",
    )
)
