"""django-simple-history's `HistoricalRecords`, with the history manager's class made once.

simple-history reaches a model's history through a descriptor that builds a new manager
class (`Manager.from_queryset`, which walks the queryset class with `inspect.getmembers`)
on every access, and every save of a tracked model writes its history row through it: a
session booking paid for three such classes, about 1 ms of its time (DESIGN 12). The
class depends only on the manager and queryset classes, so it is made once per pair."""

from __future__ import annotations

from functools import cache
from typing import Any

from simple_history.manager import HistoryManager
from simple_history.models import HistoricalRecords as _HistoricalRecords


class CachedHistoryManager(HistoryManager):
    """simple-history's manager, whose class for a queryset class is built once."""

    @classmethod
    def from_queryset(cls, queryset_class: type, class_name: str | None = None) -> Any:
        manager: Any = cls  # a class: hashable, whatever the stubs say of managers
        return _manager_class(manager, queryset_class, class_name)


@cache
def _manager_class(manager: Any, queryset: type, name: str | None) -> Any:
    return super(CachedHistoryManager, manager).from_queryset(queryset, name)


class HistoricalRecords(_HistoricalRecords):
    """`simple_history.models.HistoricalRecords`, its history manager `CachedHistoryManager`,
    each kept by the model it tracks (`records_of`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("history_manager", CachedHistoryManager)
        super().__init__(*args, **kwargs)

    def finalize(self, sender: Any, **kwargs: Any) -> None:
        super().finalize(sender, **kwargs)
        if sender is self.cls:
            _RECORDS[sender] = self


_RECORDS: dict[type, HistoricalRecords] = {}


def records_of(model: type) -> HistoricalRecords:
    """The HistoricalRecords tracking `model` (simple-history keeps it only in its signal
    receivers): what writes its history rows, for `rows.insert_with_history`."""
    return _RECORDS[model]
