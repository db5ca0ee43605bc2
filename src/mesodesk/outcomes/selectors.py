"""Reads of outcome scores; always within one clinic, only for clinical roles.

Front desk sees no scores at all (`may_read_scores`); every read of a patient's scores by
staff leaves an access event (the views call `record_read`). The portal reads only the
signed-in patient's own sessions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic, Membership
from mesodesk.clinics.reading import Part, may_read, require_read
from mesodesk.core.library import load_library
from mesodesk.core.library.model import Scale
from mesodesk.core.outcomes import axis_range, chart_value, level_label
from mesodesk.core.progress_chart import Line, ProgressChart, draw_progress
from mesodesk.outcomes.choices import Rater, Side, TimePoint
from mesodesk.outcomes.models import Score
from mesodesk.outcomes.services import PATIENT_SCALES
from mesodesk.patients.models import Patient
from mesodesk.planning.models import TreatmentPlan
from mesodesk.scheduling.choices import AppointmentKind, AppointmentStatus
from mesodesk.scheduling.models import Appointment


def may_read_scores(member: Membership) -> bool:
    """Whether this member may see a patient's scores (clinics.reading: not front desk)."""
    return may_read(member, Part.SCORES)


def may_score(member: Membership) -> bool:
    """Whether this member records scores (the services decide the same)."""
    return member.role == Role.PRACTITIONER


def _check(member: Membership) -> None:
    require_read(member, Part.SCORES)


def _scores(clinic: Clinic) -> QuerySet[Score]:
    return (
        Score.objects.filter(clinic=clinic)
        .select_related("rated_by", "appointment", "baseline")
        .prefetch_related("photos_read")
    )


def scores_of_appointment(
    clinic: Clinic, appointment: Appointment, *, member: Membership
) -> list[Score]:
    """The session's scores, entered in error included (they show struck through)."""
    _check(member)
    return list(_scores(clinic).filter(appointment=appointment).order_by("rated_at", "id"))


def scores_of_patient(
    clinic: Clinic, patient: Patient, *, member: Membership, plan: TreatmentPlan | None = None
) -> QuerySet[Score]:
    """The patient's scores, oldest first; of one series when `plan` is given."""
    _check(member)
    scores = _scores(clinic).filter(patient=patient)
    if plan is not None:
        scores = scores.filter(plan=plan)
    return scores.order_by("appointment__start", "rated_at", "id")


def get_score(clinic: Clinic, score_id: int, *, member: Membership) -> Score:
    """The clinic's score with this id; Http404 for another clinic's."""
    _check(member)
    return get_object_or_404(_scores(clinic).select_related("patient"), pk=score_id)


# --- the progress chart ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScaleProgress:
    """One scale's chart over the series and the scale it is drawn on."""

    scale: Scale
    chart: ProgressChart


def _column(score: Score) -> tuple[int, int, str]:
    # Sort key and label of a time point: the baseline, each session, then follow-ups.
    if score.time_point == TimePoint.BASELINE:
        return (0, 0, "Baseline")
    if score.time_point == TimePoint.SESSION:
        return (1, score.session_number or 0, f"Session {score.session_number}")
    return (2, score.weeks_after or 0, f"{score.weeks_after} wk after")


def _line_name(score: Score) -> str:
    name = Rater(score.rater).label
    if score.side:
        name += f", {Side(score.side).label.lower()}"
    return name


def progress_charts(
    scores: Iterable[Score], *, chart_prefix: str = "progress"
) -> list[ScaleProgress]:
    """One chart per scale of the scores (entered in error left out), in library order;
    where a rater rated one time point twice, the later score counts."""
    library = load_library()
    kept = [s for s in scores if s.entered_in_error_at is None and s.scale in library.scales]
    out = []
    for scale in library.scales.values():
        of_scale = [s for s in kept if s.scale == scale.code]
        if not of_scale:
            continue
        keys = sorted({_column(s) for s in of_scale})
        columns = [label for _a, _b, label in keys]
        index = {key: i for i, key in enumerate(keys)}
        names = list(dict.fromkeys(_line_name(s) for s in of_scale))
        values: dict[str, list[float | None]] = {n: [None] * len(keys) for n in names}
        shown: dict[str, list[str]] = {n: [""] * len(keys) for n in names}
        for score in sorted(of_scale, key=lambda s: (s.rated_at, s.pk)):
            i = index[_column(score)]
            name = _line_name(score)
            values[name][i] = chart_value(scale, score.value)
            shown[name][i] = score.value
        low, high = axis_range(scale)
        if scale.items:
            ticks = [(float(b.high), f"{b.high}") for b in scale.bands] + [(low, f"{int(low)}")]
        else:
            ticks = [(chart_value(scale, lv.value), lv.value) for lv in scale.levels]
            if len(ticks) > 6:  # 0-10: every other figure keeps the axis readable
                ticks = ticks[::2]
        chart = draw_progress(
            chart_id=f"{chart_prefix}-{scale.code}",
            title=scale.label,
            columns=columns,
            lines=[Line(n, tuple(values[n]), tuple(shown[n])) for n in names],
            low=low,
            high=high,
            better=scale.better,
            ticks=ticks,
        )
        out.append(ScaleProgress(scale=scale, chart=chart))
    return out


def label_of(score: Score) -> str:
    """The words for a score's value ("2 Much improved", "7 Moderate")."""
    scale = load_library().scales.get(score.scale)
    if scale is None:
        return score.value
    words = level_label(scale, score.value)
    return score.value if words == score.value else f"{score.value} {words}"


# --- the portal --------------------------------------------------------------------------


def sessions_to_rate(clinic: Clinic, patient: Patient) -> list[Appointment]:
    """The patient's completed sessions they have not rated yet, newest first."""
    rated = Score.objects.filter(
        clinic=clinic,
        patient=patient,
        rater=Rater.PATIENT,
        scale__in=PATIENT_SCALES,
        entered_in_error_at__isnull=True,
    ).values("appointment_id")
    return list(
        Appointment.objects.filter(
            clinic=clinic,
            patient=patient,
            kind=AppointmentKind.SESSION,
            status=AppointmentStatus.COMPLETED,
        )
        .exclude(pk__in=rated)
        .order_by("-start", "-id")[:10]
    )


def own_ratings(clinic: Clinic, patient: Patient) -> list[Score]:
    """The patient's own ratings, newest session first."""
    return list(
        Score.objects.filter(
            clinic=clinic, patient=patient, rater=Rater.PATIENT, entered_in_error_at__isnull=True
        )
        .select_related("appointment")
        .order_by("-appointment__start", "scale", "id")
    )


def own_session(clinic: Clinic, patient: Patient, appointment_id: int) -> Appointment:
    """The patient's own session with this id; Http404 for anyone else's."""
    return get_object_or_404(
        Appointment, clinic=clinic, patient=patient, pk=appointment_id, kind=AppointmentKind.SESSION
    )
