"""The JSON API, version 1: /api/v1/..., OpenAPI 3.1 at /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.parser import Parser

from mesodesk.api import (
    charting,
    consents,
    errors,
    exports,
    inventory,
    outcomes,
    patients,
    photos,
    plans,
    reminders,
    safety,
    scheduling,
    visits,
)
from mesodesk.api.auth import bearer, session


class ObjectBodyParser(Parser):
    """Every JSON body this API takes is an object. django-ninja would read a string,
    number or array sent where every field is optional as an empty object and act on it;
    refused here, it is the same 400 "malformed" as a body that is not JSON."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise ValueError("the request body is not a JSON object")
        return data


api = NinjaAPI(
    title="mesodesk API",
    version="1",
    description=(
        "Patients, intakes, screenings, plans, slot search, appointments, session records, "
        "products, lots, stock moves and recalls, photos, outcome scores, adverse events, "
        "side-effect reports and safety signals of one clinic "
        "(its slug is in every path). Authenticate with `Authorization: Bearer TOKEN` "
        "(`mesodesk api-token --clinic SLUG --email EMAIL`) or the signed-in web session. "
        "Every refusal is JSON {detail, code, errors}: 401 unauthenticated, 403 forbidden or "
        "mfa_required, 404 not found (also for another clinic's objects), 409 conflict "
        "(a practitioner, room or device already booked), 422 invalid input or a refusal "
        "with its reason (washout_not_met carries earliest_start)."
    ),
    auth=[bearer, session],
    parser=ObjectBodyParser(),
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url=None,  # the Swagger page loads its script from a CDN: not here
)
errors.install(api)
for router in (
    patients.router,
    plans.router,
    scheduling.router,
    visits.router,
    reminders.router,
    charting.router,
    inventory.router,
    safety.router,
    photos.router,
    consents.router,
    outcomes.router,
    exports.router,
):
    api.add_router("", router)
