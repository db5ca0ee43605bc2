"""The export's kick-off, status and file addresses (included before the read and search
routes, so `$export` is never taken for a resource id)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
