"""The three independent checks every resource we emit passes (CLINIC.md §7: none of them
catches everything alone): fhir.resources' R4B model (types, cardinality, required
elements), pyfhircheck (required code bindings, references, invariants) and fhirkit-rs
(unknown elements, cardinality, primitive formats)."""

from __future__ import annotations

from functools import cache
from typing import Any

import fhirkit
from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError
from pyfhircheck import Validator


@cache
def _pyfhircheck() -> Validator:
    return Validator()


def problems(resource: dict[str, Any]) -> list[str]:
    """Every error the three validators find in `resource` (a Bundle's entries too), each
    prefixed with the validator's name; warnings (such as a reference outside the
    resource or Bundle checked) are left out."""
    found: list[str] = []
    try:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    except ValidationError as error:
        found += [f"fhir.resources: {e['loc']} {e['msg']}" for e in error.errors()]
    report = _pyfhircheck().validate_resource(resource)
    found += [
        f"pyfhircheck: {issue.path} {issue.code} {issue.message}"
        for issue in report.issues
        if issue.severity.value == "error"
    ]
    found += [
        f"fhirkit: {issue.path} {issue.message}"
        for issue in fhirkit.validate(resource)
        if issue.severity == "error"
    ]
    return found
