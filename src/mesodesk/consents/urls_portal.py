"""The patient's consent pages (part of the portal's URLs, namespace "portal")."""

from django.urls import URLPattern, path

from mesodesk.consents import views_portal as views

urlpatterns: list[URLPattern] = [
    path("<slug:clinic_slug>/consents/", views.consents, name="consents"),
    path("<slug:clinic_slug>/consents/sign/<int:template_id>/", views.sign, name="consent_sign"),
    path("<slug:clinic_slug>/consents/<int:consent_id>/pdf/", views.pdf, name="consent_pdf"),
    path(
        "<slug:clinic_slug>/consents/<int:consent_id>/withdraw/",
        views.withdraw,
        name="consent_withdraw",
    ),
]
