"""The protocol library browser: every rule with its sources, conflict and the clinic's
override; admins set overrides (with a reason) on a rule's page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from mesodesk.accounts.access import StaffRequest, require_role, staff_view
from mesodesk.clinics.choices import Role
from mesodesk.core.library import load_library
from mesodesk.protocols import selectors, services
from mesodesk.workspace.forms_clinic import OverrideForm
from mesodesk.workspace.views_clinic.catalog import SECTIONS, catalog
from mesodesk.workspace.views_clinic.common import add_service_errors, frame


@require_safe
@staff_view()
def library(request: StaffRequest, clinic_slug: str) -> HttpResponse:
    """Every entry of the library, searchable (?q=) and by section (?section=)."""
    book = catalog(load_library())
    q = request.GET.get("q", "").strip()[:100]
    section = request.GET.get("section", "")
    if section not in dict(SECTIONS):
        section = ""
    overrides = selectors.overrides_by_rule(clinic=request.clinic)
    entries = book.find(q=q, section=section)
    rows = [(e, overrides.get(e.code)) for e in entries]
    rows_with_figures = [
        (e, o, e.figure(o.value) if o is not None and o.value is not None else "") for e, o in rows
    ]
    groups = [
        (key, label, [row for row in rows_with_figures if row[0].section == key])
        for key, label in SECTIONS
    ]
    return render(
        request,
        "workspace/clinic/library.html",
        frame(
            request,
            "library",
            book=book,
            q=q,
            shown_section=section,
            sections=SECTIONS,
            groups=[g for g in groups if g[2]],
            found=len(entries),
            overridden=len(overrides),
        ),
    )


@require_http_methods(["GET", "POST"])
@staff_view()
def rule(request: StaffRequest, clinic_slug: str, code: str) -> HttpResponse:
    """One entry: its texts, sources and conflict, the clinic's override and its history;
    for admins, the form that sets the override."""
    entry = catalog(load_library()).by_code.get(code)
    if entry is None:
        raise Http404("No such rule.")
    if request.method == "POST":
        require_role(request.membership, Role.ADMIN)
        if not entry.overridable:
            raise Http404("This entry has nothing a clinic can override.")
    override = selectors.override_of_rule(clinic=request.clinic, rule_code=code)
    form = None
    if entry.overridable and request.membership.role == Role.ADMIN:
        initial = {}
        if override is not None:
            value = "" if override.value is None else str(override.value)
            initial = {"severity": override.severity, "value": value}
        form = OverrideForm(
            request.POST or None,
            initial=initial,
            overridable=entry.overridable,
            default=entry.default,
            value_help=entry.value_help,
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.set_clinic_override(
                    clinic=request.clinic, rule_code=code, by=request.user, **form.changes()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"The clinic's override of “{entry.label}” is saved.")
                return redirect("workspace:library_rule", clinic_slug=clinic_slug, code=code)
    history = []
    if entry.overridable:
        rows = selectors.override_history(clinic=request.clinic, rule_code=code)
        history = [
            (h, "" if h.value is None else entry.figure(h.value))
            for h in rows.select_related("history_user")
        ]
    invalid = form is not None and bool(form.errors)
    return render(
        request,
        "workspace/clinic/rule.html",
        frame(
            request,
            "library",
            entry=entry,
            override=override,
            override_figure=""
            if override is None or override.value is None
            else entry.figure(override.value),
            history=history,
            form=form,
        ),
        status=400 if invalid else 200,
    )


@require_http_methods(["POST"])
@staff_view(roles=(Role.ADMIN,))
def remove_override(request: StaffRequest, clinic_slug: str, code: str) -> HttpResponse:
    """Removes the clinic's override of a rule, with a reason (admins only)."""
    entry = catalog(load_library()).by_code.get(code)
    if entry is None or selectors.override_of_rule(clinic=request.clinic, rule_code=code) is None:
        raise Http404("No override of this rule.")
    try:
        services.remove_clinic_override(
            clinic=request.clinic,
            rule_code=code,
            reason=request.POST.get("reason", ""),
            by=request.user,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"The clinic's override of “{entry.label}” is removed.")
    return redirect("workspace:library_rule", clinic_slug=clinic_slug, code=code)
