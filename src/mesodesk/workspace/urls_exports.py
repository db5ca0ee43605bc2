"""The exports app's workspace pages: CSV exports, integration tokens and staff calendar
feeds (clinic admins, in the settings area), a practitioner's own calendar address, and
the feed itself, which needs no sign-in (its secret address is the key)."""

from django.urls import URLPattern, path

from mesodesk.exports import views

SETTINGS = "<slug:clinic_slug>/settings/"

urlpatterns: list[URLPattern] = [
    path(SETTINGS + "exports/", views.exports, name="admin_exports"),
    path(SETTINGS + "exports/<slug:kind>.csv", views.export_csv, name="admin_export_csv"),
    path(SETTINGS + "integrations/", views.integrations, name="admin_integrations"),
    path(SETTINGS + "calendar-feeds/", views.feeds, name="admin_feeds"),
    path("<slug:clinic_slug>/my-calendar/", views.my_feed, name="my_feed"),
    path("<slug:clinic_slug>/calendar/<str:secret>.ics", views.staff_feed, name="staff_feed"),
]
