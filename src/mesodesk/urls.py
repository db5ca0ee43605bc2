"""URL configuration: the home page, the admin, sign-in, the JSON API, the staff workspace,
the patient portal and reminder preferences."""

from django.contrib import admin
from django.urls import include, path

from mesodesk.accounts.access import admin_has_permission, mfa_admin_login
from mesodesk.api import direct
from mesodesk.api.urls import api
from mesodesk.portal import views as portal_views
from mesodesk.web import views

admin.site.site_header = "mesodesk administration"
admin.site.site_title = "mesodesk"
# The admin's own login would skip allauth's MFA step: send it through allauth instead, and
# let no admin page show anything to a session that has not passed MFA (accounts.access).
admin.site.login = mfa_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.has_permission = admin_has_permission(  # type: ignore[method-assign,assignment]
    admin.site.has_permission
)
admin.site.index_title = "Clinics, staff and protocols"

API_MOUNT = "api/v1/"
api_urls = api.urls
# The API's reads of one row by token, tried before its own routes (api.direct), at the
# same place.
api_direct = path(API_MOUNT, include(direct.routes(api, api_urls[0])))

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    api_direct,
    # Browsers ask for /favicon.ico whatever the page says: the same icon as the pages'.
    path("favicon.ico", views.favicon, name="favicon"),
    path("admin/", admin.site.urls),
    # allauth's sign-up, naming each clinic's portal sign-up for patients (portal.views).
    path("accounts/signup/", portal_views.account_signup, name="account_signup"),
    path("accounts/", include("allauth.urls")),
    path(API_MOUNT, api_urls),
    path("fhir/r4/", include("mesodesk.fhir.urls")),
    path("staff/", include("mesodesk.workspace.urls")),
    path("portal/", include("mesodesk.portal.urls")),
    path("reminders/", include("mesodesk.messaging.urls")),
]
