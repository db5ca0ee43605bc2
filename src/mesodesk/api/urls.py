"""The JSON API, version 1: /api/v1/..., OpenAPI 3.1 at /api/v1/openapi.json."""

from __future__ import annotations

from ninja import NinjaAPI

from mesodesk.api import (
    charting,
    errors,
    inventory,
    outcomes,
    patients,
    plans,
    reminders,
    scheduling,
    visits,
)
from mesodesk.api.auth import bearer, session

api = NinjaAPI(
    title="mesodesk API",
    version="1",
    description=(
        "Patients, intakes, screenings, plans, slot search, appointments, session records, "
        "products, lots, stock moves, recalls and outcome scores of one clinic "
        "(its slug is in every path). Authenticate with `Authorization: Bearer TOKEN` "
        "(`mesodesk api-token --clinic SLUG --email EMAIL`) or the signed-in web session. "
        "Every refusal is JSON {detail, code, errors}: 401 unauthenticated, 403 forbidden or "
        "mfa_required, 404 not found (also for another clinic's objects), 409 conflict "
        "(a practitioner, room or device already booked), 422 invalid input or a refusal "
        "with its reason (washout_not_met carries earliest_start)."
    ),
    auth=[bearer, session],
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
    outcomes.router,
):
    api.add_router("", router)
