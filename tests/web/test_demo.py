"""`mesodesk demo`: seeding is repeatable, the server answers and stops cleanly."""

from __future__ import annotations

import io
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from pytest_django import Settings

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic, Membership
from mesodesk.protocols.models import ProtocolVersion
from mesodesk.web import demo
from tests.conftest import RunMesodesk
from tests.helpers import MESODESK, fetch, free_port, mesodesk_env


def counts() -> dict[str, int]:
    return {
        "clinics": Clinic.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "protocol versions": ProtocolVersion.objects.count(),
    }


@pytest.mark.django_db
def test_running_the_demo_twice_seeds_the_same_clinic_once() -> None:
    out = io.StringIO()
    call_command("demo", "--no-serve", stdout=out)
    first = counts()
    call_command("demo", "--no-serve", stdout=io.StringIO())

    assert (
        counts()
        == first
        == {
            "clinics": 1,
            "users": 3,
            "memberships": 3,
            "protocol versions": 1,
        }
    )
    clinic = Clinic.objects.get(slug=demo.DEMO_CLINIC_SLUG)
    assert (clinic.name, clinic.time_zone) == ("Demo Mesotherapy Clinic", "Europe/Berlin")
    assert "Demo Mesotherapy Clinic (Europe/Berlin)" in out.getvalue()


@pytest.mark.django_db
def test_every_demo_login_works_with_the_published_password() -> None:
    call_command("demo", "--no-serve", stdout=io.StringIO())
    for login in demo.DEMO_STAFF:
        user = User.objects.get(email=login.email)
        assert user.check_password(demo.DEMO_PASSWORD)
        assert user.memberships.get().role == login.role
        assert user.is_staff == login.can_use_admin


@pytest.mark.django_db
def test_the_demo_refuses_to_run_in_production(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.PRODUCTION = True
    with pytest.raises(SystemExit) as exit_:
        call_command("demo", "--no-serve")
    assert exit_.value.code == 2
    assert "MESODESK_ENV=production" in capsys.readouterr().err
    assert not Clinic.objects.exists()


@pytest.mark.slow
def test_the_demo_serves_its_home_page_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [str(MESODESK), "demo", "--port", str(port)],
        env=mesodesk_env(tmp_path / "var", DATABASE_URL=None),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        status, page = fetch(f"http://127.0.0.1:{port}/?patient=Nadia+Roth", deadline=deadline)
        css_status, css = fetch(
            f"http://127.0.0.1:{port}/static/web/mesodesk.css", deadline=deadline
        )
    finally:
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)

    assert (status, css_status) == (200, 200)
    assert "admin@demo.mesodesk.test" in page
    assert "--accent" in css
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert "Nadia" not in stderr  # request logged without its query string
    assert f"http://127.0.0.1:{port}/admin/" in stdout
    assert demo.DEMO_PASSWORD in stdout
    assert stdout.rstrip().endswith("Stopped.")


@pytest.mark.slow
def test_the_demo_says_in_one_line_that_its_port_is_taken(run_mesodesk: RunMesodesk) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_mesodesk("demo", "--port", str(port), DATABASE_URL=None)

    assert result.returncode == 1
    assert result.stderr == f"mesodesk: port {port} is already in use; try --port {port + 1}\n"
