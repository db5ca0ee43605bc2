"""The patient portal under /portal/<clinic>/."""

from django.urls import path

from mesodesk.consents.urls_portal import urlpatterns as consents_urlpatterns
from mesodesk.portal import views, views_care, views_data, views_scores

app_name = "portal"

urlpatterns = [
    path("<slug:clinic_slug>/", views.home, name="home"),
    path("<slug:clinic_slug>/signup/", views.signup, name="signup"),
    path("<slug:clinic_slug>/intake/", views.intake, name="intake"),
    path("<slug:clinic_slug>/outcome/", views.outcome, name="outcome"),
    path("<slug:clinic_slug>/book/", views.book, name="book"),
    path(
        "<slug:clinic_slug>/appointments/<int:appointment_id>/cancel/",
        views.cancel,
        name="cancel",
    ),
    path("<slug:clinic_slug>/timeline/", views_care.timeline, name="timeline"),
    path("<slug:clinic_slug>/calendar.ics", views_care.calendar, name="calendar"),
    path("<slug:clinic_slug>/calendar/address/", views_care.feed_renew, name="feed_renew"),
    path("<slug:clinic_slug>/feed/<str:token>.ics", views_care.feed, name="feed"),
    path("<slug:clinic_slug>/side-effects/", views_care.side_effects, name="side_effects"),
    path(
        "<slug:clinic_slug>/side-effects/<int:report_id>/",
        views_care.side_effect_sent,
        name="side_effect_sent",
    ),
    path("<slug:clinic_slug>/ratings/", views_scores.ratings, name="ratings"),
    path(
        "<slug:clinic_slug>/sessions/<int:appointment_id>/rate/",
        views_scores.rate,
        name="rate",
    ),
    path("<slug:clinic_slug>/preferences/", views_care.preferences, name="preferences"),
    path("<slug:clinic_slug>/my-data/copy/", views_data.ask, name="data_copy"),
    path(
        "<slug:clinic_slug>/my-data/copy/<int:copy_id>/download/",
        views_data.download,
        name="data_copy_download",
    ),
    path("<slug:clinic_slug>/delete/", views_care.delete, name="delete"),
    path("<slug:clinic_slug>/deleted/", views_care.deleted, name="deleted"),
    *consents_urlpatterns,
]
