"""Safety: adverse events, triage of patients' reports, and the signals page."""

# Every path starts with "<slug:clinic_slug>/", like the other workspace URL modules.

from django.urls import URLPattern, path

from mesodesk.workspace.views_safety import events, page

EVENT = "<slug:clinic_slug>/adverse-events/<int:event_id>/"

urlpatterns: list[URLPattern] = [
    path("<slug:clinic_slug>/safety/", page.safety, name="safety"),
    path(
        "<slug:clinic_slug>/patients/<int:patient_id>/adverse-events/new/",
        events.new_event,
        name="adverse_event_new",
    ),
    path(EVENT, events.event, name="adverse_event"),
    path(EVENT + "follow-ups/", events.follow_up, name="adverse_event_follow_up"),
    path(
        "<slug:clinic_slug>/side-effect-reports/<int:report_id>/",
        events.close_report,
        name="side_effect_report",
    ),
]
