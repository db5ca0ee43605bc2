"""Outcome scores: the library's scales, a patient's or a session's scores, and scoring a
session. Roles as on the web: practitioners score, admins read, front desk gets 403 for
scores (after the 404 of another clinic's object); every read of scores is logged."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from mesodesk.accounts.access import require_role
from mesodesk.api.common import caller, local, member, responses
from mesodesk.api.schemas_outcomes import (
    BandOut,
    ItemOut,
    LevelOut,
    ScaleOut,
    ScoreIn,
    ScoreOut,
    SourceOut,
)
from mesodesk.audit.choices import AccessAction
from mesodesk.audit.selectors import client_ip
from mesodesk.audit.services import record_access
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.reading import Part, require_read
from mesodesk.core.library import load_library
from mesodesk.core.outcomes import outcome_scales
from mesodesk.outcomes import selectors, services
from mesodesk.outcomes.models import Score
from mesodesk.patients import selectors as patient_selectors
from mesodesk.photos.models import Photo
from mesodesk.refusals import refusal
from mesodesk.scheduling import selectors as scheduling

router = Router(tags=["outcome scores"])


def score_out(score: Score, clinic: Clinic) -> ScoreOut:
    return ScoreOut(
        id=score.pk,
        patient_id=score.patient_id,
        appointment_id=score.appointment_id,
        plan_id=score.plan_id,
        scale=score.scale,
        scale_version=score.scale_version,
        value=score.value,
        label=selectors.label_of(score),
        items=score.items,
        band=score.band,
        side=score.side,
        rater=score.rater,
        method=score.method,
        time_point=score.time_point,
        session_number=score.session_number,
        weeks_after=score.weeks_after,
        baseline_appointment_id=score.baseline_id,
        area=score.area,
        note=score.note,
        rated_by_id=score.rated_by_id,
        rated_at=local(score.rated_at, clinic),  # type: ignore[arg-type]
        entered_in_error_at=local(score.entered_in_error_at, clinic),
        entered_in_error_reason=score.entered_in_error_reason,
        photo_ids=[p.pk for p in score.photos_read.all()],
    )


def _logged(request: HttpRequest, clinic: Clinic, obj: object, patient: object) -> None:
    record_access(
        clinic=clinic,
        user=request.user,
        action=AccessAction.READ,
        obj=obj,  # type: ignore[arg-type]
        patient=patient,  # type: ignore[arg-type]
        ip=client_ip(request),
        path=request.path,
    )


@router.get(
    "/clinics/{clinic}/scales",
    response=responses(list[ScaleOut]),
    summary="The outcome scales of the library: levels with definitions, items, sources",
)
def list_scales(request: HttpRequest, clinic: str) -> list[ScaleOut]:
    member(request, clinic)
    sources = load_library().sources
    return [
        ScaleOut(
            code=s.code,
            label=s.label,
            version=s.version,
            raters=list(s.raters),
            against_baseline=s.against_baseline,
            per_side=s.per_side,
            better=s.better,  # type: ignore[arg-type]
            levels=[
                LevelOut(value=v.value, label=v.label, definition=v.definition) for v in s.levels
            ],
            items=[
                ItemOut(code=i.code, label=i.label, low=i.low, high=i.high, definition=i.definition)
                for i in s.items
            ],
            bands=[BandOut(low=b.low, high=b.high, label=b.label) for b in s.bands],
            note=s.note,
            sources=[
                SourceOut(source=c.source, label=sources[c.source].label, at=c.at)
                for c in s.sources
            ],
        )
        for s in outcome_scales(load_library().scales)
    ]


@router.get(
    "/clinics/{clinic}/patients/{patient_id}/scores",
    response=responses(list[ScoreOut]),
    summary="A patient's outcome scores, oldest first (practitioners and admins)",
)
def list_patient_scores(request: HttpRequest, clinic: str, patient_id: int) -> list[ScoreOut]:
    membership = member(request, clinic)
    patient = patient_selectors.get_patient(membership.clinic, patient_id)
    require_read(membership, Part.SCORES)
    scores = selectors.scores_of_patient(membership.clinic, patient, member=membership)
    _logged(request, membership.clinic, patient, patient)
    return [score_out(s, membership.clinic) for s in scores]


@router.get(
    "/clinics/{clinic}/appointments/{appointment_id}/scores",
    response=responses(list[ScoreOut]),
    summary="A session's outcome scores (practitioners and admins)",
)
def list_appointment_scores(
    request: HttpRequest, clinic: str, appointment_id: int
) -> list[ScoreOut]:
    membership = member(request, clinic)
    appointment = scheduling.get_appointment(membership.clinic, appointment_id)
    require_read(membership, Part.SCORES)
    scores = selectors.scores_of_appointment(membership.clinic, appointment, member=membership)
    _logged(request, membership.clinic, appointment, appointment.patient)
    return [score_out(s, membership.clinic) for s in scores]


@router.post(
    "/clinics/{clinic}/appointments/{appointment_id}/scores",
    response=responses(ScoreOut, 400, status=201),
    summary="Score a session that has started (practitioners): a level, or Hexsel's items",
)
def create_score(
    request: HttpRequest, clinic: str, appointment_id: int, body: ScoreIn
) -> Status[ScoreOut]:
    membership = member(request, clinic)
    appointment = scheduling.get_appointment(membership.clinic, appointment_id)
    require_role(membership, Role.PRACTITIONER)
    data = body.dict()
    ids = set(data.pop("photo_ids"))
    photos = list(
        Photo.objects.filter(clinic=membership.clinic, patient=appointment.patient, pk__in=ids)
    )
    if len(photos) != len(ids):
        raise refusal("photo_ids", "Name photos of this patient.", "invalid")
    score = services.record_score(
        clinic=membership.clinic,
        appointment=appointment,
        by=caller(request),
        photos_read=photos,
        **data,
    )
    return Status(201, score_out(score, membership.clinic))
