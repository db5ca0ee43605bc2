"""Every answer leaves only once what made it is committed (issue 15).

A read of patient data writes its access event in the statement that reads, and on
PostgreSQL that statement's rows come back before its commit has completed, so that the
commit's wait overlaps with making the answer (mesodesk.rows.fetch with `commit_later`,
mesodesk.config.postgresql). This middleware waits for those commits once the answer is
made, before it goes out: when one failed, the answer is Django's 500 instead, as when the
statement itself fails. It sits below only the middleware that never uses the database
(security headers, static files, no-store, CSP), which then give a 500 their headers too.
Nothing else is changed on the way."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.http.response import HttpResponseBase

from mesodesk import rows


class CommittedBeforeAnswerMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        with rows.answering():
            return self.get_response(request)
