"""The export's kick-off, status and file addresses (included before the read and search
routes, so `$export` is never taken for a resource id), and `Group/{id}`."""

from django.urls import URLPattern, path

from mesodesk.fhir.bulk import views

urlpatterns: list[URLPattern] = [
    path("$export", views.system_export, name="fhir-export"),
    path("Patient/$export", views.patient_export, name="fhir-export-patient"),
    path("Group/<str:group_id>/$export", views.group_export, name="fhir-export-group"),
    path("Group/<str:group_id>", views.group_read, name="fhir-group"),
    path("$export-status/<str:key>", views.export_status, name="fhir-export-status"),
    path("$export-file/<str:key>/<int:seq>", views.export_file, name="fhir-export-file"),
]
