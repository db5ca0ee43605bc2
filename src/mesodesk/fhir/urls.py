"""`/fhir/r4/`: metadata, read, search, `$everything` and the Bulk Data export."""

from django.urls import include, path

urlpatterns = [
    path("", include("mesodesk.fhir.bulk.urls")),
]
