"""Every change to outcome scores goes through these functions.

Practitioners of the clinic score a session (as its practitioner or as a blinded rater);
the patient rates GAIS and satisfaction from the portal once a session is completed, once
per session and scale. The library's scale decides what a score may hold
(`core.outcomes.check_score`). Scores are never edited: a wrong one is marked entered in
error with a reason, and each write leaves a history row naming who made it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.selectors import membership
from mesodesk.core.errors import InputError
from mesodesk.core.library import load_library
from mesodesk.core.outcomes import CheckedScore, ScoreEntry, check_score
from mesodesk.outcomes.choices import Method, Rater, TimePoint
from mesodesk.outcomes.models import Score
from mesodesk.patients.models import Patient
from mesodesk.photos.models import Photo
from mesodesk.planning.models import TreatmentPlan
from mesodesk.planning.selectors import active_plan
from mesodesk.refusals import refusal
from mesodesk.scheduling.choices import AppointmentKind, AppointmentStatus
from mesodesk.scheduling.models import Appointment

# The scales the patient rates in the portal (CLINIC.md 6: GAIS by the subject too).
PATIENT_SCALES = ("gais", "satisfaction")


def _input_refusal(error: InputError) -> ValidationError:
    return refusal(error.field, error.message[:1].upper() + error.message[1:] + ".", "invalid")


def _practitioner(clinic: Clinic, by: User) -> None:
    member = membership(clinic, by)
    if member is None or member.role != Role.PRACTITIONER:
        raise refusal(
            "by", "Only a practitioner of this clinic records scores.", "permission_denied"
        )


def _save(score: Score, by: User, fields: list[str] | None = None) -> None:
    score._history_user = by  # type: ignore[attr-defined] # read by simple-history
    score.save(update_fields=fields)


def _started(appointment: Appointment) -> bool:
    return appointment.status == AppointmentStatus.COMPLETED or (
        appointment.status == AppointmentStatus.BOOKED and appointment.started_at is not None
    )


def plan_of(clinic: Clinic, appointment: Appointment) -> TreatmentPlan | None:
    """The series a session belongs to: its planned session's plan, else the active plan."""
    if appointment.planned_session_id is not None:
        return appointment.planned_session.plan  # type: ignore[union-attr]
    return active_plan(clinic, appointment.patient)


def _sessions(clinic: Clinic, patient: Patient) -> list[Appointment]:
    return list(
        Appointment.objects.filter(clinic=clinic, patient=patient, kind=AppointmentKind.SESSION)
        .exclude(status__in=(AppointmentStatus.CANCELLED, AppointmentStatus.LATE_CANCELLED))
        .select_related("planned_session")
        .order_by("start", "id")
    )


def session_number(clinic: Clinic, appointment: Appointment) -> int:
    """The number of the session in its series: the planned session's number, else its
    place among the patient's sessions."""
    if appointment.planned_session_id is not None:
        return appointment.planned_session.number  # type: ignore[union-attr]
    earlier = [a for a in _sessions(clinic, appointment.patient) if a.start <= appointment.start]
    return max(len(earlier), 1)


def baseline_of(
    clinic: Clinic, appointment: Appointment, plan: TreatmentPlan | None
) -> Appointment:
    """The session before which the series' baseline was taken: the plan's first session
    that took place, else the patient's first session, else this one."""
    sessions = _sessions(clinic, appointment.patient)
    if plan is not None:
        of_plan = [
            a
            for a in sessions
            if a.planned_session_id is not None and a.planned_session.plan_id == plan.pk  # type: ignore[union-attr]
        ]
        sessions = of_plan or sessions
    return sessions[0] if sessions else appointment


def _locked_appointment(clinic: Clinic, appointment: Appointment) -> Appointment:
    locked = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("patient", "planned_session__plan")
        .filter(clinic=clinic, pk=appointment.pk)
        .first()
    )
    if locked is None:
        raise Appointment.DoesNotExist("appointment not found")
    return locked


def _create(
    *,
    clinic: Clinic,
    appointment: Appointment,
    checked: CheckedScore,
    area: str,
    note: str,
    by: User,
) -> Score:
    scales = load_library().scales
    plan = plan_of(clinic, appointment)
    baseline = (
        baseline_of(clinic, appointment, plan) if scales[checked.scale].against_baseline else None
    )
    score = Score(
        clinic=clinic,
        patient=appointment.patient,
        appointment=appointment,
        plan=plan,
        area=area,
        scale=checked.scale,
        scale_version=checked.version,
        value=checked.value,
        items=checked.items,
        band=checked.band,
        side=checked.side,
        rater=checked.rater,
        method=checked.method,
        time_point=checked.time_point,
        session_number=checked.session_number,
        weeks_after=checked.weeks_after,
        baseline=baseline,
        note=note.strip(),
        rated_by=by,
    )
    _save(score, by)
    return score


def _area(area: str) -> str:
    area = area.strip()
    if area and area not in load_library().areas:
        raise refusal("area", "Choose an area of the library.", "invalid")
    return area


@transaction.atomic
def record_score(
    *,
    clinic: Clinic,
    appointment: Appointment,
    by: User,
    scale: str,
    rater: str = Rater.PRACTITIONER,
    method: str = Method.LIVE,
    time_point: str = TimePoint.SESSION,
    value: str = "",
    items: Mapping[str, int] | None = None,
    side: str = "",
    area: str = "",
    weeks_after: int | None = None,
    note: str = "",
    photos_read: Sequence[Photo] = (),
) -> Score:
    """A practitioner's score of a session that has started or taken place (or of a
    follow-up visit), as its practitioner or as a blinded rater. The session number comes
    from the series; the baseline of a GAIS score is the series' first session. A score
    from photos names the patient's photos read (`photos_read`); a live one none."""
    _practitioner(clinic, by)
    locked = _locked_appointment(clinic, appointment)
    if locked.kind not in (AppointmentKind.SESSION, AppointmentKind.FOLLOW_UP):
        raise refusal(
            "appointment", "Scores are recorded on a session or a follow-up.", "not_a_session"
        )
    if not _started(locked):
        raise refusal(
            "appointment",
            "Start the session first: scores are recorded once the patient is in treatment.",
            "not_started",
        )
    if rater == Rater.PATIENT:
        raise refusal("rater", "The patient rates from the portal, in their own words.", "invalid")
    entry = ScoreEntry(
        scale=scale,
        rater=rater,
        method=method,
        time_point=time_point,
        value=value,
        items=items,
        side=side,
        session_number=session_number(clinic, locked) if time_point == TimePoint.SESSION else None,
        weeks_after=weeks_after,
    )
    try:
        checked = check_score(load_library().scales, entry)
    except InputError as error:
        raise _input_refusal(error) from error
    read = _photos_read(locked, method, photos_read)
    score = _create(
        clinic=clinic, appointment=locked, checked=checked, area=_area(area), note=note, by=by
    )
    if read:
        score.photos_read.set(read)
    return score


def _photos_read(appointment: Appointment, method: str, photos: Sequence[Photo]) -> list[Photo]:
    """The photos a score from photos was read from: at least one, all of the patient's."""
    photos = list(photos)
    if method != Method.PHOTOS:
        if photos:
            raise refusal(
                "photos_read", "Photos are named for a score from photos only.", "invalid"
            )
        return []
    if not photos:
        raise refusal("photos_read", "Choose the photos the score was read from.", "required")
    if any(
        p.clinic_id != appointment.clinic_id or p.patient_id != appointment.patient_id
        for p in photos
    ):
        raise refusal("photos_read", "Choose photos of this patient.", "invalid")
    return photos


@transaction.atomic
def rate_session(
    *,
    clinic: Clinic,
    patient: Patient,
    appointment: Appointment,
    by: User,
    gais: str,
    satisfaction: str,
    note: str = "",
) -> list[Score]:
    """The patient's own GAIS and satisfaction for one of their completed sessions, once
    per session (a later rating is a rating of a later session)."""
    locked = _locked_appointment(clinic, appointment)
    if locked.patient_id != patient.pk or patient.portal_user_id != by.pk:
        raise Appointment.DoesNotExist("appointment not found")
    if locked.kind != AppointmentKind.SESSION or locked.status != AppointmentStatus.COMPLETED:
        raise refusal(
            "appointment", "You can rate a session once it has taken place.", "not_completed"
        )
    already = Score.objects.filter(
        appointment=locked,
        rater=Rater.PATIENT,
        scale__in=PATIENT_SCALES,
        entered_in_error_at__isnull=True,
    ).exists()
    if already:
        raise refusal(
            "appointment", "You have rated this session already. Thank you.", "already_rated"
        )
    number = session_number(clinic, locked)
    scores = []
    try:
        for scale, value in (("gais", gais), ("satisfaction", satisfaction)):
            entry = ScoreEntry(
                scale=scale,
                rater=Rater.PATIENT,
                method=Method.LIVE,
                time_point=TimePoint.SESSION,
                value=value,
                session_number=number,
            )
            checked = check_score(load_library().scales, entry)
            scores.append(
                _create(
                    clinic=clinic, appointment=locked, checked=checked, area="", note=note, by=by
                )
            )
    except InputError as error:
        raise _input_refusal(
            InputError(scale if error.field == "value" else error.field, error.message)
        ) from error
    except IntegrityError as error:  # a second tab posting at the same moment
        raise refusal(
            "appointment", "You have rated this session already. Thank you.", "already_rated"
        ) from error
    return scores


@transaction.atomic
def mark_entered_in_error(*, clinic: Clinic, score: Score, by: User, reason: str) -> Score:
    """Marks a score recorded by mistake, with the reason; it stays in the history and
    leaves the chart. Practitioners of the clinic only."""
    _practitioner(clinic, by)
    locked = Score.objects.select_for_update().filter(clinic=clinic, pk=score.pk).first()
    if locked is None:
        raise Score.DoesNotExist("score not found")
    if locked.entered_in_error_at is not None:
        raise refusal("score", "This score is marked entered in error already.", "entered_in_error")
    if not reason.strip():
        raise refusal("reason", "Say why the score was wrong.", "required")
    locked.entered_in_error_at = timezone.now()
    locked.entered_in_error_by = by
    locked.entered_in_error_reason = reason.strip()
    _save(locked, by, ["entered_in_error_at", "entered_in_error_by", "entered_in_error_reason"])
    return locked
