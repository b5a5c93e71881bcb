"""Each question and vote names the texts folder its bot served.

Two bots sharing a database (or a checkout's default one) kept their readers' questions
together, and the report counted both as one. Records kept before this revision keep an
empty folder: which bot took them is not known.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_TABLES = ("questions", "feedback")


def upgrade() -> None:
    for table in _TABLES:
        # batch: SQLite adds a column in place, and drops one only by copying the table.
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("texts", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("texts")
