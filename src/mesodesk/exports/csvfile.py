"""The CSV exports as streamed HTTP answers: what the web page and the API both send.

Decisions (README "Calendar feeds for staff, CSV exports and integration tokens"):
- UTF-8 with a byte-order mark, so that Excel opens names with accents correctly; Python
  reads it with `encoding="utf-8-sig"`, LibreOffice and pandas skip the mark.
- A header row, comma-separated, RFC 4180 quoting, CRLF line ends; dates ISO 8601, times
  ISO 8601 with the clinic's UTC offset; decimals with a dot.
- Formula injection (OWASP "CSV Injection"): a cell that starts with = + - @, a tab or a
  carriage return gets a leading apostrophe, so a spreadsheet shows it as text instead of
  running it. Plain numbers ("-2.00", a negative stock move) are left as they are: a
  spreadsheet reads them as numbers, never as formulas.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import StreamingHttpResponse

from mesodesk.accounts.models import User
from mesodesk.audit.choices import AccessAction
from mesodesk.audit.services import record_access
from mesodesk.clinics.models import Clinic
from mesodesk.exports.selectors import EXPORTS, Row, Window, default_window

BOM = "\ufeff"
_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def safe_cell(value: Any) -> str:
    """The cell as text a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(_TRIGGERS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


class _Echo:
    """A file whose write hands back what it was given, for csv.writer to stream rows."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable[str], rows: Iterable[Row]) -> Iterator[str]:
    """The BOM and header, then one CSV line per row, each cell made safe."""
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow(header)
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])


class WindowForm(forms.Form):
    """The dates of an export (`from`, `to`, both included), and for patients `all`."""

    from_ = forms.DateField(required=False, label="From")
    to = forms.DateField(required=False, label="To")
    everything = forms.BooleanField(required=False, label="All patients, whenever registered")

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        if data is not None:
            # The query string's names: from, to, all.
            data = {
                "from_": data.get("from", ""),
                "to": data.get("to", ""),
                "everything": data.get("all", ""),
            }
        super().__init__(data, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, last = cleaned.get("from_"), cleaned.get("to")
        if first and last and first > last:
            self.add_error("from_", "The first day comes after the last.")
        return cleaned


def window_from(clinic: Clinic, kind: str, data: Any) -> Window:
    """The export's window from a query string: the last 90 days unless `from`/`to` say
    otherwise (one without the other keeps the default's other end); `all` for patients
    drops the dates. ValidationError for a malformed or reversed range."""
    form = WindowForm(data)
    if not form.is_valid():
        raise ValidationError(
            {
                ("from" if name == "from_" else name): errors
                for name, errors in form.errors.as_data().items()
            }
        )
    default = default_window(clinic)
    first = form.cleaned_data.get("from_") or default.first
    last = form.cleaned_data.get("to") or default.last
    if first > last:
        raise ValidationError({"from": ["The first day comes after the last."]})
    return Window(first, last, everything=kind == "patients" and form.cleaned_data["everything"])


def csv_response(
    *,
    clinic: Clinic,
    user: User,
    kind: str,
    window: Window,
    ip: str | None,
    path: str,
) -> StreamingHttpResponse:
    """The export `kind` of the clinic as a streamed CSV file, after recording one access
    event (action "export") on the clinic: the export is a read of many patients' data at
    once, like a list page, whose event also hangs on the clinic; the path records which
    export and which dates."""
    export = EXPORTS[kind]
    span = "all" if window.everything else f"{window.first.isoformat()}..{window.last.isoformat()}"
    record_access(
        clinic=clinic,
        user=user,
        action=AccessAction.EXPORT,
        obj=clinic,
        ip=ip,
        path=f"{path}?dates={span}",
    )
    rows = export.rows(clinic, window)
    response = StreamingHttpResponse(
        csv_lines(export.header, rows), content_type="text/csv; charset=utf-8"
    )
    dates = "all" if window.everything else f"{window.first.isoformat()}_{window.last.isoformat()}"
    response["Content-Disposition"] = f'attachment; filename="{clinic.slug}-{kind}-{dates}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response
