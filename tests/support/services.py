"""The machine's PostgreSQL and Redis, for the tests that need a shared store.

Their addresses come from `ESSAYBOT_TEST_POSTGRES_URL` and `ESSAYBOT_TEST_REDIS_URL`,
defaulting to this machine's services. Where one is not reachable (a laptop without
it), its tests skip and say why; under CI (`CI=true`) that is a failure instead, so CI
always runs them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

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


def redis_url() -> str:
    """The machine's Redis, checked to answer."""
    import redis

    client = redis.Redis.from_url(REDIS, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        unavailable("Redis", REDIS, exc)
    finally:
        client.close()
    return REDIS


def forget_client(url: str, client: str) -> None:
    """Delete the rate-limit counts Redis keeps for `client` (a test's own address)."""
    import redis

    with redis.Redis.from_url(url) as connection:
        for key in connection.scan_iter(f"*{client}*"):
            connection.delete(key)


@dataclass
class OwnRedis:
    """A redis-server of the test's own, on a free loopback port, to stop and start."""

    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise TimeoutError(f"redis-server did not listen on {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@contextmanager
def own_redis() -> Iterator[OwnRedis]:
    if shutil.which("redis-server") is None:
        unavailable("Redis", "redis-server", FileNotFoundError("redis-server is not installed"))
    from .server import free_port

    server = OwnRedis(free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()
