"""SESSION_ENGINE without a Redis cache: sessions in the database (mesodesk.accounts.sessions)."""

from django.contrib.sessions.backends import db

from mesodesk.accounts.sessions import ReadInSql


class SessionStore(ReadInSql, db.SessionStore):
    pass
