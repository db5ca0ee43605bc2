"""The three independent checks every resource we emit passes (CLINIC.md §7: none of them
catches everything alone): fhir.resources' R4B model (types, cardinality, required
elements), pyfhircheck (required code bindings, references, invariants, answers against
their Questionnaire) and fhirkit-rs (unknown elements, cardinality, primitive formats)."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import fhirkit
from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError
from pyfhircheck import Validator

from mesodesk.clinics.models import Clinic
from mesodesk.fhir.registry import REGISTRY, Context

# pyfhircheck 0.2.0's own mistakes, checked against the R4 specification: its backbone
# elements lack their `text` child (Questionnaire.item.text, QuestionnaireResponse.item.text
# are R4 elements), and it refuses every base64Binary in Binary.data. fhir.resources and
# fhirkit-rs accept both.
PYFHIRCHECK_WRONG = (
    re.compile(
        r"^(Questionnaire|QuestionnaireResponse)(\.item(\[\d+\])?)+\.text: element\.unknown"
    ),
    re.compile(r"^Binary\.data: datatype\.invalid: Binary\.data must be EncodedBytes"),
)


def _questionnaire(url: str) -> dict[str, Any] | None:
    """The Questionnaire served under canonical `url` (a QuestionnaireResponse names it
    so), for pyfhircheck to check the answers against; None for any other URL."""
    served = REGISTRY.get("Questionnaire")
    clinic = Clinic.objects.order_by("pk").first()
    if served is None or clinic is None:
        return None
    ctx = Context(clinic=clinic, member=None, base="https://mesodesk.test/fhir/r4")
    for source in served.sources:
        for row in source.rows(ctx):
            built = source.build(row, ctx)
            if built.get("url") == url:
                return built
    return None


@cache
def _pyfhircheck() -> Validator:
    return Validator(
        external_reference_resolver=_questionnaire,
        reference_origin="https://mesodesk.org",
        max_external_references=10**9,
    )


def pyfhircheck_errors(resource: dict[str, Any]) -> list[str]:
    """Bindings, contained references, answers against the Questionnaire (pyfhircheck's
    errors, less its known mistakes); warnings (a reference outside the resource or Bundle
    checked) are left out."""
    report = _pyfhircheck().validate_resource(resource)
    errors = [
        f"{i.path}: {i.code}: {i.message}"
        for i in report.issues
        if str(i.severity).lower().endswith("error")
    ]
    return [e for e in errors if not any(wrong.match(e) for wrong in PYFHIRCHECK_WRONG)]


def fhirkit_errors(resource: dict[str, Any]) -> list[str]:
    """Unknown elements, types, cardinality (fhirkit-rs's errors)."""
    return [str(i) for i in fhirkit.validate(resource) if i.severity == "error"]


def problems(resource: dict[str, Any]) -> list[str]:
    """Every error the three validators find in `resource` (a Bundle's entries too), each
    prefixed with the validator's name."""
    found: list[str] = []
    try:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    except ValidationError as error:
        found += [f"fhir.resources: {e['loc']} {e['msg']}" for e in error.errors()]
    found += [f"pyfhircheck: {error}" for error in pyfhircheck_errors(resource)]
    found += [f"fhirkit: {error}" for error in fhirkit_errors(resource)]
    return found
