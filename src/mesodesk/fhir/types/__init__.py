"""The resource types, one module a family; importing this package registers them all."""

from mesodesk.fhir.types import administrative, clinical, diary  # noqa: F401
