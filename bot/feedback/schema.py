"""The tables, as SQLAlchemy Core; `migrations/` creates and changes them, and a test holds
the two to the same shape."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Integer, MetaData, String, Table, Text

__all__ = ["feedback", "metadata", "questions"]

metadata = MetaData()

questions = Table(
    "questions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("answer_id", String(64), nullable=False, unique=True),
    Column("asked_at", DateTime(timezone=True), nullable=False, index=True),
    Column("question", Text, nullable=False),
    Column("language", String(8), nullable=False),
    Column("status", String(16), nullable=False),
    Column("quoted", Text, nullable=False, server_default=""),
    Column("texts", Text, nullable=False, server_default=""),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("answer_id", String(64), nullable=False, unique=True),
    Column("given_at", DateTime(timezone=True), nullable=False, index=True),
    Column("helpful", Boolean, nullable=False),
    Column("question", Text, nullable=False),
    Column("status", String(16), nullable=True),
    Column("comment", Text, nullable=False, server_default=""),
    Column("texts", Text, nullable=False, server_default=""),
)
