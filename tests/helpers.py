"""Helpers for tests that run `mesodesk` in a subprocess, as a user would."""

from __future__ import annotations

import os
import socket
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

MESODESK = Path(sys.executable).with_name("mesodesk")
README = Path(__file__).resolve().parents[1] / "README.md"

# Variables a developer's shell may have set that would change what a subprocess does.
_SETTINGS_VARIABLES = (
    "MESODESK_ENV",
    "MESODESK_VAR_DIR",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "CACHE_URL",
    "EMAIL_URL",
    "DEBUG",
    "LOG_LEVEL",
    "PORT",
    "WEB_CONCURRENCY",
    # Set by the browser tests for their own process (tests/browser/conftest.py); a
    # subprocess is a deployment, where `check --deploy` rightly refuses it.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def mesodesk_env(var_dir: Path, **overrides: str | None) -> dict[str, str]:
    """The environment for a `mesodesk` subprocess: this one's without mesodesk's settings,
    with the data folder in `var_dir`; an override of None removes a variable."""
    env = {k: v for k, v in os.environ.items() if k not in _SETTINGS_VARIABLES}
    env["MESODESK_VAR_DIR"] = str(var_dir)
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def fetch(url: str, *, deadline: float) -> tuple[int, str]:
    """GET `url`, retrying while the server is not listening yet."""
    while True:
        try:
            with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - loopback
                return response.status, response.read().decode()
        except (ConnectionError, urllib.error.URLError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
