"""SESSION_ENGINE with a Redis cache: sessions in it and in the database behind it, read
from the database in plain SQL on a cache miss (mesodesk.accounts.sessions)."""

from django.contrib.sessions.backends import cached_db

from mesodesk.accounts.sessions import ReadInSql


class SessionStore(ReadInSql, cached_db.SessionStore):
    pass
