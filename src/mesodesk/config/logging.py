"""Logging pieces that keep patient data out of the logs."""

from __future__ import annotations

import logging
import re
from typing import Any

from django.views.debug import SafeExceptionReporterFilter

# The request line of a logged request: drop the query string, where search terms
# (a patient's name, a date of birth) could otherwise land in the log.
_QUERY = re.compile(r"(\"[A-Z]+ [^\s?\"]*)\?[^\s\"]*")


class DropQueryStrings(logging.Filter):
    """Removes query strings from request lines in log records."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg = record.getMessage()
            record.args = None
        if isinstance(record.msg, str):
            record.msg = _QUERY.sub(r"\1?…", record.msg)
        return True


class NoTracebackBelow500(logging.Filter):
    """A refused request (403, 404, …) is logged as one line: its exception is expected
    (PermissionDenied, Http404), so its traceback would only bury the real errors."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True


class NoRequestDataFilter(SafeExceptionReporterFilter):
    """Error reports without form data or local variables, which may hold patient data."""

    def get_post_parameters(self, request: Any) -> dict[str, str]:
        if request is None:
            return {}
        return dict.fromkeys(request.POST, self.cleansed_substitute)

    def get_traceback_frame_variables(self, request: Any, tb_frame: Any) -> Any:
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]
