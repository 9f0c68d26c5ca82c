"""SQLite for the embedded default: this process's writers take the write lock in turn.

SQLite lets one connection write at a time. A connection that finds the lock taken
polls for it, sleeping up to 100 ms between tries, so under a burst a writer that has
waited long loses again and again to ones that just arrived (seconds of waiting for
some saves, and a refusal at the busy timeout). Here the threads of one server process
queue for the lock first, first come first served, and each hands it straight to the
next when its transaction ends; SQLite's own locking still arbitrates between
processes (a second gunicorn worker, a management command).

A turn covers a transaction (BEGIN IMMEDIATE … COMMIT/ROLLBACK) or a single write
statement outside one (a session or last-login update).
"""

import collections
import threading
import time

from django.db.backends.sqlite3 import base
from django.db.utils import OperationalError

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class Turns:
    """A first-come-first-served lock with a timeout."""

    def __init__(self):
        self._mutex = threading.Lock()
        self._waiting = collections.deque()
        self._held = False

    def acquire(self, timeout: float) -> bool:
        with self._mutex:
            if not self._held and not self._waiting:
                self._held = True
                return True
            turn = threading.Event()
            self._waiting.append(turn)
        if turn.wait(timeout):
            return True
        with self._mutex:
            if turn.is_set():  # handed over just as the wait ran out
                return True
            self._waiting.remove(turn)
            return False

    def release(self):
        with self._mutex:
            if self._waiting:
                self._waiting.popleft().set()  # still held: it passes to the next in line
            else:
                self._held = False


_turns: dict[str, Turns] = collections.defaultdict(Turns)
_turns_lock = threading.Lock()


def turns_for(name) -> Turns:
    with _turns_lock:
        return _turns[str(name)]


class CursorWrapper(base.SQLiteCursorWrapper):
    def execute(self, query, params=None):
        with self.connection_wrapper.write_turn(query):
            return super().execute(query, params)

    def executemany(self, query, param_list):
        with self.connection_wrapper.write_turn(query):
            return super().executemany(query, param_list)


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._has_turn = False

    @property
    def _turns(self):
        return turns_for(self.settings_dict["NAME"])

    def _take_turn(self):
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        started = time.monotonic()
        if not self._turns.acquire(timeout):
            raise OperationalError(
                f"database is locked (waited {time.monotonic() - started:.0f} s for a turn)"
            )
        self._has_turn = True

    def _end_turn(self):
        if self._has_turn:
            self._has_turn = False
            self._turns.release()

    def create_cursor(self, name=None):
        cursor = self.connection.cursor(factory=CursorWrapper)
        cursor.connection_wrapper = self
        return cursor

    def write_turn(self, query):
        """A turn for a write statement outside a transaction; nothing otherwise."""
        if (
            self._has_turn
            or self.connection.in_transaction
            or not query.lstrip()[:7].upper().startswith(WRITES)
        ):
            return _NoTurn
        return _StatementTurn(self)

    def _start_transaction_under_autocommit(self):
        self._take_turn()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._end_turn()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            if not (self.connection and self.connection.in_transaction):
                self._end_turn()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._end_turn()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._end_turn()


class _NoTurnType:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


_NoTurn = _NoTurnType()


class _StatementTurn:
    def __init__(self, wrapper):
        self.wrapper = wrapper

    def __enter__(self):
        self.wrapper._take_turn()

    def __exit__(self, *exc):
        self.wrapper._end_turn()
        return False
