"""Schemathesis against the API's own OpenAPI document (issue 14, finding 6): requests
generated from /api/v1/openapi.json, valid and invalid, sent in-process to the real
application on the test database; any 5xx, or an answer the document does not describe,
fails. A few examples per operation keep it to about a minute on two cores."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from mesodesk.accounts.models import User
from mesodesk.accounts.services import issue_api_token
from mesodesk.clinics.models import Clinic

EXAMPLES = 10
# Not checked: that every request the document allows is accepted. A booking's time must
# also be free, in opening hours and not past, a session's patient eligible: such
# refusals are 422s with their reason by design, and no schema can say them.


@pytest.fixture
def api_schema(clinic: Clinic, lindenhof_ids: dict[str, int]) -> Iterator[Any]:
    document = Client().get("/api/v1/openapi.json").json()
    # Every path names the clinic by its slug, and most an object by its id: made-up ones
    # would only ever test the 404, so the paths name the cast's (the bodies stay free).
    named = {"clinic": clinic.slug, **lindenhof_ids}
    for operations in document["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and parameter["name"] in named:
                    value = named[parameter["name"]]
                    kind = "string" if isinstance(value, str) else "integer"
                    parameter["schema"] = {"type": kind, "enum": [value]}
    schema = schemathesis.openapi.from_dict(document)
    schema.app = get_wsgi_application()
    # As Django's test client does: a request must not close the test's connection (its
    # transaction holds the cast above).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schema
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(clinic: Clinic, pedro: User) -> dict[str, str]:
    """A practitioner's token: every operation is open to them."""
    return {"Authorization": f"Bearer {issue_api_token(clinic=clinic, user=pedro, name='st')[1]}"}


def test_the_api_answers_as_its_document_says(api_schema: Any, bearer: dict[str, str]) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 20
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def call(case: Any) -> None:
                case.call_and_validate(headers=bearer, excluded_checks=[positive_data_acceptance])

            call()
