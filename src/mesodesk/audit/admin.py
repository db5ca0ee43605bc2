"""The access log in the admin (read-only, as it is append-only), and the mixin that makes
the admin pages showing patient data write to it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse

from mesodesk.admin_mixins import ViewOnlyAdmin
from mesodesk.audit.choices import AccessAction
from mesodesk.audit.models import AccessEvent
from mesodesk.audit.selectors import client_ip
from mesodesk.audit.services import record_access


class AccessLoggedAdmin(admin.ModelAdmin):
    """Writes an AccessEvent ("read") for each object of patient data an admin page shows:
    the change page, each row of the changelist page shown, the history list and each old
    version (simple-history's pages, when the admin has them).

    A changelist writes one event per row shown (at most `list_per_page`), each with its
    clinic and patient: a list spans clinics and an event belongs to one clinic, and "who
    saw this patient's data" is the question the log answers (its (clinic, patient, at)
    index); an event for "the list" would name no patient and no single clinic.
    """

    # The field naming whose data a row is; None when the model is the patient itself.
    patient_field: str | None = "patient"

    def _patient(self, obj: models.Model) -> models.Model | None:
        return getattr(obj, self.patient_field) if self.patient_field else None

    def _record_reads(self, request: HttpRequest, objects: Iterable[models.Model]) -> None:
        ip, path = client_ip(request), request.get_full_path()
        with transaction.atomic():
            for obj in objects:
                record_access(
                    clinic=obj.clinic,  # type: ignore[attr-defined]
                    user=request.user,
                    action=AccessAction.READ,
                    obj=obj,
                    patient=self._patient(obj),
                    ip=ip,
                    path=path,
                )

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Any]:
        # The events need each row's clinic and patient: fetched with the rows.
        related = ["clinic", *([self.patient_field] if self.patient_field else [])]
        return super().get_queryset(request).select_related(*related)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None:
            # Evaluates the page's queryset; the template then reuses the fetched rows.
            self._record_reads(request, changelist.result_list)
        return response

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        shown = (getattr(response, "context_data", None) or {}).get("original")
        if shown is not None:
            self._record_reads(request, [shown])
        return response

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: Any = None
    ) -> HttpResponse:
        # Django's own history page (a TemplateResponse); simple-history's replaces it
        # and comes through render_history_view below.
        response = super().history_view(request, object_id, extra_context)
        shown = (getattr(response, "context_data", None) or {}).get("object")
        if shown is not None:
            self._record_reads(request, [shown])
        return response

    def render_history_view(
        self, request: HttpRequest, template: str, context: dict[str, Any], **kwargs: Any
    ) -> HttpResponse:
        # simple-history renders its history list ("object") and an old version
        # ("original", the version's values) through here.
        response = super().render_history_view(  # type: ignore[misc]
            request, template, context, **kwargs
        )
        shown = context.get("original") or context.get("object")
        if isinstance(shown, self.model):
            self._record_reads(request, [shown])
        return response


@admin.register(AccessEvent)
class AccessEventAdmin(ViewOnlyAdmin, admin.ModelAdmin):
    list_display = ("at", "clinic", "user", "action", "object_type", "object_id", "ip")
    list_filter = ("clinic", "action")
    date_hierarchy = "at"
    list_select_related = ("clinic", "user")
