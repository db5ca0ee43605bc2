"""The protocol library browser and clinic settings."""

# Every path starts with "<slug:clinic_slug>/": the keyword accounts.access.staff_view
# takes, and the one workspace/base.html reverses with (clinic_slug=clinic.slug).

from django.urls import URLPattern, path

from mesodesk.workspace.views_clinic import library, settings, staff

SETTINGS = "<slug:clinic_slug>/settings/"

urlpatterns: list[URLPattern] = [
    path("<slug:clinic_slug>/library/", library.library, name="library"),
    path("<slug:clinic_slug>/library/<slug:code>/", library.rule, name="library_rule"),
    path(
        "<slug:clinic_slug>/library/<slug:code>/remove/",
        library.remove_override,
        name="library_rule_remove",
    ),
    path(SETTINGS, settings.general, name="settings"),
    path(SETTINGS + "closures/", settings.closures, name="settings_closures"),
    path(SETTINGS + "rooms/", settings.rooms, name="settings_rooms"),
    path(SETTINGS + "devices/", settings.devices, name="settings_devices"),
    path(SETTINGS + "working-hours/", settings.working_hours, name="settings_working_hours"),
    path(SETTINGS + "staff/", staff.staff, name="settings_staff"),
    path("<slug:clinic_slug>/invitation/<str:token>/", staff.invitation, name="invitation"),
]
