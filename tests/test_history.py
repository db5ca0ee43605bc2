"""mesodesk.history: simple-history's records, with the history manager's class made once."""

from __future__ import annotations

from django.apps import apps

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.history import CachedHistoryManager
from mesodesk.patients.models import Patient
from mesodesk.patients.services import register_patient


def test_every_tracked_model_reaches_its_history_through_one_manager_class(
    clinic: Clinic, fiona: User
) -> None:
    tom = register_patient(clinic=clinic, by=fiona, first_name="Tom", last_name="Berg")
    tom.last_name = "Bergmann"
    tom._history_user = fiona  # type: ignore[attr-defined] # read by simple-history
    tom.save()
    first, again = tom.history, Patient.objects.get(pk=tom.pk).history
    assert type(first) is type(again)
    assert isinstance(first, CachedHistoryManager)
    # The history itself is simple-history's: each save, newest first, with who saved it.
    rows = list(first.all())
    assert [(r.last_name, r.history_type) for r in rows] == [("Bergmann", "~"), ("Berg", "+")]
    assert {r.history_user for r in rows} == {fiona}
    # Every model the project tracks uses it.
    tracked = [
        model
        for model in apps.get_models()
        if getattr(model._meta, "simple_history_manager_attribute", None)
        and model.__module__.startswith("mesodesk.")
    ]
    assert len(tracked) >= 18
    for model in tracked:
        assert isinstance(model.history, CachedHistoryManager), model  # type: ignore[attr-defined]
