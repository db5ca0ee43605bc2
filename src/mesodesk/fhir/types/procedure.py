"""The treatment session and what was given in it: Procedure (the session record),
MedicationAdministration (each product given, with its lot in a contained Medication) and
AdverseEvent (R4 shape)."""

from __future__ import annotations

from typing import Any

from django.db.models import DateTimeField, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest

from mesodesk.charting.choices import ImmediateReaction, RecordStatus
from mesodesk.charting.models import Addendum, Administration, SessionRecord
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
    DEPTH_EXTENSION,
    SNOMED,
    area,
    codes,
    concept,
    instant,
    label,
    ml,
    mm,
    two_states,
)
from mesodesk.safety.models import AdverseEvent, FollowUp, Suspect

# SNOMED CT 372464004 |Intradermal route (qualifier value)|: mesotherapy is intradermal.
GTIN = "https://www.gs1.org/gtin"
INTRADERMAL = {"system": SNOMED, "code": "372464004", "display": "Intradermal route"}


def _latest(model: Any, field: str, link: str) -> Subquery:
    """The latest `field` of the rows of `model` pointing at the outer row through `link`."""
    return Subquery(
        model.objects.filter(**{link: OuterRef("pk")}).order_by(f"-{field}").values(field)[:1],
        output_field=DateTimeField(),
    )


# --- Procedure -------------------------------------------------------------------------


def _records(ctx: Context) -> QuerySet[SessionRecord]:
    return (
        SessionRecord.objects.filter(clinic=ctx.clinic)
        .select_related("appointment")
        .prefetch_related(
            Prefetch("administrations", Administration.objects.order_by("created_at", "id")),
            Prefetch("addenda", Addendum.objects.order_by("signed_at", "id")),
            Prefetch("adverse_events", AdverseEvent.objects.order_by("onset", "id")),
        )
        # A draft changes until it is signed; a signed record only gains addenda.
        .annotate(
            last_updated=Coalesce(
                _latest(Addendum, "signed_at", "record"), "signed_at", "created_at"
            )
        )
        .order_by("pk")
    )


def _procedure(row: SessionRecord, ctx: Context) -> Resource:
    library = load_library()
    appointment = row.appointment
    start = appointment.started_at or appointment.start
    data: Resource = {
        "resourceType": "Procedure",
        "id": str(row.pk),
        "meta": meta(row.last_updated),  # type: ignore[attr-defined]
        "status": "completed" if row.status == RecordStatus.SIGNED else "in-progress",
        "code": {"text": "Mesotherapy session"},
        "subject": {"reference": f"Patient/{row.patient_id}"},
        "performer": [{"actor": {"reference": f"Practitioner/{row.practitioner_id}"}}],
        "recorder": {"reference": f"Practitioner/{row.created_by_id}"},
    }
    period: Resource = {"start": instant(start)}
    if appointment.ended_at:
        period["end"] = instant(appointment.ended_at)
    data["performedPeriod"] = period
    if row.plan_id:
        data["basedOn"] = [{"reference": f"CarePlan/{row.plan_id}"}]
    if row.signed_by_id:
        data["asserter"] = {"reference": f"Practitioner/{row.signed_by_id}"}
    areas = list(row.areas or [])
    given = list(row.administrations.all())
    for administration in given:
        if administration.area not in areas:
            areas.append(administration.area)
    if areas:
        data["bodySite"] = [area(code) for code in areas]
    devices = dict.fromkeys(a.device_id for a in given if a.device_id)
    if devices:
        data["usedReference"] = [{"reference": f"Device/{pk}"} for pk in devices]
    events = list(row.adverse_events.all())
    if events:
        data["complication"] = [
            concept("adverse-event", e.event, label(library.adverse_events, e.event))
            for e in events
        ]
    notes: list[Resource] = []
    if row.notes:
        notes.append({"text": row.notes, "time": instant(row.created_at)})
    reactions = [r for r in row.immediate_reactions or [] if r != ImmediateReaction.NONE]
    if row.pain_score is not None or reactions:
        said = [f"Pain {row.pain_score}/10"] if row.pain_score is not None else []
        said += [ImmediateReaction(r).label if r in ImmediateReaction else r for r in reactions]
        notes.append({"text": "Immediate reactions: " + "; ".join(said)})
    notes += [
        {
            "text": addendum.text,
            "time": instant(addendum.signed_at),
            "authorReference": {"reference": f"Practitioner/{addendum.signed_by_id}"},
        }
        for addendum in row.addenda.all()
    ]
    if notes:
        data["note"] = notes
    return built("Procedure", data)


def _procedure_status(rows: QuerySet[Any], prefix: str, value: str) -> QuerySet[Any]:
    return two_states(rows, value, "in-progress", "completed", Q(status=RecordStatus.SIGNED))


PROCEDURE = register(
    FhirType(
        name="Procedure",
        part=Part.RECORDS,
        sources=(
            Source(
                rows=_records,
                build=_procedure,
                patient="patient_id",
                updated="last_updated",
                date="appointment__start",
            ),
        ),
        search=(
            SearchParam(
                "status",
                "token",
                _procedure_status,
                "in-progress (a draft record) or completed (signed)",
            ),
        ),
        documentation="A treatment session's record: areas, practitioner, devices, "
        "complications and notes; its products are MedicationAdministrations partOf it.",
    )
)


# --- MedicationAdministration ----------------------------------------------------------


def _administrations(ctx: Context) -> QuerySet[Administration]:
    return (
        Administration.objects.filter(clinic=ctx.clinic)
        .select_related("record", "product", "lot")
        .annotate(last_updated=Coalesce("entered_in_error_at", "created_at"))
        .order_by("pk")
    )


def _administration(row: Administration, ctx: Context) -> Resource:
    library = load_library()
    record = row.record
    medication: Resource = {
        "resourceType": "Medication",
        "id": "med",
        "code": {"text": row.product.name},
    }
    if row.product.gtin:
        medication["code"]["coding"] = [{"system": GTIN, "code": row.product.gtin}]
    if row.lot is not None:
        medication["batch"] = {
            "lotNumber": row.lot.number,
            "expirationDate": row.lot.expiry.isoformat(),
        }
    dosage: Resource = {
        "site": area(row.area),
        "route": {"coding": [INTRADERMAL], "text": "Intradermal"},
        "method": concept(
            "injection-technique", row.technique, label(library.injection_techniques, row.technique)
        ),
        "dose": ml(row.volume_ml),
    }
    if row.depth_mm is not None:
        dosage["extension"] = [{"url": DEPTH_EXTENSION, "valueQuantity": mm(row.depth_mm)}]
    needle = []
    if row.needle_length_mm is not None:
        needle.append(f"needle {row.needle_length_mm} mm")
    if row.needle_gauge:
        needle.append(f"{row.needle_gauge}G")
    if row.points:
        needle.append(f"{row.points} points")
    data: Resource = {
        "resourceType": "MedicationAdministration",
        "id": str(row.pk),
        "meta": meta(row.last_updated),  # type: ignore[attr-defined]
        "contained": [medication],
        "status": "entered-in-error" if row.entered_in_error_at else "completed",
        "medicationReference": {"reference": "#med", "display": row.product.name},
        "subject": {"reference": f"Patient/{record.patient_id}"},
        "partOf": [{"reference": f"Procedure/{record.pk}"}],
        "effectiveDateTime": instant(row.created_at),
        "performer": [{"actor": {"reference": f"Practitioner/{record.practitioner_id}"}}],
        "dosage": dosage,
    }
    if row.device_id:
        data["device"] = [{"reference": f"Device/{row.device_id}"}]
    if row.entered_in_error_at:
        data["statusReason"] = [{"text": row.entered_in_error_reason}]
    notes = [{"text": ", ".join(needle).capitalize()}] if needle else []
    if row.device_settings:
        notes.append({"text": f"Device settings: {row.device_settings}"})
    if row.out_of_range_reason:
        notes.append({"text": f"Outside the library's range: {row.out_of_range_reason}"})
    if notes:
        data["note"] = notes
    return built("MedicationAdministration", data)


def _in_error(rows: QuerySet[Any], prefix: str, value: str) -> QuerySet[Any]:
    """completed, or entered-in-error (administrations and scores alike)."""
    return two_states(
        rows, value, "completed", "entered-in-error", Q(entered_in_error_at__isnull=False)
    )


def _lot_number(rows: QuerySet[Any], prefix: str, value: str) -> QuerySet[Any]:
    """A recall: every administration from one of the lots (a comma is OR)."""
    return rows.filter(lot__number__in=codes(value))


def _medication(rows: QuerySet[Any], prefix: str, value: str) -> QuerySet[Any]:
    """The product's name starts with the value (FHIR string search), or equals it
    with `:exact`."""
    names = value.split(",")
    if prefix == ":exact":
        return rows.filter(product__name__in=names)
    match = Q()
    for name in names:
        match |= Q(product__name__istartswith=name)
    return rows.filter(match)


MEDICATION_ADMINISTRATION = register(
    FhirType(
        name="MedicationAdministration",
        part=Part.RECORDS,
        sources=(
            Source(
                rows=_administrations,
                build=_administration,
                patient="record__patient_id",
                updated="last_updated",
                date="created_at",
            ),
        ),
        search=(
            SearchParam("status", "token", _in_error, "completed or entered-in-error"),
            SearchParam(
                "lot-number",
                "token",
                _lot_number,
                "The lot number of the contained Medication's batch: every administration "
                "from a lot, for a recall",
            ),
            SearchParam(
                "medication.name",
                "string",
                _medication,
                "The product's name (starts with; :exact for the whole name)",
            ),
        ),
        documentation="One product given in one area of a session: a contained Medication "
        "with its lot number and expiry, the dose in UCUM mL, the intradermal route, the "
        "technique and the depth (extension " + DEPTH_EXTENSION + ").",
    )
)


# --- AdverseEvent ----------------------------------------------------------------------

SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
SERIOUSNESS = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness"
OUTCOME = "http://terminology.hl7.org/CodeSystem/adverse-event-outcome"
OUTCOMES = {
    "ongoing": ("ongoing", "Ongoing"),
    "recovering": ("recovering", "Recovering"),
    "resolved": ("resolved", "Resolved"),
    "resolved_with_sequelae": ("resolvedWithSequelae", "Resolved with Sequelae"),
    "fatal": ("fatal", "Fatal"),
    "unknown": ("unknown", "Unknown"),
}


def severity(grade: int) -> str:
    """R4's three severities from the CTCAE v5 grade (1 mild, 2 moderate, 3-5 severe)."""
    return "mild" if grade <= 1 else "moderate" if grade == 2 else "severe"


def _events(ctx: Context) -> QuerySet[AdverseEvent]:
    return (
        AdverseEvent.objects.filter(clinic=ctx.clinic)
        .prefetch_related(
            Prefetch("suspects", Suspect.objects.select_related("lot", "product").order_by("id")),
            Prefetch("follow_ups", FollowUp.objects.order_by("at", "id")),
        )
        .annotate(
            last_updated=Greatest(
                "recorded_at", Coalesce(_latest(FollowUp, "at", "event"), F("recorded_at"))
            )
        )
        .order_by("pk")
    )


def _adverse_event(row: AdverseEvent, ctx: Context) -> Resource:
    library = load_library()
    # The event as it stands now: the follow-ups applied in order.
    grade, serious, outcome = row.grade, row.serious, row.outcome
    # (R4's AdverseEvent has no note: the follow-ups' text stays in mesodesk.)
    for follow_up in row.follow_ups.all():
        grade = follow_up.grade or grade
        serious = serious if follow_up.serious is None else follow_up.serious
        outcome = follow_up.outcome or outcome
    code, display = OUTCOMES[outcome]
    contained: list[Resource] = []
    suspects: list[Resource] = []
    for suspect in row.suspects.all():
        if suspect.administration_id:
            instance = {"reference": f"MedicationAdministration/{suspect.administration_id}"}
        else:  # a lot (or product) suspected on its own
            medication: Resource = {
                "resourceType": "Medication",
                "id": f"suspect-{suspect.pk}",
                "code": {"text": suspect.product.name},
            }
            if suspect.lot is not None:
                medication["batch"] = {
                    "lotNumber": suspect.lot.number,
                    "expirationDate": suspect.lot.expiry.isoformat(),
                }
            contained.append(medication)
            instance = {"reference": f"#suspect-{suspect.pk}"}
        suspects.append({"instance": instance})
    if row.session_record_id:
        suspects.append({"instance": {"reference": f"Procedure/{row.session_record_id}"}})
    if row.device_id:
        suspects.append({"instance": {"reference": f"Device/{row.device_id}"}})
    data: Resource = {
        "resourceType": "AdverseEvent",
        "id": str(row.pk),
        "meta": meta(row.last_updated),  # type: ignore[attr-defined]
        "actuality": "actual",
        "event": concept("adverse-event", row.event, label(library.adverse_events, row.event)),
        "subject": {"reference": f"Patient/{row.patient_id}"},
        "date": row.onset.isoformat(),
        "recordedDate": instant(row.recorded_at),
        "recorder": {"reference": f"Practitioner/{row.recorded_by_id}"},
        "seriousness": {
            "coding": [
                {"system": SERIOUSNESS, "code": "Serious", "display": "Serious"}
                if serious
                else {"system": SERIOUSNESS, "code": "Non-serious", "display": "Non-serious"}
            ]
        },
        "severity": {
            "coding": [{"system": SEVERITY, "code": severity(grade)}],
            "text": f"Grade {grade} (CTCAE v5)",
        },
        "outcome": {"coding": [{"system": OUTCOME, "code": code, "display": display}]},
    }
    if contained:
        data["contained"] = contained
    if suspects:
        data["suspectEntity"] = suspects
    if row.description or row.actions_taken:
        text = row.description
        if row.actions_taken:
            text = f"{text}\n\nActions taken: {row.actions_taken}".strip()
        data["event"]["text"] = f"{data['event']['text']}: {text}"
    return built("AdverseEvent", data)


ADVERSE_EVENT = register(
    FhirType(
        name="AdverseEvent",
        part=Part.EVENTS,
        sources=(
            Source(
                rows=_events,
                build=_adverse_event,
                patient="patient_id",
                updated="last_updated",
                date="onset",
            ),
        ),
        documentation="An adverse event as staff assessed it (R4 shape): severity from the "
        "CTCAE v5 grade, seriousness, outcome, and the administrations, lots, session and "
        "device suspected; the follow-ups applied.",
    )
)
