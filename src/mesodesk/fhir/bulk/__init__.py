"""Bulk Data Access 2.0 `$export` (system, Patient and Group level) as NDJSON files built
by the worker."""
