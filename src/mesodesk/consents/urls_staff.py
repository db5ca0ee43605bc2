"""The staff's consent pages (part of the workspace's URLs, namespace "workspace")."""

# Every path starts with "<slug:clinic_slug>/", like the other workspace URL modules.

from django.urls import URLPattern, path

from mesodesk.consents import views_staff as views

CONSENT = "<slug:clinic_slug>/consents/<int:consent_id>/"

urlpatterns: list[URLPattern] = [
    path(
        "<slug:clinic_slug>/patients/<int:patient_id>/consents/",
        views.collect,
        name="consent_collect",
    ),
    path(
        "<slug:clinic_slug>/patients/<int:patient_id>/consents/hand-over/",
        views.hand_over,
        name="consent_hand_over",
    ),
    path("<slug:clinic_slug>/consent-tablet/", views.tablet, name="consent_tablet"),
    path("<slug:clinic_slug>/consent-tablet/return/", views.tablet_return, name="consent_return"),
    path(CONSENT, views.consent_page, name="consent"),
    path(CONSENT + "pdf/", views.consent_pdf, name="consent_pdf"),
    path(CONSENT + "verify/", views.verify, name="consent_verify"),
    path(CONSENT + "withdraw/", views.withdraw, name="consent_withdraw"),
]
