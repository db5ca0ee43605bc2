"""URL configuration: the home page and the Django admin."""

from django.contrib import admin
from django.urls import path

from mesodesk.web import views

admin.site.site_header = "mesodesk administration"
admin.site.site_title = "mesodesk"
admin.site.index_title = "Clinics, staff and protocols"

urlpatterns = [
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
]
