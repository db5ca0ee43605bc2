"""Django's database session stores, reading the session in plain SQL.

Every signed-in page reads its session first. Django builds that query through the ORM
each time, for more than the database's own work (DESIGN 12); these stores read it with
`mesodesk.rows` (the statement's text made once from the model). Saving, creating,
deleting and the cache in front of the database (`cached_db`) are Django's own.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from django.core.exceptions import SuspiciousOperation
from django.db import connections, router
from django.utils import timezone

from mesodesk import rows


class ReadInSql:
    """Replaces Django's `_get_session_from_db` (same answer: the live session or None)."""

    # Django's SessionStore provides these (annotations only: nothing here shadows them).
    model: Any
    session_key: str | None
    _session_key: str | None

    def _get_session_from_db(self) -> Any:
        model = self.model
        db = router.db_for_read(model)
        try:
            found = rows.fetch(_sql(model, db), [self.session_key, timezone.now()], db)
        except SuspiciousOperation as error:  # as Django's: logged, the session unknown
            logging.getLogger(f"django.security.{type(error).__name__}").warning(str(error))
            found = []
        if not found:
            self._session_key = None
            return None
        return rows.shape(model, db).load(found[0], 0, db)


@cache
def _sql(model: Any, db: str) -> str:
    name, quote = rows.table(model, db), connections[db].ops.quote_name
    key, expiry = (quote(model._meta.get_field(f).column) for f in ("session_key", "expire_date"))
    return (
        f"SELECT {rows.columns(model, name, db)} FROM {name}"  # noqa: S608 - names from the model, values as parameters
        f" WHERE {key} = %s AND {expiry} > %s"
    )
