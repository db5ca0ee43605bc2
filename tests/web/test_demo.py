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
from django.utils import timezone
from pytest_django import Settings

from mesodesk.accounts.models import User
from mesodesk.charting.models import InjectionPoint, SessionRecord
from mesodesk.clinics.models import Clinic, Membership
from mesodesk.inventory.models import Lot, Product
from mesodesk.outcomes.models import Score
from mesodesk.protocols.models import ProtocolVersion
from mesodesk.scheduling.models import Appointment
from mesodesk.web import demo
from tests.conftest import RunMesodesk
from tests.helpers import MESODESK, fetch, free_port, mesodesk_env


def counts() -> dict[str, int]:
    return {
        "clinics": Clinic.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "protocol versions": ProtocolVersion.objects.count(),
        "products": Product.objects.count(),
        "lots": Lot.objects.count(),
        "session records": SessionRecord.objects.count(),
        "injection points": InjectionPoint.objects.count(),
        "scores": Score.objects.count(),
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
            "users": 4,  # the staff and Anna's portal account (demo_outcomes)
            "memberships": 3,
            "protocol versions": 1,
            # Anna's stock (2 products, 5 lots) and the lot the safety page flags
            # (demo_safety: 2 products, 2 lots, 21 sessions of three patients).
            "products": 4,
            "lots": 7,
            "session records": 3 + 21,
            "injection points": 3 * (24 + 10),
            # Anna's baseline (WSRS both sides, Glogau), then per session GAIS, WSRS
            # both sides, and her own GAIS and satisfaction (demo_outcomes).
            "scores": 3 + 3 * (1 + 2 + 2),
        }
    )
    clinic = Clinic.objects.get(slug=demo.DEMO_CLINIC_SLUG)
    assert (clinic.name, clinic.time_zone) == ("Demo Mesotherapy Clinic", "Europe/Berlin")
    assert "Demo Mesotherapy Clinic (Europe/Berlin)" in out.getvalue()


@pytest.mark.django_db
def test_the_demo_charts_annas_sessions_and_leaves_today_s_first_ready_to_chart() -> None:
    from mesodesk.planning.models import TreatmentPlan

    call_command("demo", "--no-serve", stdout=io.StringIO())
    records = SessionRecord.objects.filter(patient__first_name="Anna")
    assert [r.status for r in records] == ["signed", "signed", "signed"]
    # They are the sessions of her series that have passed; the rest are booked.
    plan = TreatmentPlan.objects.get(patient__first_name="Anna", status="active")
    assert sorted(r.appointment.planned_session.number for r in records) == [1, 2, 3]
    assert all(r.appointment.planned_session.plan == plan for r in records)
    later = plan.sessions.filter(number__gt=3)
    assert later and all(s.appointments.get().status == "booked" for s in later)
    assert {a.lot.number for r in records for a in r.administrations.all()} == {
        "RV2405",
        "BT2309",
    }
    assert Lot.objects.get(number="BT2309").status == "recalled"
    assert Lot.objects.get(number="RV2209").expiry < Lot.objects.get(number="RV2311").expiry
    first = (
        Appointment.objects.filter(kind="session", start__date__gte=timezone.now().date())
        .exclude(patient__first_name="Anna")
        .order_by("start")
        .first()
    )
    assert first is not None and first.started_at is not None


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
        # Seeding the whole demo clinic takes about 20 s alone, over a minute beside the
        # rest of the suite on two cores.
        deadline = time.monotonic() + 150
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


@pytest.mark.django_db
def test_the_demo_gives_staff_totp_and_the_cases_the_issue_walks_through() -> None:
    from allauth.mfa.models import Authenticator
    from django.utils import timezone

    from mesodesk.patients.models import Patient
    from mesodesk.patients.selectors import current_screening
    from mesodesk.planning.models import TreatmentPlan
    from mesodesk.scheduling import visits
    from mesodesk.scheduling.selectors import clinic_zone, day_schedule

    call_command("demo", "--no-serve", stdout=io.StringIO())
    for login in demo.DEMO_STAFF:
        user = User.objects.get(email=login.email)
        assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).count() == 1
    clinic = Clinic.objects.get(slug=demo.DEMO_CLINIC_SLUG)
    screenings = [current_screening(clinic, p) for p in Patient.objects.filter(clinic=clinic)]
    assert any(s and s.verdict == "review" and s.signed_off_at is None for s in screenings)
    assert any(s and s.intake.answers.get("pregnant") for s in screenings)
    unbooked = [
        plan
        for plan in TreatmentPlan.objects.filter(clinic=clinic, status="active")
        if not plan.sessions.filter(appointments__status="booked").exists()
    ]
    assert unbooked
    today = timezone.now().astimezone(clinic_zone(clinic)).date()
    seeded = len(day_schedule(clinic, today))
    assert seeded >= 3
    # Today's first session is in treatment, ready to chart, whatever the hour; a
    # consultation that is over says who checked the patient in and who closed it.
    session = next(a for a in day_schedule(clinic, today) if a.kind == "session")
    assert visits.stage(session) == "in_treatment"
    for over in day_schedule(clinic, today):
        if over.status == "completed":
            assert over.arrived_by is not None and over.ended_by is not None
    # Run again: today is not filled twice, and no second authenticator appears.
    call_command("demo", "--no-serve", stdout=io.StringIO())
    assert len(day_schedule(clinic, today)) == seeded
    assert Authenticator.objects.count() == len(demo.DEMO_STAFF)


def test_the_published_totp_code_is_rfc_6238() -> None:
    # RFC 6238 appendix B, SHA-1, T = 59 s: 94287082 (the last six digits).
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of "12345678901234567890"
    assert demo.totp_code(secret, at=59) == "287082"
