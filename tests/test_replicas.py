"""Replicas: several servers answer from one index that a deploy step built once."""

from __future__ import annotations

import secrets
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from bot.answer.ask import ask
from bot.cli import cli

from .support.nginx import nginx_missing, running_nginx
from .support.server import free_port, running_server
from .support.services import postgres_database, unavailable

if TYPE_CHECKING:
    from bot import Engine

pytestmark = pytest.mark.server


@pytest.fixture
def shared_index(engine: Engine, shared_index_dir: Path, tmp_path: Path) -> Path:
    """A copy of the built index for the essay, as a deploy step would leave it."""
    target = tmp_path / "shared-index"
    shutil.copytree(shared_index_dir, target)
    return target


def _snapshot(directory: Path) -> dict[str, tuple[int, int]]:
    return {str(p): (p.stat().st_mtime_ns, p.stat().st_size) for p in directory.rglob("*")}


def test_a_replica_answers_from_a_shared_index_and_writes_nothing_beside_it(
    shared_index: Path, tmp_path: Path
) -> None:
    before = _snapshot(shared_index)
    shared_index.chmod(0o555)
    try:
        with running_server(
            tmp_path, "--index-dir", str(shared_index), env={"ESSAYBOT_BUILD_INDEX": "false"}
        ) as replica:
            answer = httpx.post(
                f"{replica.url}/api/ask",
                json={"question": "Wer hat Stability AI verklagt?"},
                timeout=30,
            ).json()
            assert answer["status"] == "answered"
            assert any("Klage gegen Getty Images" in p["text"] for p in answer["passages"])
    finally:
        shared_index.chmod(0o755)
    assert _snapshot(shared_index) == before


def test_a_replica_refuses_an_index_built_from_other_texts_and_says_what_to_run(
    shared_index: Path, seeds_copy: Path
) -> None:
    essay = next(seeds_copy.glob("*.txt"))
    essay.write_text(essay.read_text(encoding="utf-8") + "\n\nEin neuer Absatz.\n", "utf-8")
    before = _snapshot(shared_index)
    result = CliRunner().invoke(
        cli,
        ["serve", "--port", "0", "--seeds", str(seeds_copy), "--index-dir", str(shared_index)],
        env={"ESSAYBOT_BUILD_INDEX": "false"},
    )
    assert result.exit_code == 1
    assert "does not match the current texts" in result.stderr
    assert "run `essaybot index`" in result.stderr
    assert _snapshot(shared_index) == before


def test_a_replica_refuses_to_start_without_an_index(tmp_path: Path) -> None:
    empty = tmp_path / "no-index"
    result = CliRunner().invoke(
        cli, ["serve", "--port", "0", "--index-dir", str(empty), "--build-index", "false"]
    )
    assert result.exit_code == 1
    assert f"There is no index in {empty}; run `essaybot index`." in result.stderr
    assert not empty.exists()


# Three replicas behind nginx


QUESTIONS = (
    "Wer hat Stability AI verklagt?",
    "Was ist ein Grundlagenmodell?",
    "Was kostet es, ein Grundlagenmodell zu bauen?",
    "Welche Unternehmen nennt der Text?",
    "Was hat Meta mit LLaMA gemacht?",
    "Who sued Stability AI?",
    "What is the biggest obstacle for open-source foundation models?",
    "Wie viel kostet ein Döner in Berlin?",
    "Warum scheiterte Neo-GPT?",
    "Wer entscheidet über KI-Modelle?",
)
TOTAL, CLIENTS = 2000, 32
# Rounds of the questions after the load, once the restarted replica is back in nginx.
ROUNDS = 3


def shape(answer: dict[str, object]) -> tuple[object, ...]:
    """What must agree between replicas and the bot in this process: the status and the
    paragraphs quoted, in order."""
    passages = answer["passages"]
    assert isinstance(passages, list)
    return answer["status"], tuple((p["source"], p["paragraph"]) for p in passages)


def test_three_replicas_behind_nginx_answer_every_question_through_a_kill_and_a_restart(
    engine: Engine, shared_index: Path, tmp_path: Path
) -> None:
    missing = nginx_missing()
    if missing:
        unavailable("nginx", "nginx", FileNotFoundError(missing))
    expected = {q: shape(ask(q, engine).to_json()) for q in QUESTIONS}
    with postgres_database() as database, ExitStack() as stack:
        # One key for all, as docs/deploy.md says: each replica takes votes on the others'
        # answers.
        env = {
            "ESSAYBOT_BUILD_INDEX": "false",
            "ESSAYBOT_DATABASE_URL": database,
            "ESSAYBOT_SECRET_KEY": secrets.token_urlsafe(32),
        }
        args = ("--index-dir", str(shared_index))
        ports = [free_port() for _ in range(3)]
        replicas = [
            stack.enter_context(running_server(tmp_path, *args, env=env, port=port))
            for port in ports
        ]
        proxy = stack.enter_context(running_nginx(tmp_path / "nginx", ports))
        done, lock = [0], threading.Lock()
        results: list[tuple[str, int, dict[str, object]]] = []
        cut: list[str] = []

        def client(number: int) -> None:
            with httpx.Client(base_url=proxy, timeout=60) as http:
                for i in range(number, TOTAL, CLIENTS):
                    question = QUESTIONS[i % len(QUESTIONS)]
                    try:
                        response = http.post("/api/ask", json={"question": question})
                    except (httpx.RemoteProtocolError, httpx.ReadError):
                        # The kill landed after the replica had sent the headers of an
                        # answer and before its body: no proxy can send a question on once
                        # the reader has the start of its answer. The reader asks again.
                        with lock:
                            cut.append(question)
                        response = http.post("/api/ask", json={"question": question})
                    with lock:
                        results.append((question, response.status_code, response.json()))
                        done[0] += 1

        with ThreadPoolExecutor(CLIENTS) as pool:
            clients = [pool.submit(client, n) for n in range(CLIENTS)]

            def until(count: int) -> None:
                while done[0] < count and not all(c.done() for c in clients):
                    time.sleep(0.01)

            until(TOTAL // 4)
            replicas[1].process.kill()  # kill -9, in the middle of answering
            killed_at, killed = done[0], time.monotonic()
            restarted = stack.enter_context(running_server(tmp_path, *args, env=env, port=ports[1]))
            restarted_at = done[0]  # answering again; on a busy machine, after the load
            restart_took = time.monotonic() - killed
            for future in clients:
                future.result()
        assert len(results) == TOTAL
        failed = [(q, status, body) for q, status, body in results if status != 200]
        assert failed == []
        # Only the answers the killed replica was in the middle of sending can be cut.
        assert len(cut) <= CLIENTS
        wrong = [(q, shape(body)) for q, _, body in results if shape(body) != expected[q]]
        assert wrong == []
        assert killed_at < TOTAL  # killed while questions were coming in, and restarted
        # nginx takes the restarted replica back once its fail_timeout (5 s) is over; on a
        # busy machine the load may end first, so a few more rounds show it rejoined.
        time.sleep(6)
        with httpx.Client(base_url=proxy, timeout=60) as http:
            for question in QUESTIONS * ROUNDS:
                again = http.post("/api/ask", json={"question": question})
                assert again.status_code == 200 and shape(again.json()) == expected[question]
        served = httpx.get(f"{restarted.url}/metrics", timeout=10).text
        assert 'essaybot_answers_total{channel="api",status="answered"}' in served
        errors = (tmp_path / "nginx" / "error.log").read_text().splitlines()
        retried = [line for line in errors if "connect() failed" in line or "prematurely" in line]
        assert retried  # nginx did meet the killed replica, and sent its questions on

        # Votes on 300 answers, through every replica, each in PostgreSQL once.
        answers = [body for _, _, body in results[:300]]
        voted = [str(body["id"]) for body in answers]

        def vote(answer: dict[str, object]) -> int:
            body = {"helpful": True, **{k: answer[k] for k in ("question", "status")}}
            body["answer_id"] = answer["id"]
            return httpx.post(f"{proxy}/api/feedback", json=body, timeout=30).status_code

        with ThreadPoolExecutor(16) as pool:
            assert set(pool.map(vote, answers)) == {202}
        store = sa.create_engine(database)
        deadline = time.monotonic() + 20
        with store.connect() as connection:
            while True:
                rows = connection.execute(sa.text("SELECT answer_id FROM feedback")).all()
                if len(rows) >= len(voted) or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            asked = connection.execute(sa.text("SELECT count(*) FROM questions")).scalar_one()
        store.dispose()
        assert sorted(r.answer_id for r in rows) == sorted(voted)
        # A kill -9 loses what the killed replica's journal had not yet written.
        print(
            f"\n{TOTAL} questions from {CLIENTS} clients through nginx: all answered alike; "
            f"replica killed after {killed_at}, back after {restarted_at} "
            f"({restart_took:.0f} s later); nginx met it "
            f"{len(retried)} time(s); {len(voted)} votes kept once each; "
            f"{asked} of {TOTAL + ROUNDS * len(QUESTIONS)} questions kept in the log"
        )
        asked_in_all = TOTAL + ROUNDS * len(QUESTIONS)
        assert asked_in_all - 100 <= asked <= asked_in_all
