"""Every change to protocol versions and clinic overrides goes through these functions."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.core.library import Library, load_library
from mesodesk.core.overrides import override_problems
from mesodesk.messaging.services import refresh_clinic_reminders
from mesodesk.protocols.choices import Severity
from mesodesk.protocols.models import ClinicOverride, ProtocolVersion


def load_protocol_library(
    *, library: Library | None = None, using: str = DEFAULT_DB_ALIAS
) -> ProtocolVersion:
    """Stores the library (by default the one shipped with mesodesk) as a protocol version.

    Idempotent: a library whose content is stored already gives back that row, so running
    `migrate` or `demo` again, or from several processes at once, adds nothing.
    """
    library = library if library is not None else load_library()
    with transaction.atomic(using=using):
        version, _ = ProtocolVersion.objects.using(using).get_or_create(
            content_hash=library.hash,
            defaults={
                "version": library.version,
                "release": library.release,
                "files": dict(library.files),
                "data": library.to_dict(),
            },
        )
    return version


def check_override(
    *, rule_code: str, value: Any, severity: str | None, reason: str, library: Library
) -> None:
    """Raises ValidationError, keyed by field, unless the override is one we can store."""
    errors: dict[str, str] = {}
    if rule_code not in library.rule_codes():
        errors["rule_code"] = f"{rule_code!r} is not a rule of protocol library {library.version}."
    if severity is not None and severity not in Severity.values:
        errors["severity"] = f"Severity must be one of {', '.join(Severity.values)}."
    if value is None and severity is None:
        errors["value"] = "Give a new value, a new severity, or both."
    if not reason.strip():
        errors["reason"] = "Say why the clinic departs from the library."
    if "rule_code" not in errors:
        for field, problem in override_problems(
            library, rule_code, value=value, severity=severity
        ).items():
            errors.setdefault(field, problem)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def set_clinic_override(
    *,
    clinic: Clinic,
    rule_code: str,
    value: Any = None,
    severity: str | None = None,
    reason: str,
    by: User,
) -> ClinicOverride:
    """Sets the clinic's value and/or severity for one library rule, replacing any earlier one.

    The library files are never touched; every change is kept in the override's history
    with who made it.
    """
    library = load_library()
    check_override(
        rule_code=rule_code, value=value, severity=severity, reason=reason, library=library
    )
    version = load_protocol_library(library=library)
    now = timezone.now()
    override = (
        ClinicOverride.objects.select_for_update()
        .filter(clinic=clinic, rule_code=rule_code)
        .first()
    )
    if override is None:
        override = ClinicOverride(clinic=clinic, rule_code=rule_code, created_by=by, created_at=now)
    override.value = value
    override.severity = severity or ""
    override.reason = reason.strip()
    override.protocol_version = version
    override.updated_by = by
    override.updated_at = now
    override._history_user = by  # type: ignore[attr-defined] # read by simple-history
    override.save()
    # A new lead time moves the day preparation starts: the queued reminders follow.
    refresh_clinic_reminders(clinic=clinic)
    return override


@transaction.atomic
def remove_clinic_override(*, clinic: Clinic, rule_code: str, reason: str, by: User) -> None:
    """Removes the clinic's override of one rule, saying why: the library's own value
    applies again. The override's history keeps the removal, who made it and the reason
    (screenings computed before it count as stale)."""
    if not reason.strip():
        raise ValidationError({"reason": ["Say why the override is removed."]})
    override = (
        ClinicOverride.objects.select_for_update()
        .filter(clinic=clinic, rule_code=rule_code)
        .first()
    )
    if override is None:
        raise ClinicOverride.DoesNotExist(f"no override of {rule_code}")
    override._history_user = by  # type: ignore[attr-defined] # read by simple-history
    override._change_reason = reason.strip()  # type: ignore[attr-defined]
    override.delete()
    refresh_clinic_reminders(clinic=clinic)
