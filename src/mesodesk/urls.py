"""URL configuration: the home page, the admin, sign-in and the JSON API."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from mesodesk.api.urls import api
from mesodesk.web import views

admin.site.site_header = "mesodesk administration"
admin.site.site_title = "mesodesk"
# The admin's own login would skip allauth's MFA step: send it through allauth instead.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.index_title = "Clinics, staff and protocols"

urlpatterns = [
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", api.urls),
]
