"""What the stock pages share."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from mesodesk.accounts.access import StaffRequest
from mesodesk.core.library import load_library
from mesodesk.inventory import selectors
from mesodesk.workspace.forms import add_service_errors

SECTION = "stock"


def manages(request: StaffRequest) -> bool:
    """Whether the member may change stock (admins and practitioners)."""
    return selectors.may_manage_stock(request.membership)


def require_manager(request: StaffRequest) -> None:
    """403 unless the member may change stock."""
    if not manages(request):
        raise PermissionDenied("Only admins and practitioners change stock.")


def require_clinical(request: StaffRequest) -> None:
    """403 unless the member may see which patients received a lot."""
    if not selectors.may_see_recipients(request.membership):
        raise PermissionDenied("Only admins and practitioners see who received a lot.")


def attempt(form: forms.Form, change: Callable[[], object]) -> bool:
    """Calls the service `change` for a valid form; its refusal goes onto the form."""
    if not form.is_valid():
        return False
    try:
        change()
    except ValidationError as error:
        add_service_errors(form, error)
        return False
    return True


def post_id(request: StaffRequest, name: str) -> int:
    raw = request.POST.get(name, "")
    if not (raw.isascii() and raw.isdigit()):
        raise Http404("No such row.")
    return int(raw)


def area_label(code: str) -> str:
    """An area's name from the protocol library (its code if the library has none)."""
    term = load_library().areas.get(code)
    return term.label if term is not None else code
