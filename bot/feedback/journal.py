"""The writer that keeps questions and votes without ever holding up an answer.

A request hands its record over and returns; one thread writes. When the database is away
the records wait (up to a count and a size, the oldest dropped first, drops logged) and
are written when it comes back; a reader never sees an error for it.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import fields, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from types import ModuleType

    import sqlalchemy as sa

    from .records import Asked, Vote

__all__ = ["Journal"]

log = logging.getLogger(__name__)


class Journal:
    """Records waiting for the database, and the thread that writes them."""

    def __init__(
        self,
        url: str,
        *,
        keep_questions: bool = True,
        texts: str = "",
        max_waiting: int = 10_000,
        max_waiting_bytes: int = 32 * 2**20,
        retry: tuple[float, float] = (0.5, 30.0),
    ) -> None:
        self.url = url
        self.keep_questions = keep_questions
        # The texts folder this bot serves, noted on every record it keeps.
        self.texts = texts
        self._waiting: deque[Asked | Vote] = deque()
        self._max_waiting = max_waiting
        # What the waiting records hold, so an outage cannot grow the process past its
        # memory, whatever the records carry.
        self._max_bytes = max_waiting_bytes
        self._bytes = 0
        self._retry = retry
        self._lock = threading.Condition()
        self._writing = 0  # records taken from the queue and not yet committed
        self._closed = False
        self._engine: sa.Engine | None = None
        self._thread = threading.Thread(target=self._run, name="essaybot-journal", daemon=True)
        self._thread.start()

    def asked(self, record: Asked) -> None:
        """Keep a question, unless the question log is turned off."""
        if self.keep_questions:
            self._put(replace(record, texts=record.texts or self.texts))

    def voted(self, record: Vote) -> None:
        self._put(replace(record, texts=record.texts or self.texts))

    @property
    def waiting(self) -> tuple[int, int]:
        """Records waiting for the database, and about how many bytes they hold."""
        with self._lock:
            return len(self._waiting), self._bytes

    def _put(self, record: Asked | Vote) -> None:
        with self._lock:
            if self._closed:
                return
            self._waiting.append(record)
            self._bytes += _size(record)
            dropped = self._drop_oldest()
            if dropped:
                log.warning(
                    "The database has not taken records for a while; %d are waiting (%d KB), "
                    "so the oldest %d are dropped.",
                    len(self._waiting),
                    self._bytes // 1024,
                    dropped,
                )
            self._lock.notify_all()

    def _drop_oldest(self) -> int:
        """Drop the oldest records until the rest fit both bounds; how many were dropped."""
        dropped = 0
        while len(self._waiting) > 1 and (
            len(self._waiting) > self._max_waiting or self._bytes > self._max_bytes
        ):
            self._bytes -= _size(self._waiting.popleft())
            dropped += 1
        return dropped

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every record handed over so far is written; False if that took
        longer than `timeout` (the database is away)."""
        with self._lock:
            return self._lock.wait_for(
                lambda: not self._waiting and not self._writing, timeout=timeout
            )

    def close(self, timeout: float = 5.0) -> None:
        """Write what is waiting (for at most `timeout`) and stop the thread."""
        self.flush(timeout)
        with self._lock:
            self._closed = True
            self._lock.notify_all()
        self._thread.join(timeout)
        if self._engine is not None and not self._thread.is_alive():
            self._engine.dispose()  # a shared server's connections are given back

    def _run(self) -> None:
        database: ModuleType | None = None
        delay, longest = self._retry
        failing = False
        while True:
            with self._lock:
                self._lock.wait_for(lambda: self._waiting or self._closed)
                if self._closed:
                    return
                batch = list(self._waiting)
                self._waiting.clear()
                self._bytes = 0
                self._writing = len(batch)
            try:
                database = database or _database()
                if self._engine is None:
                    engine = database.connect(self.url)
                    database.migrate(engine)
                    self._engine = engine
                database.write(self._engine, batch)
            except _away() as exc:  # the database is away: wait and retry
                with self._lock:
                    self._waiting.extendleft(reversed(batch))
                    self._bytes += sum(_size(record) for record in batch)
                    self._drop_oldest()
                    self._writing = 0
                if not failing:
                    log.warning(
                        "Could not write to the database (%s); answers go on, and %d "
                        "record(s) wait until it is back.",
                        str(exc).splitlines()[0][:200],
                        len(batch),
                    )
                failing = True
                with self._lock:
                    # New records do not cut the wait short: a database that is away is
                    # not asked again on every request, and the wait grows only with time.
                    if self._lock.wait_for(lambda: self._closed, timeout=delay):
                        return
                delay = min(delay * 2, longest)
                continue
            except Exception:
                # Not an outage but records the database refuses: retrying would not help
                # and would hold up every record after them.
                log.exception("The database refused %d record(s); they are dropped.", len(batch))
            if failing:
                log.warning("The database is back; the waiting records are written.")
            failing, delay = False, self._retry[0]
            with self._lock:
                self._writing = 0
                self._lock.notify_all()


def _database() -> ModuleType:
    """The database module, imported by the writer at its first record: SQLAlchemy and
    Alembic are a third of a second that `serve` need not wait for before it is healthy."""
    from . import database

    return database


def _away() -> tuple[type[BaseException], ...]:
    """What a database that is down, restarting or unreachable raises; worth waiting for."""
    import sqlalchemy as sa

    return (sa.exc.OperationalError, sa.exc.InterfaceError, OSError)


def _size(record: Asked | Vote) -> int:
    """About what a record holds in memory: its text, and a little for the rest."""
    values = (getattr(record, field.name) for field in fields(record))
    return 200 + sum(len(value) for value in values if isinstance(value, str))
