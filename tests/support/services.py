"""The machine's PostgreSQL and Redis, for the tests that need a shared store.

Their addresses come from `ESSAYBOT_TEST_POSTGRES_URL` and `ESSAYBOT_TEST_REDIS_URL`,
defaulting to this machine's services. Where one is not reachable (a laptop without
it), its tests skip and say why; under CI (`CI=true`) that is a failure instead, so CI
always runs them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

POSTGRES = os.environ.get(
    "ESSAYBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS = os.environ.get("ESSAYBOT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def unavailable(service: str, url: str, problem: Exception) -> None:
    """Skip with the reason, or fail under CI, where every service must be there."""
    reason = f"{service} is not reachable at {url} ({type(problem).__name__}: {problem})"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI runs these tests against it")
    pytest.skip(reason)


@contextmanager
def postgres_database() -> Iterator[str]:
    """A database of its own on the PostgreSQL server, dropped afterwards: its URL."""
    import psycopg
    import sqlalchemy as sa

    admin = sa.make_url(POSTGRES)
    name = f"essaybot_test_{uuid.uuid4().hex[:12]}"
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        connection = psycopg.connect(conninfo, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        unavailable("PostgreSQL", POSTGRES, exc)
    with connection:
        connection.execute(f'CREATE DATABASE "{name}"')
        try:
            yield admin.set(database=name).render_as_string(hide_password=False)
        finally:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def redis_namespace() -> Iterator[tuple[str, str]]:
    """The Redis URL and a key prefix of its own, whose keys are deleted afterwards."""
    import redis

    prefix = f"essaybot-test-{uuid.uuid4().hex[:12]}"
    client = redis.Redis.from_url(REDIS, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        unavailable("Redis", REDIS, exc)
    try:
        yield REDIS, prefix
    finally:
        for key in client.scan_iter(f"*{prefix}*"):
            client.delete(key)
        client.close()
