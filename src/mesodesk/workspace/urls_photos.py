"""A patient's photos: the grid, taking one, side by side, and each image's bytes."""

# Every path starts with "<slug:clinic_slug>/", like the other workspace URL modules.

from django.urls import URLPattern, path

from mesodesk.workspace.views_photos import pages

PATIENT = "<slug:clinic_slug>/patients/<int:patient_id>/photos/"

urlpatterns: list[URLPattern] = [
    path(PATIENT, pages.photos, name="photos"),
    path(PATIENT + "new/", pages.photo_upload, name="photo_upload"),
    path(PATIENT + "compare/", pages.photo_compare, name="photo_compare"),
    path("<slug:clinic_slug>/photos/<int:photo_id>/image/", pages.photo_image, name="photo_image"),
]
