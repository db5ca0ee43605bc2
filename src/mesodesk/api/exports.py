"""CSV exports of a clinic for its admins: patients, appointments, administrations with
their lots, adverse events and stock moves, streamed, one access event each."""

from __future__ import annotations

from django.http import Http404, HttpRequest, StreamingHttpResponse
from ninja import Query, Router

from mesodesk.accounts.access import require_role
from mesodesk.api.common import caller, member
from mesodesk.api.schemas import Error
from mesodesk.audit.selectors import client_ip
from mesodesk.clinics.choices import Role
from mesodesk.exports.csvfile import csv_response, window_from
from mesodesk.exports.selectors import EXPORTS

router = Router(tags=["exports"])

KINDS = ", ".join(f"`{kind}` ({export.dated_by})" for kind, export in EXPORTS.items())

CSV_ANSWER = {
    "description": (
        "Kinds and what their dates filter: "
        + KINDS
        + ". UTF-8 with a byte-order mark, a header row, ISO dates; cells that a spreadsheet "
        "would run as a formula start with an apostrophe. Clinic admins only; each export "
        "is recorded in the access log."
    ),
    "parameters": [
        {
            "name": "kind",
            "in": "path",
            "required": True,
            "schema": {"type": "string", "enum": list(EXPORTS)},
        }
    ],
    "responses": {
        "200": {
            "description": "The CSV file, streamed",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
}


@router.get(
    "/clinics/{clinic}/exports/{kind}.csv",
    response={401: Error, 403: Error, 404: Error, 422: Error},
    summary="Export patients, appointments, administrations, adverse events or stock moves",
    openapi_extra=CSV_ANSWER,
)
def export_csv(
    request: HttpRequest,
    clinic: str,
    kind: str,
    from_: str = Query(
        "", alias="from", description="First day (YYYY-MM-DD); default: 89 days before today"
    ),
    to: str = Query("", description="Last day, included (YYYY-MM-DD); default: today"),
    all: bool = Query(False, description="Patients only: every patient, whatever the dates"),
) -> StreamingHttpResponse:
    membership = member(request, clinic)
    require_role(membership, Role.ADMIN)
    if kind not in EXPORTS:
        raise Http404("No such export.")
    clinic_obj = membership.clinic
    window = window_from(clinic_obj, kind, {"from": from_, "to": to, "all": "1" if all else ""})
    return csv_response(
        clinic=clinic_obj,
        user=caller(request),
        kind=kind,
        window=window,
        ip=client_ip(request),
        path=request.path,
    )
