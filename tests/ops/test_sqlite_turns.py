"""The embedded default's SQLite: writers of one process take the write lock in turn.

carbonplan/sqlite3/base.py queues this process's transactions (and single writes
outside one) first come, first served before they ask SQLite for the lock, so a writer
that has waited is never overtaken by one that just arrived, and one that waits past
the busy timeout is refused with SQLite's own "database is locked" (which the site
answers with 503). Checked on a SQLite file of the test's own, with connections made
the way the settings make them.
"""

import threading
import time

import pytest
from django.conf import settings
from django.db.utils import OperationalError

from carbonplan.db_busy import is_database_busy
from carbonplan.sqlite3.base import DatabaseWrapper, Turns


def test_turns_are_given_in_the_order_they_were_asked_for():
    turns = Turns()
    assert turns.acquire(timeout=1)
    order, started = [], []

    def writer(n):
        started.append(n)
        assert turns.acquire(timeout=10)
        order.append(n)
        time.sleep(0.01)
        turns.release()

    threads = []
    for n in range(8):
        thread = threading.Thread(target=writer, args=(n,))
        thread.start()
        threads.append(thread)
        while len(started) <= n:  # each asks before the next one starts
            time.sleep(0.001)
        time.sleep(0.02)
    turns.release()
    for thread in threads:
        thread.join(10)
    assert order == list(range(8))


def test_a_turn_not_given_in_time_is_refused_and_leaves_the_queue():
    turns = Turns()
    assert turns.acquire(timeout=1)
    assert turns.acquire(timeout=0.05) is False
    turns.release()
    # The one that gave up is not handed the lock: the next to ask gets it at once.
    assert turns.acquire(timeout=0.05)
    turns.release()


def _connection(path, timeout):
    options = {
        **settings.DATABASES["default"].get("OPTIONS", {}),
        "transaction_mode": "IMMEDIATE",
        "timeout": timeout,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL",
    }
    wrapper = DatabaseWrapper(
        {
            **settings.DATABASES["default"],
            "ENGINE": "carbonplan.sqlite3",
            "NAME": str(path),
            "OPTIONS": options,
            "TEST": {},
        },
        alias=f"turns-{threading.get_ident()}",
    )
    wrapper.ensure_connection()
    return wrapper


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "carbonplan.sqlite3", reason="the embedded default's backend"
)
def test_a_second_writer_waits_for_the_first_and_one_waiting_too_long_is_refused(tmp_path, django_db_blocker):
    with django_db_blocker.unblock():  # a database of the test's own, not the test database
        _race(tmp_path / "db.sqlite3")


def _race(path):
    setup = _connection(path, timeout=5)
    assert setup.cursor().execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    setup.cursor().execute("CREATE TABLE saves (n INTEGER)")
    setup.close()
    first_holds, events = threading.Event(), []

    def first():
        db = _connection(path, timeout=5)
        db._start_transaction_under_autocommit()
        db.cursor().execute("INSERT INTO saves VALUES (1)")
        first_holds.set()
        time.sleep(0.3)
        events.append("first commits")
        db._commit()
        db.close()

    def second(timeout, label):
        db = _connection(path, timeout=timeout)
        first_holds.wait(5)
        try:
            db._start_transaction_under_autocommit()
            events.append(f"{label} begins")
            db.cursor().execute("INSERT INTO saves VALUES (2)")
            db._commit()
        except OperationalError as exc:
            events.append(f"{label} refused: {is_database_busy(exc)}")
        finally:
            db.close()

    threads = [
        threading.Thread(target=first),
        threading.Thread(target=second, args=(0.05, "impatient")),
        threading.Thread(target=second, args=(5, "patient")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert "impatient refused: True" in events
    assert events.index("first commits") < events.index("patient begins")
    check = _connection(path, timeout=5)
    assert sorted(n for (n,) in check.cursor().execute("SELECT n FROM saves").fetchall()) == [1, 2]
    check.close()
