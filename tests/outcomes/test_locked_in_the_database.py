"""A score is kept by the database itself: writing its table directly (as a script or a
careless admin would) cannot rewrite or delete it, on SQLite and on PostgreSQL alike; only
marking it entered in error (once) and moving it in a patient merge pass."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.outcomes import services
from mesodesk.outcomes.models import Score
from mesodesk.scheduling.models import Appointment
from tests.scheduling.conftest import make_patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def score(clinic: Clinic, pedro: User, series: list[Appointment]) -> Score:
    return services.record_score(
        clinic=clinic, appointment=series[2], by=pedro, scale="gais", value="2"
    )


def sql(statement: str, *params: object) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def refused(statement: str, *params: object) -> None:
    with pytest.raises(IntegrityError, match="outcome scores are never rewritten"):
        sql(statement, *params)


def test_a_score_cannot_be_rewritten_or_deleted(score: Score) -> None:
    refused("UPDATE outcomes_score SET value = '1' WHERE id = %s", score.pk)
    refused("UPDATE outcomes_score SET note = 'later' WHERE id = %s", score.pk)
    refused("DELETE FROM outcomes_score WHERE id = %s", score.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        Score.objects.filter(pk=score.pk).delete()
    score.refresh_from_db()
    assert score.value == "2"


def test_it_may_be_marked_entered_in_error_once_and_never_unmarked(
    score: Score, pedro: User
) -> None:
    marked = Score.objects.filter(pk=score.pk).update(
        entered_in_error_at=timezone.now(), entered_in_error_by=pedro, entered_in_error_reason="x"
    )
    assert marked == 1
    refused("UPDATE outcomes_score SET entered_in_error_at = NULL WHERE id = %s", score.pk)
    refused("UPDATE outcomes_score SET entered_in_error_reason = 'y' WHERE id = %s", score.pk)
    refused(
        "UPDATE outcomes_score SET entered_in_error_at = NULL, value = '1' WHERE id = %s",
        score.pk,
    )


def test_a_patient_merge_moves_it(score: Score, clinic: Clinic, fiona: User) -> None:
    kept = make_patient(clinic, fiona, "Kept")
    assert Score.objects.filter(pk=score.pk).update(patient=kept) == 1
    refused(
        "UPDATE outcomes_score SET patient_id = %s, value = '5' WHERE id = %s", kept.pk, score.pk
    )


def test_the_triggers_are_in_place() -> None:
    if connection.vendor == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s"
    else:
        query = "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass"
    with connection.cursor() as cursor:
        cursor.execute(query, ["outcomes_score"])
        names = {row[0] for row in cursor.fetchall()}
    assert names >= (
        {"outcomes_score_locked_update", "outcomes_score_locked_delete"}
        if connection.vendor == "sqlite"
        else {"outcomes_score_locked"}
    )
