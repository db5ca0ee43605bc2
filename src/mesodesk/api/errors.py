"""Every refusal as a documented JSON answer: 400, 401, 403, 404, 409 or 422, never a 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from mesodesk.accounts.access import MFARequired
from mesodesk.charting.errors import NeedsReason
from mesodesk.inventory.errors import LotRefused
from mesodesk.scheduling.errors import BookingConflict, WashoutNotMet


def _messages(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            field: [str(m) for m in ValidationError(msgs).messages]
            for field, msgs in error.error_dict.items()
        }
    return {"__all__": [str(m) for m in error.messages]}


def _codes(error: ValidationError) -> list[str]:
    """The codes the service gave its messages, in order (a service that cares builds
    `ValidationError({field: ValidationError(message, code=...)})` so they survive)."""
    if hasattr(error, "error_dict"):
        return [e.code for errors in error.error_dict.values() for e in errors if e.code]
    return [e.code for e in error.error_list if e.code]


def _answer(api: NinjaAPI, request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
    return api.create_response(request, body, status=status)


def install(api: NinjaAPI) -> None:
    """Map domain exceptions to answers on `api`."""

    def handler(kind: type[Exception]) -> Callable[[Callable[..., HttpResponse]], Any]:
        return api.exception_handler(kind)

    @handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return _answer(api, request, 404, {"detail": "Not found.", "code": "not_found"})

    @handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        body = {
            "detail": "Sign in, or send Authorization: Bearer TOKEN.",
            "code": "unauthenticated",
        }
        return _answer(api, request, 401, body)

    @handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # django-ninja's own refusals; a body that is not JSON is the one that reaches us.
        if exc.status_code == 400:
            body = {"detail": "The request body is not a valid JSON object.", "code": "malformed"}
        else:
            body = {"detail": exc.message, "code": "error"}
        return _answer(api, request, exc.status_code, body)

    @handler(MFARequired)
    def mfa_required(request: HttpRequest, exc: MFARequired) -> HttpResponse:
        return _answer(api, request, 403, {"detail": exc.message, "code": exc.code})

    @handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        detail = str(exc) or "Your role in this clinic does not allow this."
        return _answer(api, request, 403, {"detail": detail, "code": "forbidden"})

    @handler(BookingConflict)
    def conflict(request: HttpRequest, exc: BookingConflict) -> HttpResponse:
        errors = _messages(exc)
        detail = next(iter(errors.values()))[0]
        return _answer(api, request, 409, {"detail": detail, "code": "conflict", "errors": errors})

    @handler(WashoutNotMet)
    def washout(request: HttpRequest, exc: WashoutNotMet) -> HttpResponse:
        errors = _messages(exc)
        body = {
            "detail": errors["start"][0],
            "code": "washout_not_met",
            "errors": errors,
            "earliest_start": exc.earliest_start.isoformat(),
        }
        return _answer(api, request, 422, body)

    @handler(LotRefused)
    def lot_refused(request: HttpRequest, exc: LotRefused) -> HttpResponse:
        errors = _messages(exc)
        body = {
            "detail": errors["lot"][0],
            "code": exc.code,
            "errors": errors,
            # The lots of the same product that may be used instead, soonest expiry first.
            "alternatives": [
                {
                    "id": lot.pk,
                    "number": lot.number,
                    "expiry": lot.expiry.isoformat(),
                    "quantity_left": str(lot.quantity_on_hand),
                }
                for lot in exc.alternatives
            ],
        }
        return _answer(api, request, 422, body)

    @handler(NeedsReason)
    def needs_reason(request: HttpRequest, exc: NeedsReason) -> HttpResponse:
        errors = _messages(exc)
        body = {
            "detail": errors["reason"][0],
            "code": exc.code,
            "errors": errors,
            "warnings": [w.as_dict() for w in exc.warnings],
        }
        return _answer(api, request, 422, body)

    @handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = _messages(exc)
        detail = "; ".join(f"{k}: {v[0]}" if k != "__all__" else v[0] for k, v in errors.items())
        codes = _codes(exc)
        # A service refusing someone's role says so with this code: that is a 403.
        if "permission_denied" in codes:
            return _answer(api, request, 403, {"detail": detail, "code": "forbidden"})
        # The service's own code ("ineligible", "not_signed_off", "stale" ...) lets a
        # program tell a refusal from a typo; "invalid" when it gave none.
        code = codes[0] if codes else "invalid"
        return _answer(api, request, 422, {"detail": detail, "code": code, "errors": errors})

    @handler(ObjectDoesNotExist)
    def missing(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
        return _answer(api, request, 404, {"detail": "Not found.", "code": "not_found"})

    @handler(OverflowError)
    def out_of_range(request: HttpRequest, exc: OverflowError) -> HttpResponse:
        body = {"detail": "A date is out of the range this system handles.", "code": "invalid"}
        return _answer(api, request, 422, body)

    @handler(NinjaValidationError)
    def malformed(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors: dict[str, list[str]] = {}
        for item in exc.errors:
            # ("body", "body", "start") -> "start": drop where it came from and the
            # endpoint's own parameter name, keep the field the caller wrote.
            loc = [str(p) for p in item.get("loc", ())[1:]]
            if len(loc) > 1 and loc[0] in {"body", "query"}:
                loc = loc[1:]
            field = ".".join(loc) or "body"
            errors.setdefault(field, []).append(str(item.get("msg", "invalid")))
        detail = "; ".join(f"{k}: {v[0]}" for k, v in errors.items())
        return _answer(api, request, 422, {"detail": detail, "code": "invalid", "errors": errors})
