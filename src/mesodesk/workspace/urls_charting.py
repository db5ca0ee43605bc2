"""The session record: opened from an appointment, charted, signed, corrected."""

# Every path starts with "<slug:clinic_slug>/", like the other workspace URL modules.

from django.urls import URLPattern, path

from mesodesk.workspace.views_charting import record

RECORD = "<slug:clinic_slug>/records/<int:record_id>/"

urlpatterns: list[URLPattern] = [
    path(
        "<slug:clinic_slug>/appointments/<int:appointment_id>/record/",
        record.open_record,
        name="record_open",
    ),
    path(RECORD, record.record_page, name="record"),
    path(RECORD + "numbing/", record.numbing, name="record_numbing"),
    path(RECORD + "administrations/", record.add_administration, name="record_administration"),
    path(
        RECORD + "administrations/<int:administration_id>/error/",
        record.entered_in_error,
        name="record_entered_in_error",
    ),
    path(RECORD + "observations/", record.observations, name="record_observations"),
    path(RECORD + "sign/", record.sign, name="record_sign"),
    path(RECORD + "addenda/", record.addendum, name="record_addendum"),
]
