"""Alembic's entry: migrations run on the connection the bot hands over (database.py).

On PostgreSQL an advisory lock makes replicas that start together migrate one at a time.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from bot.feedback.schema import metadata

_LOCK = 0x65737361  # "essa": the advisory lock's key, any constant shared by the replicas

connection: sa.Connection = context.config.attributes["connection"]
if connection.dialect.name == "postgresql":
    connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})
context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=context.config.attributes["version_table"],
    # SQLite alters a table by copying it; Alembic does that in batch mode.
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
