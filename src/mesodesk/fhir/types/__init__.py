"""The resource types, one module a family; importing this package registers them all."""

from mesodesk.fhir.types import (  # noqa: F401
    administrative,
    clinical,
    diary,
    documents,
    observations,
    procedure,
)
