"""Clinic overrides of library rules: checked, attributed and kept with their history."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.core.library import LIBRARY_ROOT, load_library
from mesodesk.core.library.model import Severity as LibrarySeverity
from mesodesk.protocols.choices import Severity
from mesodesk.protocols.models import ClinicOverride
from mesodesk.protocols.selectors import override_history, overrides_of_clinic
from mesodesk.protocols.services import load_protocol_library, set_clinic_override


@pytest.fixture
def rule_code() -> str:
    """A contraindication of the shipped library."""
    return load_library().contraindications[0].code


def library_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted(Path(LIBRARY_ROOT).rglob("*")):
        digest.update(str(path).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def test_the_severities_are_the_library_s_own() -> None:
    assert set(Severity.values) == {severity.value for severity in LibrarySeverity}


def test_a_clinic_admin_sets_a_severity_with_a_reason(
    clinic: Clinic, alice: User, rule_code: str
) -> None:
    override = set_clinic_override(
        clinic=clinic,
        rule_code=rule_code,
        severity=Severity.RELATIVE,
        reason="  Our physician reviews these cases in person.  ",
        by=alice,
    )

    assert (override.severity, override.value) == ("relative", None)
    assert override.reason == "Our physician reviews these cases in person."
    assert override.created_by == override.updated_by == alice
    assert override.protocol_version.version == load_library().version
    [record] = override_history(clinic=clinic, rule_code=rule_code)
    assert (record.history_type, record.history_user, record.severity) == ("+", alice, "relative")


def test_changing_an_override_keeps_the_earlier_one_in_its_history(
    clinic: Clinic, alice: User
) -> None:
    rule_code = "avoid_nsaids"
    first = set_clinic_override(
        clinic=clinic,
        rule_code=rule_code,
        value=14,
        reason="Two weeks, as we always did.",
        by=alice,
    )
    second = set_clinic_override(
        clinic=clinic, rule_code=rule_code, value=21, reason="Three weeks after an audit.", by=alice
    )

    assert second.pk == first.pk
    assert second.created_at == first.created_at
    assert list(overrides_of_clinic(clinic=clinic)) == [second]
    history = override_history(clinic=clinic, rule_code=rule_code)
    assert [(h.value, h.reason) for h in history] == [
        (21, "Three weeks after an audit."),
        (14, "Two weeks, as we always did."),
    ]


def test_it_refuses_a_rule_the_library_does_not_have(clinic: Clinic, alice: User) -> None:
    with pytest.raises(ValidationError) as error:
        set_clinic_override(
            clinic=clinic, rule_code="detox_diet", severity="caution", reason="x", by=alice
        )
    assert "detox_diet" in error.value.message_dict["rule_code"][0]
    assert not ClinicOverride.objects.exists()


def test_it_refuses_a_severity_other_than_absolute_relative_or_caution(
    clinic: Clinic, alice: User, rule_code: str
) -> None:
    with pytest.raises(ValidationError) as error:
        set_clinic_override(
            clinic=clinic, rule_code=rule_code, severity="mild", reason="Milder here.", by=alice
        )
    assert list(error.value.message_dict) == ["severity"]


def test_it_refuses_an_override_without_a_reason(
    clinic: Clinic, alice: User, rule_code: str
) -> None:
    with pytest.raises(ValidationError) as error:
        set_clinic_override(
            clinic=clinic, rule_code="avoid_nsaids", value=7, reason="   ", by=alice
        )
    assert list(error.value.message_dict) == ["reason"]


def test_it_refuses_an_override_that_changes_nothing(
    clinic: Clinic, alice: User, rule_code: str
) -> None:
    with pytest.raises(ValidationError) as error:
        set_clinic_override(clinic=clinic, rule_code=rule_code, reason="No change.", by=alice)
    assert list(error.value.message_dict) == ["value"]


def test_the_database_itself_refuses_an_override_without_a_reason(
    clinic: Clinic, alice: User, rule_code: str
) -> None:
    with pytest.raises(IntegrityError):
        ClinicOverride.objects.create(
            clinic=clinic,
            rule_code=rule_code,
            severity="caution",
            reason="",
            protocol_version=load_protocol_library(),
            created_by=alice,
            updated_by=alice,
        )


def test_an_override_belongs_to_its_clinic_alone(
    clinic: Clinic, other_clinic: Clinic, alice: User, rule_code: str
) -> None:
    set_clinic_override(
        clinic=clinic, rule_code=rule_code, severity="caution", reason="Local policy.", by=alice
    )
    assert list(overrides_of_clinic(clinic=other_clinic)) == []
    assert list(override_history(clinic=other_clinic, rule_code=rule_code)) == []


def test_an_override_leaves_the_library_files_as_they_are(
    clinic: Clinic, alice: User, rule_code: str
) -> None:
    before = library_fingerprint()
    set_clinic_override(
        clinic=clinic, rule_code=rule_code, severity="caution", reason="Local policy.", by=alice
    )
    assert library_fingerprint() == before


@pytest.mark.parametrize(
    ("rule_code", "value", "severity", "field"),
    [
        ("pregnancy", 14, None, "value"),  # a screening rule has no figure
        ("avoid_nsaids", None, "relative", "severity"),  # a timeline rule has no severity
        ("avoid_nsaids", "a week", None, "value"),  # lead times are whole days
        ("avoid_nsaids", 400, None, "value"),
        ("keep_area_dry", "15 hours", None, "value"),  # durations read like 15h
    ],
)
def test_it_refuses_a_figure_or_severity_the_rule_cannot_take(
    clinic: Clinic, alice: User, rule_code: str, value: object, severity: str | None, field: str
) -> None:
    with pytest.raises(ValidationError) as error:
        set_clinic_override(
            clinic=clinic,
            rule_code=rule_code,
            value=value,
            severity=severity,
            reason="Our own figure.",
            by=alice,
        )
    assert list(error.value.message_dict) == [field]
    assert not ClinicOverride.objects.exists()


def test_it_accepts_a_longer_washout_and_a_longer_aftercare_window(
    clinic: Clinic, alice: User
) -> None:
    set_clinic_override(
        clinic=clinic, rule_code="avoid_nsaids", value=14, reason="Two weeks here.", by=alice
    )
    set_clinic_override(
        clinic=clinic, rule_code="keep_area_dry", value="24h", reason="A full day.", by=alice
    )
    assert [o.rule_code for o in overrides_of_clinic(clinic=clinic)] == [
        "avoid_nsaids",
        "keep_area_dry",
    ]
