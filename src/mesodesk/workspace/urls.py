"""The staff workspace under /staff/: clinical pages (schedule, patients, charts, booking),
session records, clinic pages (protocol library, settings) and stock pages (products, lots,
recalls) live in URL modules of their own."""

from mesodesk.consents.urls_staff import urlpatterns as consents_urlpatterns
from mesodesk.workspace.urls_charting import urlpatterns as charting_urlpatterns
from mesodesk.workspace.urls_clinic import urlpatterns as clinic_urlpatterns
from mesodesk.workspace.urls_clinical import urlpatterns as clinical_urlpatterns
from mesodesk.workspace.urls_exports import urlpatterns as exports_urlpatterns
from mesodesk.workspace.urls_inventory import urlpatterns as inventory_urlpatterns
from mesodesk.workspace.urls_outcomes import urlpatterns as outcomes_urlpatterns
from mesodesk.workspace.urls_photos import urlpatterns as photos_urlpatterns
from mesodesk.workspace.urls_safety import urlpatterns as safety_urlpatterns
from mesodesk.workspace.views_clinic.requests import urlpatterns as requests_urlpatterns

app_name = "workspace"

urlpatterns = (
    clinical_urlpatterns
    + charting_urlpatterns
    + clinic_urlpatterns
    + inventory_urlpatterns
    + safety_urlpatterns
    + photos_urlpatterns
    + consents_urlpatterns
    + outcomes_urlpatterns
    + exports_urlpatterns
    + requests_urlpatterns
)
