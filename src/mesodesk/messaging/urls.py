"""Reminder preferences reached from a message link, and the clinic's outbox."""

from django.urls import path

from mesodesk.messaging import views

app_name = "messaging"

urlpatterns = [
    path("p/<str:token>/", views.preferences, name="preferences"),
    path("p/<str:token>/report/", views.report, name="report"),
    path("<slug:clinic_slug>/outbox/", views.outbox, name="outbox"),
    path("<slug:clinic_slug>/sms/twilio/status/", views.twilio_status, name="twilio_status"),
]
