"""Outcome scores: a session's scores and the patient's progress across their series."""

# Every path starts with "<slug:clinic_slug>/", like the other workspace URL modules.

from django.urls import URLPattern, path

from mesodesk.workspace.views_outcomes import scores

APPOINTMENT = "<slug:clinic_slug>/appointments/<int:appointment_id>/"

urlpatterns: list[URLPattern] = [
    path(APPOINTMENT + "scores/", scores.session_scores, name="session_scores"),
    path(
        APPOINTMENT + "scores/<int:score_id>/error/",
        scores.score_entered_in_error,
        name="score_entered_in_error",
    ),
    path(
        "<slug:clinic_slug>/patients/<int:patient_id>/progress/",
        scores.progress,
        name="progress",
    ),
]
