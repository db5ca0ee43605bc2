"""`mesodesk serve`: gunicorn answers, logs no query strings and stops on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import RunMesodesk
from tests.helpers import MESODESK, fetch, free_port, mesodesk_env


@pytest.mark.slow
def test_serve_answers_and_stops_on_sigterm(run_mesodesk: RunMesodesk, tmp_path: Path) -> None:
    assert run_mesodesk("migrate", DATABASE_URL=None).returncode == 0
    port = free_port()
    process = subprocess.Popen(
        [str(MESODESK), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=mesodesk_env(tmp_path / "var", DATABASE_URL=None),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        status, page = fetch(
            f"http://127.0.0.1:{port}/?q=Nadia+Roth", deadline=time.monotonic() + 60
        )
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=30)

    assert status == 200
    assert "Protocol library" in page
    assert process.returncode == 0, stderr
    assert '"GET /" 200' in stdout  # gunicorn's access log
    assert "Nadia" not in stdout + stderr
