"""The shared stores going away under a running server and coming back: readers go on
getting answers, never an error page; what the database missed is written when it is
back, and rate limits count again when Redis is."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from bot import Engine
from bot.feedback.database import connect, migrate, read_asked, read_votes

from .support.relay import Relay
from .support.server import running_server
from .support.services import own_redis, postgres_database

pytestmark = pytest.mark.server

QUESTIONS = [
    "Wer hat Stability AI verklagt?",
    "Who sued Stability AI?",
    "Was ist Llama 2?",
    "Welche Rolle spielt Meta?",
]


def eventually(condition: Callable[[], bool], timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def ask_and_vote(client: httpx.Client, count: int) -> list[str]:
    """`count` questions, each answered and voted on: the answers' ids."""
    ids = []
    for number in range(count):
        question = f"{QUESTIONS[number % len(QUESTIONS)]} ({number})"
        answer = client.post("/api/ask", json={"question": question})
        assert answer.status_code == 200, answer.text
        assert answer.json()["passages"], question
        given = answer.json()
        vote = {"helpful": True, **{k: given[k] for k in ("question", "status")}}
        vote["answer_id"] = given["id"]
        assert client.post("/api/feedback", json=vote).status_code == 202  # taken, written later
        ids.append(answer.json()["id"])
    return ids


def test_postgresql_going_away_holds_up_no_answer_and_gets_every_record_when_back(
    engine: Engine, shared_index_dir: Path, tmp_path: Path
) -> None:
    with postgres_database() as url, Relay(("127.0.0.1", 5432)) as relay:
        direct = connect(url)
        migrate(direct)  # so the test can read before the server's first write
        through = sa.make_url(url).set(host="127.0.0.1", port=relay.port)
        env = {
            "ESSAYBOT_DATABASE_URL": through.render_as_string(hide_password=False),
            "ESSAYBOT_QUESTION_LOG": "true",
        }
        with (
            running_server(tmp_path, "--index-dir", str(shared_index_dir), env=env) as server,
            httpx.Client(base_url=server.url, timeout=30) as client,
        ):
            before = ask_and_vote(client, 3)
            assert eventually(lambda: len(read_votes(direct)) == 3)

            relay.cut()  # every connection dropped, new ones refused
            away = ask_and_vote(client, 12)
            assert client.get("/").status_code == 200  # the chat's page
            assert client.get("/readyz").status_code == 200
            assert eventually(lambda: "answers go on" in server.output.read_text())
            assert len(read_asked(direct)) == 3  # nothing reached it

            relay.restore()
            expected = sorted(before + away)
            assert eventually(lambda: sorted(v.answer_id for v in read_votes(direct)) == expected)
            assert sorted(a.answer_id for a in read_asked(direct)) == expected
            assert "The database is back" in server.output.read_text()
        direct.dispose()


def test_redis_going_away_lets_questions_through_and_limits_count_again_when_back(
    shared_index_dir: Path, tmp_path: Path
) -> None:
    with own_redis() as redis:
        env = {"ESSAYBOT_REDIS_URL": redis.url, "ESSAYBOT_RATE_LIMIT": "3/minute"}
        with (
            running_server(tmp_path, "--index-dir", str(shared_index_dir), env=env) as server,
            httpx.Client(base_url=server.url, timeout=30) as client,
        ):

            def ask() -> int:
                return client.post("/api/ask", json={"question": QUESTIONS[0]}).status_code

            assert ask() == 200
            redis.stop()
            assert [ask() for _ in range(5)] == [200] * 5  # not counted, not refused
            assert server.output.read_text().count("Rate limits are not counted") == 1
            redis.start()  # empty: it keeps nothing on disk
            assert [ask() for _ in range(4)] == [200, 200, 200, 429]
