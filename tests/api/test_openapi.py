"""The API's OpenAPI 3.1 document: every operation documents its refusals."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client


@pytest.fixture
def schema(db: None) -> dict[str, Any]:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_it_is_openapi_3_1_with_bearer_and_session_auth(schema: dict[str, Any]) -> None:
    assert schema["openapi"].startswith("3.1")
    assert {"BearerToken", "SessionAuth"} <= set(schema["components"]["securitySchemes"])


def test_every_operation_documents_401_403_404_and_422(schema: dict[str, Any]) -> None:
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert {"401", "403", "404", "422"} <= set(operation["responses"]), (method, path)


def test_booking_operations_document_the_409_conflict(schema: dict[str, Any]) -> None:
    conflicts = {
        path
        for path, operations in schema["paths"].items()
        for operation in operations.values()
        if "409" in operation["responses"]
    }
    assert conflicts == {
        "/api/v1/clinics/{clinic}/appointments",
        "/api/v1/clinics/{clinic}/appointments/{appointment_id}/reschedule",
        "/api/v1/clinics/{clinic}/plans/{plan_id}/book-series",
    }


def test_the_error_answer_has_a_sentence_and_a_code(schema: dict[str, Any]) -> None:
    error = schema["components"]["schemas"]["Error"]
    assert {"detail", "code"} <= set(error["required"])
