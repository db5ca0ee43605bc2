"""`/fhir/r4/`: metadata, read, search, `$everything` and the Bulk Data export."""

from django.urls import include, path

from mesodesk.fhir import views

urlpatterns = [
    # First: `$export` must never be taken for a resource id.
    path("", include("mesodesk.fhir.bulk.urls")),
    path("metadata", views.metadata, name="fhir-metadata"),
    path("Patient/<str:resource_id>/$everything", views.everything, name="fhir-everything"),
    path("<str:type_name>/_search", views.search, name="fhir-search-post"),
    path("<str:type_name>/<str:resource_id>", views.read, name="fhir-read"),
    path("<str:type_name>", views.search, name="fhir-search"),
]
