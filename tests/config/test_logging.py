"""No patient data in the logs: request lines lose their query strings."""

from __future__ import annotations

import logging

from mesodesk.config.logging import DropQueryStrings


def record(msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("django.server", logging.INFO, __file__, 1, msg, args, None)


def test_a_request_line_loses_its_query_string() -> None:
    line = record('"%s" %s %s', "GET /patients/?name=Nadia+Roth&dob=1990-04-01 HTTP/1.1", 200, 512)
    assert DropQueryStrings().filter(line)
    assert line.getMessage() == '"GET /patients/?… HTTP/1.1" 200 512'


def test_a_request_line_without_a_query_string_is_kept() -> None:
    line = record('"%s" %s %s', "GET /admin/ HTTP/1.1", 302, 0)
    assert DropQueryStrings().filter(line)
    assert line.getMessage() == '"GET /admin/ HTTP/1.1" 302 0'
