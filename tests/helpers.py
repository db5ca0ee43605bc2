"""Helpers for tests that run `mesodesk` in a subprocess, as a user would."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

MESODESK = Path(sys.executable).with_name("mesodesk")
README = Path(__file__).resolve().parents[1] / "README.md"


def require_program(name: str, package: str) -> str:
    """The path of the system program `name` (Debian's `package`). Where it is missing the
    test is skipped with one line saying how to install it, or fails where `.ci/run` asks
    for every system part (`MESODESK_BROWSER_TESTS=required`), as browser tests do."""
    found = shutil.which(name)
    if found is None:
        missing = f"{name} is not installed: apt-get install -y {package}"
        if os.environ.get("MESODESK_BROWSER_TESTS") == "required":
            pytest.fail(f"{missing} (MESODESK_BROWSER_TESTS=required)", pytrace=False)
        pytest.skip(missing)
    return found


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
    """GET `url`, retrying while the server is not listening yet, or is listening but not
    answering yet (the demo binds its port before it seeds the clinic, which takes a minute
    on a loaded machine)."""
    while True:
        try:
            with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - loopback
                return response.status, response.read().decode()
        except (ConnectionError, TimeoutError, urllib.error.URLError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def give_consents(patient: Any, *, lipolysis: bool = True, photography: str = "") -> None:
    """Signed treatment consents for every technique (and injection lipolysis), so the
    consent gate lets the patient's sessions be booked, started and charted. Written
    directly, with a stand-in PDF: the consents tests render real ones."""
    from mesodesk.consents.choices import Channel, Method, Purpose
    from mesodesk.consents.models import ConsentTemplate, SignedConsent
    from mesodesk.consents.services import ensure_templates

    clinic = patient.clinic
    ensure_templates(clinic=clinic)
    purposes = [Purpose.TREATMENT] + ([Purpose.LIPOLYSIS] if lipolysis else [])
    wanted = ConsentTemplate.objects.filter(clinic=clinic, version=1, purpose__in=purposes)
    if photography:
        wanted = wanted | ConsentTemplate.objects.filter(
            clinic=clinic, version=1, purpose=Purpose.PHOTOGRAPHY, tier=photography
        )
    data = b"%PDF-1.7 stand-in for tests\n"
    SignedConsent.objects.bulk_create(
        SignedConsent(
            clinic=clinic,
            patient=patient,
            template=template,
            purpose=template.purpose,
            technique=template.technique,
            tier=template.tier,
            template_version=template.version,
            title=template.title,
            text=template.text,
            signer_name=f"{patient.first_name} {patient.last_name}",
            method=Method.TYPED,
            channel=Channel.PORTAL,
            signed_at=timezone.now(),
            pdf=data,
            sha256=hashlib.sha256(data).hexdigest(),
        )
        for template in wanted
    )
