"""Real `mesodesk worker` processes against a real SMTP server, when things go wrong: a
worker killed mid-batch, a worker stopped by SIGTERM, a mail server that is down for a
while, a database server restarted under a running worker.

The outbox is in the test database (transactional tests, so the worker process sees the
rows), except for the restart, which runs a private PostgreSQL cluster of its own.
"""

from __future__ import annotations

import signal
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from mesodesk.messaging.choices import ReminderStatus
from mesodesk.messaging.models import Reminder
from tests.messaging.faults import (
    PATIENT_EMAIL,
    database_url,
    outbox_counts,
    postgres_bin,
    private_postgres,
    run_mesodesk,
    seed_outbox,
    smtp_server,
    wait_until,
    why_no_private_postgres,
    worker_process,
)

pytestmark = pytest.mark.slow
# The worker is another process: it sees only committed rows.
shared_db = pytest.mark.django_db(transaction=True)

FAST = ("--poll", "0.2")


def _sent(count: int) -> bool:
    return Reminder.objects.filter(status=ReminderStatus.SENT).count() == count


@shared_db
def test_a_worker_killed_mid_batch_loses_nothing_and_resends_at_most_the_message_in_flight(
    tmp_path: Path,
) -> None:
    ids = seed_outbox(120)
    with smtp_server(delay=0.02) as smtp:
        database = database_url(connection.settings_dict)
        with worker_process(tmp_path, database, smtp.url, "--batch", "60", *FAST) as first:
            wait_until(lambda: smtp.inbox.received() >= 30, timeout=30, what="30 messages")
            first.signal(signal.SIGKILL)
            first.wait(timeout=10)
        # Every message the server took is recorded as sent but the one in flight, if any.
        delivered = smtp.inbox.received()
        assert Reminder.objects.filter(status=ReminderStatus.SENT).count() >= delivered - 1
        in_flight = Reminder.objects.filter(status=ReminderStatus.SENDING).count()
        assert 0 < in_flight <= 60 - (delivered - 1)

        # The dead worker's claims are swept back once older than the lease, and sent.
        with worker_process(
            tmp_path, database, smtp.url, "--batch", "20", "--lease", "1", *FAST
        ) as second:
            wait_until(lambda: _sent(120), timeout=30, what="every reminder sent")
            assert "swept back" in second.log()

        assert outbox_counts()[ReminderStatus.SENT] == 120
        assert smtp.inbox.ids() == set(ids)
        assert smtp.inbox.duplicates() <= 1


@shared_db
def test_sigterm_finishes_the_batch_in_hand_and_exits_cleanly(tmp_path: Path) -> None:
    ids = seed_outbox(100)
    with smtp_server(delay=0.05) as smtp:
        database = database_url(connection.settings_dict)
        with worker_process(tmp_path, database, smtp.url, "--batch", "20", *FAST) as worker:
            wait_until(lambda: smtp.inbox.received() >= 3, timeout=30, what="the first messages")
            worker.signal(signal.SIGTERM)
            assert worker.wait(timeout=10) == 0
            assert "stopped" in worker.log()

    counts = outbox_counts()
    assert counts[ReminderStatus.SENDING] == 0
    assert counts[ReminderStatus.SENT] == 20
    assert counts[ReminderStatus.PENDING] == 80
    assert smtp.inbox.received() == 20
    assert smtp.inbox.ids() == set(ids[:20])
    assert not Reminder.objects.filter(status=ReminderStatus.PENDING).exclude(claimed_by="")


@shared_db
def test_a_mail_server_down_then_up_gets_everything_still_due_and_nothing_late(
    tmp_path: Path,
) -> None:
    ids = seed_outbox(30)
    short = Reminder.objects.order_by("id").last()
    assert short is not None
    Reminder.objects.filter(pk=short.pk).update(expires_at=timezone.now() + timedelta(seconds=4))
    short_id = ids[-1]
    with smtp_server(started=False) as smtp:
        database = database_url(connection.settings_dict)
        args = ("--batch", "50", "--backoff", "0.5", *FAST)
        with worker_process(tmp_path, database, smtp.url, *args) as worker:

            def retried_and_expired() -> bool:
                # Each pass tries one message, finds the server gone and puts the rest of
                # the batch back untried (their claims are no attempts): all wait, one is
                # retried again and again, the short-lived one expires.
                waiting = Reminder.objects.filter(
                    status=ReminderStatus.PENDING, last_error__startswith="ConnectionRefused"
                )
                return (
                    waiting.count() == 29
                    and waiting.filter(attempts__gte=2).exists()
                    and Reminder.objects.get(pk=short.pk).status == ReminderStatus.EXPIRED
                )

            wait_until(retried_and_expired, timeout=30, what="retries while the server is down")
            for error in Reminder.objects.exclude(pk=short.pk).values_list("last_error", flat=True):
                assert error.startswith("ConnectionRefusedError")
                assert "@" not in error
                assert "Ida" not in error

            smtp.start()
            wait_until(lambda: _sent(29), timeout=30, what="delivery after the server is back")
            log = worker.log()

    assert smtp.inbox.ids() == set(ids) - {short_id}
    assert smtp.inbox.duplicates() == 0
    assert Reminder.objects.get(pk=short.pk).status == ReminderStatus.EXPIRED
    for row in Reminder.objects.filter(status=ReminderStatus.SENT):
        assert row.sent_at is not None
        assert row.sent_at < row.expires_at
    assert "sends failed" in log
    assert PATIENT_EMAIL not in log


def test_the_worker_recovers_when_postgresql_restarts_mid_run(tmp_path: Path) -> None:
    reason = why_no_private_postgres()
    if reason is not None:
        pytest.skip(reason)
    bin_dir = postgres_bin()
    assert bin_dir is not None
    with private_postgres(bin_dir) as cluster, smtp_server(delay=0.01) as smtp:
        run_mesodesk(tmp_path, cluster.url, "migrate", "-v", "0", timeout=120)
        out = run_mesodesk(
            tmp_path,
            cluster.url,
            "shell",
            "-v",
            "0",
            "-c",
            "from tests.messaging.faults import seed_outbox; print(*seed_outbox(150))",
        )
        ids = [word for word in out.split() if word.startswith("<reminder.")]
        assert len(ids) == 150

        def statuses() -> dict[str, int]:
            with psycopg.connect(cluster.url.replace("postgres://", "postgresql://")) as db:
                rows = db.execute(
                    "SELECT status, count(*) FROM messaging_reminder GROUP BY status"
                ).fetchall()
            return dict(rows)

        args = ("--batch", "10", "--lease", "2", *FAST)
        with worker_process(tmp_path, cluster.url, smtp.url, *args) as worker:
            wait_until(lambda: smtp.inbox.received() >= 40, timeout=30, what="40 messages")
            cluster.restart()
            wait_until(lambda: statuses() == {"sent": 150}, timeout=45, what="every row sent")
            log = worker.log()

    assert "database unavailable" in log
    assert smtp.inbox.ids() == set(ids)
    assert smtp.inbox.duplicates() <= 10
