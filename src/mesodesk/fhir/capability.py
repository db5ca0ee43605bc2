"""The CapabilityStatement at `metadata`, written from the registry: every type with its
interactions and search parameters, `$everything` on Patient and the Bulk Data `$export`
at system, Patient and Group level."""

from __future__ import annotations

from importlib.metadata import version

from mesodesk.fhir.registry import REGISTRY, FhirType, Resource, built
from mesodesk.fhir.search import CONTROLS, common_params

BULK = "http://hl7.org/fhir/uv/bulkdata"
# When what the statement declares last changed (its `date`).
STATEMENT_DATE = "2026-12-03"
EXPORT = {"name": "export", "definition": f"{BULK}/OperationDefinition/export"}
PATIENT_EXPORT = {"name": "export", "definition": f"{BULK}/OperationDefinition/patient-export"}
GROUP_EXPORT = {"name": "export", "definition": f"{BULK}/OperationDefinition/group-export"}
EVERYTHING = {
    "name": "everything",
    "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
    "documentation": "All of one patient's resources the caller's role reads, with the "
    "practitioners, rooms, devices and clinic they refer to.",
}
PAGING = {
    "_count": "Resources a page (default 50, at most 500; 0 gives only the total).",
    "_offset": "Where the page starts (the next and previous links carry it).",
}


def _resource(fhir_type: FhirType) -> Resource:
    out: Resource = {
        "type": fhir_type.name,
        "interaction": [{"code": "read"}],
        "versioning": "no-version",
        "readHistory": False,
        "updateCreate": False,
    }
    if fhir_type.documentation:
        out["documentation"] = fhir_type.documentation
    if fhir_type.searchable:
        out["interaction"].append({"code": "search-type"})
        params = [
            {"name": p.name, "type": p.type, "documentation": p.documentation}
            for p in common_params(fhir_type)
        ]
        params += [
            {"name": p.name, "type": p.type, "documentation": p.documentation}
            for p in fhir_type.search
        ]
        params += [
            {"name": name, "type": "number", "documentation": text} for name, text in PAGING.items()
        ]
        out["searchParam"] = params
    if fhir_type.name == "Patient":
        out["operation"] = [EVERYTHING, PATIENT_EXPORT]
    if fhir_type.name == "Group":
        out["operation"] = [GROUP_EXPORT]
    return out


def capability_statement(base: str) -> Resource:
    """What this server serves, for a client to discover (no token needed)."""
    resources = [_resource(fhir_type) for fhir_type in REGISTRY.values()]
    if "Group" not in REGISTRY:
        resources.append({"type": "Group", "operation": [GROUP_EXPORT]})
    data: Resource = {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": STATEMENT_DATE,
        "publisher": "mesodesk",
        "kind": "instance",
        "instantiates": [f"{BULK}/CapabilityStatement/bulk-data"],
        "software": {"name": "mesodesk", "version": version("mesodesk")},
        "implementation": {"description": "mesodesk FHIR R4 server", "url": base},
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "Search: a comma is OR, a repeated parameter AND; unknown "
                "parameters are ignored unless the request says Prefer: handling=strict "
                f"({', '.join(CONTROLS)} shape the page).",
                "security": {
                    "description": "Authorization: Bearer <token> with a token from "
                    "`mesodesk api-token`; it acts for one staff member of one clinic and "
                    "reads what that member's role reads."
                },
                "resource": resources,
                "operation": [EXPORT],
            }
        ],
    }
    return built("CapabilityStatement", data)
