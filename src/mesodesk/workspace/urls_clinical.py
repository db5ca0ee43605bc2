"""Schedule, patients, charts and booking."""

# Every path starts with "<slug:clinic_slug>/": the keyword accounts.access.staff_view
# takes, and the one workspace/base.html reverses with (clinic_slug=clinic.slug).

from django.urls import URLPattern, path

from mesodesk.workspace.views import (
    booking,
    chart,
    intake,
    merge,
    patients,
    plans,
    schedule,
    visits,
)

PATIENT = "<slug:clinic_slug>/patients/<int:patient_id>/"
APPOINTMENT = "<slug:clinic_slug>/appointments/<int:appointment_id>/"

urlpatterns: list[URLPattern] = [
    path("", schedule.staff_home, name="home"),
    path("<slug:clinic_slug>/", schedule.today, name="today"),
    path("<slug:clinic_slug>/week/", schedule.week, name="week"),
    path("<slug:clinic_slug>/patients/", patients.patient_list, name="patients"),
    path("<slug:clinic_slug>/patients/new/", patients.patient_new, name="patient_new"),
    path(PATIENT, chart.chart, name="patient"),
    path(PATIENT + "sign-off/", chart.sign_off, name="sign_off"),
    path(PATIENT + "intake/", intake.intake, name="intake"),
    path(PATIENT + "merge/", merge.merge, name="merge"),
    path(PATIENT + "book/", booking.book, name="book"),
    path(PATIENT + "plans/new/", plans.plan_new, name="plan_new"),
    path(PATIENT + "plans/<int:plan_id>/", plans.plan_detail, name="plan"),
    path(PATIENT + "plans/<int:plan_id>/edit/", plans.plan_edit, name="plan_edit"),
    path(PATIENT + "plans/<int:plan_id>/close/", plans.plan_close, name="plan_close"),
    path(PATIENT + "plans/<int:plan_id>/series/", booking.series, name="series"),
    path(APPOINTMENT, booking.appointment_detail, name="appointment"),
    path(APPOINTMENT + "reschedule/", booking.reschedule, name="reschedule"),
    path(APPOINTMENT + "cancel/", booking.cancel, name="cancel"),
    path(APPOINTMENT + "late-cancel/", visits.late_cancel, name="late_cancel"),
    path(APPOINTMENT + "visit/<slug:step>/", visits.step, name="visit"),
    path(APPOINTMENT + "rebooking-settled/", visits.settle_rebooking, name="settle_rebooking"),
]
