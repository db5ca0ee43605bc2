"""Django's PostgreSQL backend with a health check that costs no round trip.

With CONN_HEALTH_CHECKS, Django runs `SELECT 1` on a persistent connection at the first
use of it in every request, so that a connection the server dropped (a restart, an idle
timeout, a terminated backend) is replaced instead of failing the request. That is one
more round trip on every request, ~0.15 ms against a 1.5 ms floor (issue 15).

A server that drops a connection says so on its socket: it sends its last error and
closes, so the socket turns readable. An idle connection that is still good has nothing
to read (psycopg reads every answer up to ReadyForQuery). So the check looks at the
socket without waiting; only when something is there (a closed socket, or a notice or
parameter change the server sent meanwhile) does it run Django's own `SELECT 1`, which
then decides as before. After a database error, Django's own check runs as it always did
(`close_if_unusable_or_obsolete` calls `is_usable`, which is untouched).

Each new connection also sets `plan_cache_mode = force_generic_plan`. It concerns only
prepared statements, which here are mesodesk.rows' hand-written hot statements (Django's
own never prepare). Left on `auto`, PostgreSQL plans a prepared statement afresh on every
run whenever its generic plan is estimated to cost more than the custom plans so far, and
with a table's statistics in place it did so for Today's visits to close: planned in
1.27 ms, run in 0.2 ms, on every request. Those statements are written for their indexes
(each leads with the clinic), so the plan made once per connection serves every run.
"""

from __future__ import annotations

import select
from collections.abc import Sequence
from contextlib import suppress
from typing import Any

from django.db.backends.postgresql import base
from psycopg import Pipeline, errors, pq
from psycopg.generators import fetch_many, send


class DatabaseWrapper(base.DatabaseWrapper):
    # Set by Django's BaseDatabaseWrapper (annotations only, for the type checker).
    health_check_enabled: bool
    health_check_done: bool

    def _configure_connection(self, connection: Any) -> bool:
        # Django's hook for a new connection, pooled or not (time zone, role).
        commit = super()._configure_connection(connection)  # type: ignore[misc]
        with connection.cursor() as cursor:
            cursor.execute("SET plan_cache_mode = force_generic_plan")
        return bool(commit) or not connection.autocommit

    def close_if_health_check_failed(self) -> None:
        if (
            self.connection is None
            or self.pool
            or not self.health_check_enabled
            or self.health_check_done
        ):
            return
        if self._socket_quiet() or self.is_usable():
            self.health_check_done = True
            return
        self.close()
        self.health_check_done = True

    def _socket_quiet(self) -> bool:
        """True when the open connection has nothing waiting on its socket."""
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        try:
            readable, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable

    # --- Rows before their commit (issue 15) ----------------------------------------------
    #
    # A read of patient data writes its access event in its own statement (mesodesk.rows,
    # audit.services), and that statement's answer waited for its commit: PostgreSQL makes
    # the event durable (flushes its WAL) before it answers. On this 2-core machine that
    # flush took 0.1-0.3 ms, while the request still had as much Python to run on the rows
    # (loading them, rendering the answer, the middleware on the way out). Here the rows
    # come back first and the commit completes meanwhile: the statement goes in pipeline
    # mode followed by a Flush (the server sends the rows it has) and then a Sync (the
    # server commits, then says it is ready). `settle` waits for that commit and raises
    # its error, if any; mesodesk.web.commits settles before an answer leaves, so nothing
    # is answered whose access event is not written and durable, as before. Any other use
    # of the connection settles first (below), so no statement, transaction or close can
    # come between.

    _unsettled: Any = None  # psycopg's pipeline of the statement not yet settled
    _sync_sent = False  # whether that pipeline's Sync has gone to the server
    # The error of a commit that failed since the answer began: kept until the answer
    # takes it (`take_failed_commit`), in case whatever settled it caught it.
    _failed_commit: BaseException | None = None

    def fetch_before_commit(self, cursor: Any, sql: str, params: Sequence[Any]) -> list[Any]:
        """The rows of `sql` run on `cursor` (Django's wrapper of a cursor of this
        connection), as soon as the server sent them; `settle` confirms its commit."""
        self.settle()
        connection = self.connection
        pgconn = connection.pgconn
        # psycopg's pipeline, entered and left here rather than by `connection.pipeline()`,
        # whose end sends one more Sync and waits for it: a round trip for nothing once the
        # statement's own Sync is answered. (psycopg's internals, pinned in uv.lock; every
        # read of one row by token in the tests on PostgreSQL goes this way.)
        pipeline = Pipeline(connection)
        self._sync_sent = False
        try:
            with connection.lock:
                connection._pipeline = pipeline
                connection.wait(pipeline._enter_gen())
            cursor.execute(sql, params)  # sent: psycopg sends what a pipeline queues
            # (Only now: before a statement, Django's check settles what is unsettled.)
            self._unsettled = pipeline
            with self.wrap_database_errors, connection.lock:
                if pipeline.command_queue:
                    # What psycopg queued after it (a prepared statement let go), sent too.
                    connection.wait(pipeline._communicate_gen())
                # Then a Flush (the server sends the rows it has) and the Sync (it commits).
                pgconn.send_flush_request()
                pgconn.pipeline_sync()
                self._sync_sent = True
                connection.wait(send(pgconn))
                # As far as the statement's result only: the Sync's comes after the commit.
                while cursor.cursor.pgresult is None:
                    results = connection.wait(fetch_many(pgconn))
                    if results:
                        pipeline._process_results(pipeline.result_queue.popleft(), results)
            found: list[Any] = cursor.fetchall()
        except BaseException:
            self._unsettled = pipeline
            # Out of pipeline mode; the statement's own error is the one to raise.
            with suppress(Exception):
                self.settle()
            self._failed_commit = None
            raise
        return found

    def settle(self) -> None:
        """Waits until the statement `fetch_before_commit` ran has committed; its error
        (as Django raises database errors) when it has not. Nothing to do otherwise."""
        pipeline = self._unsettled
        if pipeline is None:
            return
        self._unsettled = None
        connection = self.connection
        pgconn = connection.pgconn
        failed: BaseException | None = None
        try:
            with self.wrap_database_errors, connection.lock:
                try:
                    if not self._sync_sent:
                        # An error came before it: the Sync that ends whatever was sent.
                        pgconn.pipeline_sync()
                        self._sync_sent = True
                        connection.wait(send(pgconn))
                    failed = connection.wait(_settled(pipeline, pgconn))
                finally:
                    self._leave(pipeline)
                if failed is not None:
                    raise failed
        except BaseException as error:
            self._failed_commit = error
            raise

    def _leave(self, pipeline: Pipeline) -> None:
        """Out of pipeline mode without another Sync (nothing is left to read); a
        connection that cannot leave it is closed, to be opened afresh."""
        connection = self.connection
        pipeline.result_queue.clear()
        pipeline.command_queue.clear()
        try:
            pipeline._exit(None)
        except Exception:
            connection.close()
        finally:
            connection._pipeline = None

    def take_failed_commit(self) -> BaseException | None:
        """The error of a commit that failed since the last call, once."""
        failed, self._failed_commit = self._failed_commit, None
        return failed

    # Whatever else uses the connection waits for that commit first: a statement (Django
    # checks the transaction before each), a transaction's start or end, a check or a close.
    def validate_no_broken_transaction(self) -> None:
        if self._unsettled is not None:
            self.settle()
        super().validate_no_broken_transaction()

    def _set_autocommit(self, autocommit: bool) -> None:
        self.settle()
        super()._set_autocommit(autocommit)  # type: ignore[misc]

    def _commit(self) -> None:
        self.settle()
        super()._commit()  # type: ignore[misc]

    def _rollback(self) -> None:
        self.settle()
        super()._rollback()  # type: ignore[misc]

    def is_usable(self) -> bool:
        try:
            self.settle()
        except Exception:
            return False
        return bool(super().is_usable())

    def _close(self) -> None:
        try:
            self.settle()
        finally:
            super()._close()  # type: ignore[misc]


def _settled(pipeline: Pipeline, pgconn: Any) -> Any:
    """psycopg generator: the results of what psycopg queued and has not read yet, each
    taken as psycopg takes it (a statement refused on its first run must leave psycopg's
    prepared statements as psycopg would), then what the server sends up to its answer to
    the Sync: returns the first error among them (the statement's, or its commit's), as
    psycopg raises it, or None."""
    failed: BaseException | None = None
    while pipeline.result_queue:
        results = yield from fetch_many(pgconn)
        if not results:
            break  # (as psycopg's own `_fetch_gen`)
        try:
            pipeline._process_results(pipeline.result_queue.popleft(), results)
        except errors.Error as error:
            failed = failed or error
    while True:
        results = yield from fetch_many(pgconn)
        for result in results:
            if result.status == pq.ExecStatus.FATAL_ERROR and failed is None:
                failed = errors.error_from_result(result, encoding=pgconn._encoding)
            if result.status == pq.ExecStatus.PIPELINE_SYNC:
                return failed
