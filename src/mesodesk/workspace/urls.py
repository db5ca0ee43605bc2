"""The staff workspace under /staff/: clinical pages (schedule, patients, charts, booking)
and clinic pages (protocol library, settings) live in two URL modules of their own."""

from mesodesk.workspace.urls_clinic import urlpatterns as clinic_urlpatterns
from mesodesk.workspace.urls_clinical import urlpatterns as clinical_urlpatterns

app_name = "workspace"

urlpatterns = clinical_urlpatterns + clinic_urlpatterns
