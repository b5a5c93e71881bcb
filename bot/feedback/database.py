"""The database at the edge: open it, bring its schema up to date, write and read records.

SQLite in the data directory by default (one process); any SQLAlchemy URL otherwise, such
as PostgreSQL that several replicas share. The schema is versioned by Alembic and brought
to the newest version whenever the bot opens the database.
"""

from __future__ import annotations

import threading
from dataclasses import asdict
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.dialects import postgresql, sqlite

from .records import Asked, Status, Vote
from .schema import feedback, questions

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "connect",
    "migrate",
    "read_asked",
    "read_votes",
    "rollback",
    "texts_asked",
    "write",
]

# Alembic's bookkeeping under the bot's own name, so it sits quietly in a shared database.
VERSION_TABLE = "essaybot_schema_version"

# The dialects with INSERT ... ON CONFLICT; others check first, then write.
_UPSERTS: dict[str, Any] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}

# Alembic runs a migration through module-level proxies (`alembic.context`, `alembic.op`):
# two threads migrating at once replace each other's and fail. Processes (replicas) take
# turns by the database's own lock (migrations/env.py); threads of one process by this one.
_MIGRATING = threading.Lock()


def connect(url: str) -> sa.Engine:
    """An engine for `url`; a SQLite file's directory is created, and SQLite waits for a
    lock (another process writing) instead of failing at once."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        return sa.create_engine(url, connect_args={"timeout": 10})
    # pool_pre_ping: a server that restarted is reconnected to, not failed on.
    return sa.create_engine(url, pool_pre_ping=True)


def _alembic(connection: sa.Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(files("bot.feedback") / "migrations"))
    config.attributes["connection"] = connection
    config.attributes["version_table"] = VERSION_TABLE
    return config


def migrate(engine: sa.Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (the newest by default); run at every start, it does
    nothing when the schema is current."""
    with _MIGRATING, engine.begin() as connection:
        command.upgrade(_alembic(connection), revision)


def rollback(engine: sa.Engine, revision: str) -> None:
    """Take the schema back to `revision` ("base": no tables), for a downgrade of the bot."""
    with _MIGRATING, engine.begin() as connection:
        command.downgrade(_alembic(connection), revision)


def write(engine: sa.Engine, records: Iterable[Asked | Vote]) -> None:
    """Write records in one transaction. A vote replaces an earlier vote on the same
    answer; a question already kept (a retry after an outage) is kept once.

    On PostgreSQL and SQLite each is one statement that the database makes atomic, so two
    replicas taking votes on one answer at once cannot both insert it.
    """
    upsert = _UPSERTS.get(engine.dialect.name)
    with engine.begin() as connection:
        for record in records:
            row = asdict(record)
            table = questions if isinstance(record, Asked) else feedback
            if upsert is not None:
                insert = upsert(table).values(row)
                statement = (
                    insert.on_conflict_do_update(index_elements=["answer_id"], set_=row)
                    if isinstance(record, Vote)
                    else insert.on_conflict_do_nothing(index_elements=["answer_id"])
                )
                connection.execute(statement)
                continue
            key = table.c.answer_id == record.answer_id
            if isinstance(record, Vote):
                if connection.execute(sa.update(table).where(key).values(row)).rowcount:
                    continue
            elif connection.execute(sa.select(table.c.id).where(key)).first():
                continue
            connection.execute(sa.insert(table).values(row))


def _utc(moment: datetime) -> datetime:
    # SQLite gives back what it was given without the zone (every time written is UTC);
    # PostgreSQL gives it in the session's zone.
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _since(column: Any, since: datetime | None) -> Any:
    return sa.true() if since is None else column >= since


def _of(column: Any, texts: str | None) -> Any:
    """The records of one texts folder, and those kept before records named theirs."""
    return sa.true() if texts is None else column.in_((texts, ""))


def read_asked(
    engine: sa.Engine, since: datetime | None = None, texts: str | None = None
) -> list[Asked]:
    """Questions asked since `since`, about the texts in `texts` (every folder's: None)."""
    query = sa.select(questions).where(
        _since(questions.c.asked_at, since), _of(questions.c.texts, texts)
    )
    with engine.connect() as connection:
        rows = connection.execute(query.order_by(questions.c.asked_at)).mappings().all()
    return [
        Asked(
            answer_id=row["answer_id"],
            asked_at=_utc(row["asked_at"]),
            question=row["question"],
            language=row["language"],
            status=cast("Status", row["status"]),
            quoted=row["quoted"],
            texts=row["texts"],
        )
        for row in rows
    ]


def read_votes(
    engine: sa.Engine, since: datetime | None = None, texts: str | None = None
) -> list[Vote]:
    query = sa.select(feedback).where(
        _since(feedback.c.given_at, since), _of(feedback.c.texts, texts)
    )
    with engine.connect() as connection:
        rows = connection.execute(query.order_by(feedback.c.given_at)).mappings().all()
    return [
        Vote(
            answer_id=row["answer_id"],
            given_at=_utc(row["given_at"]),
            helpful=bool(row["helpful"]),
            question=row["question"],
            status=cast("Status | None", row["status"]),
            comment=row["comment"],
            texts=row["texts"],
        )
        for row in rows
    ]


def texts_asked(engine: sa.Engine, since: datetime | None = None) -> dict[str, int]:
    """How many questions were kept for each texts folder ("" for records before 0002)."""
    query = (
        sa.select(questions.c.texts, sa.func.count())
        .where(_since(questions.c.asked_at, since))
        .group_by(questions.c.texts)
    )
    with engine.connect() as connection:
        return {texts: count for texts, count in connection.execute(query)}
