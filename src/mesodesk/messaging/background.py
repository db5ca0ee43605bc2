"""Long jobs the worker does between its reminder batches, registered by the apps that own
them (the FHIR Bulk Data export, a patient's copy of their data).

A task is called once per pass with the worker's name, the time and the worker's stop
event. It does one bounded slice of work — a couple of seconds at most, so reminders are
never held up — and returns how much it did (0 when there was nothing to do). A job's
progress lives in its own rows, claimed with a lease as reminders are: a worker that dies
mid-job leaves a claim that another worker takes over when the lease runs out, and
carries on from the last saved point (or starts the job again), so no job is left stuck.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from django.db import DatabaseError, transaction
from django.db.models import Model, QuerySet

log = logging.getLogger("mesodesk.messaging.background")

Task = Callable[[str, datetime, threading.Event], int]

TASKS: dict[str, Task] = {}


def register(name: str) -> Callable[[Task], Task]:
    """Decorator: `task` runs in every worker pass under `name` (one registration a name,
    so importing a module twice does not run its task twice)."""

    def add(task: Task) -> Task:
        TASKS[name] = task
        return task

    return add


def run_tasks(worker: str, now: datetime, stop: threading.Event) -> int:
    """One slice of every registered task; a task that fails is logged and the others go
    on. A lost database is the worker's to wait for, so DatabaseError is raised."""
    done = 0
    for name, task in list(TASKS.items()):
        if stop.is_set():
            break
        try:
            done += task(worker, now, stop)
        except DatabaseError:
            raise
        except Exception:
            log.exception("background task %s failed", name)
    return done


def claim_first[M: Model](
    claimable: QuerySet[M], *order: str, take: Callable[[M], bool]
) -> M | None:
    """The first of `claimable` rows (by `order`) that no other worker holds, handed to
    `take` inside the claiming transaction, which stamps it as this worker's and says
    whether it is to be worked (False: it was set aside, say as failed). None when there is
    nothing to claim.

    A plain read comes first: most passes find nothing, and on SQLite the claim's
    transaction takes the write lock that the reminder workers and web requests need.
    On PostgreSQL `SKIP LOCKED` lets several workers claim different rows at once."""
    if not claimable.exists():
        return None
    with transaction.atomic():
        row = claimable.select_for_update(skip_locked=True).order_by(*order).first()
        if row is None or not take(row):
            return None
    return row
