"""mesodesk.accounts.sessions: the session stores read a session in plain SQL and answer
as Django's own do: the live session's data; nothing for an expired or unknown key, whose
key is then dropped so that saving makes a new one."""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.utils import timezone

from mesodesk.accounts.sessions import cached_db, db

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("engine", [db, cached_db], ids=["db", "cached_db"])
def test_a_live_session_loads_and_an_expired_or_unknown_one_does_not(engine: object) -> None:
    store = engine.SessionStore()  # type: ignore[attr-defined]
    store["clinic"] = "lindenhof"
    store.save()
    key = store.session_key

    again = engine.SessionStore(key)  # type: ignore[attr-defined]
    assert again["clinic"] == "lindenhof"
    assert again.session_key == key

    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(1))
    expired = engine.SessionStore(key)  # type: ignore[attr-defined]
    if engine is cached_db:  # past the cache, to the database
        caches[settings.SESSION_CACHE_ALIAS].delete(expired.cache_key)
    assert expired.load() == {}
    assert expired.session_key is None

    unknown = engine.SessionStore("x" * 32)  # type: ignore[attr-defined]
    assert unknown.load() == {}
    assert unknown.session_key is None


def test_the_settings_use_these_stores() -> None:
    assert import_module(settings.SESSION_ENGINE).SessionStore.__module__.startswith(
        "mesodesk.accounts.sessions"
    )
