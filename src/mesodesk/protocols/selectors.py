"""Reads of protocol versions and clinic overrides."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from django.db import connections, router
from django.db.models import Max, QuerySet

from mesodesk import rows
from mesodesk.clinics.models import Clinic
from mesodesk.core.library import Library
from mesodesk.core.library.model import Severity as CoreSeverity
from mesodesk.core.overrides import Override
from mesodesk.protocols.models import ClinicOverride, ProtocolVersion


def latest_protocol_version() -> ProtocolVersion | None:
    """The protocol version loaded most recently, if any has been."""
    return (
        ProtocolVersion.objects.order_by("-loaded_at", "-id")
        .only("version", "release", "loaded_at")
        .first()
    )


def protocol_version_of(library: Library) -> ProtocolVersion | None:
    """The stored protocol version of this library (by content), if it has been loaded:
    what a screening done now is stored with. A read; `load_protocol_library` stores it."""
    return (
        ProtocolVersion.objects.filter(content_hash=library.hash)
        .only("version", "release", "loaded_at")
        .first()
    )


def overrides_of_clinic(*, clinic: Clinic) -> QuerySet[ClinicOverride]:
    """The clinic's overrides, by rule code."""
    return ClinicOverride.objects.filter(clinic=clinic).order_by("rule_code")


def override_history(*, clinic: Clinic, rule_code: str) -> QuerySet[Any]:
    """Every recorded state of the clinic's override of one rule, newest first."""
    return ClinicOverride.history.filter(clinic=clinic, rule_code=rule_code).order_by(
        "-history_date", "-history_id"
    )


def engine_overrides(*, clinic: Clinic) -> dict[str, Override]:
    """The clinic's overrides in the form the clinical core applies them. Their four
    columns in plain SQL (mesodesk.rows): every session booking and screening reads them."""
    db = router.db_for_read(ClinicOverride)
    out = {}
    for code, stored, severity, reason in rows.fetch(_engine_overrides_sql(db), [clinic.pk], db):
        value = rows.converted(stored, ClinicOverride, "value", db)
        out[code] = Override(
            severity=CoreSeverity(severity) if severity else None,
            value=None if value is None else str(value),
            reason=reason,
        )
    return out


@cache
def _engine_overrides_sql(db: str) -> str:
    quote = connections[db].ops.quote_name
    names = ", ".join(quote(n) for n in ("rule_code", "value", "severity", "reason"))
    return (
        f"SELECT {names} FROM {rows.table(ClinicOverride, db)}"  # noqa: S608 - names from the models, values as parameters
        f" WHERE {quote('clinic_id')} = %s ORDER BY {quote('rule_code')}"
    )


def overrides_changed_at(*, clinic: Clinic) -> datetime | None:
    """When the clinic's overrides last changed: the newest `updated_at`, or the removal of
    one (kept in the history), whichever is later; None if it never had any.

    A screening computed before this instant may no longer be what the rules say."""
    updated = ClinicOverride.objects.filter(clinic=clinic).aggregate(at=Max("updated_at"))["at"]
    removed = ClinicOverride.history.filter(clinic=clinic, history_type="-").aggregate(
        at=Max("history_date")
    )["at"]
    return max((at for at in (updated, removed) if at is not None), default=None)


def overrides_by_rule(*, clinic: Clinic) -> dict[str, ClinicOverride]:
    """The clinic's overrides by rule code, each with who last changed it (one query)."""
    found = overrides_of_clinic(clinic=clinic).select_related("updated_by")
    return {row.rule_code: row for row in found}


def override_of_rule(*, clinic: Clinic, rule_code: str) -> ClinicOverride | None:
    """The clinic's override of one rule, with who made and last changed it, if any."""
    return (
        ClinicOverride.objects.filter(clinic=clinic, rule_code=rule_code)
        .select_related("created_by", "updated_by")
        .first()
    )
