"""Fixtures of the workspace tests (each group of pages keeps its own in a module)."""

from tests.workspace.clinic_fixtures import admin, desk, doctor, outsider

__all__ = ["admin", "desk", "doctor", "outsider"]
