"""The second security review's findings (issue 20), each against a real server: the
limits hold for the chat's votes too, a vote names only an answer the bot gave, strangers
cannot grow the metrics, name a host, a user or a root of their own, and what they write
reaches the owner's terminal and spreadsheet as text."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from bot.cli import cli
from bot.feedback.database import connect, migrate, read_votes, write
from bot.feedback.journal import Journal
from bot.feedback.records import Vote
from bot.web.chat import chat_answer_id

from .support.server import PROJECT, Server, free_port, running_server

pytestmark = pytest.mark.server

HOST = "bot.intranet.example"
TOKEN = "s3cret-token-for-the-intranet-42"
LAWSUIT = "Wer hat Stability AI verklagt?"


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory, shared_index_dir: Path) -> Iterator[Server]:
    """The bot under its name, four questions and four votes a minute per client."""
    with running_server(
        tmp_path_factory.mktemp("guarded"),
        *("--index-dir", str(shared_index_dir), "--allowed-hosts", HOST),
        env={"ESSAYBOT_RATE_LIMIT": "4/minute"},
    ) as running:
        yield running


def headers(client: str, **more: str) -> dict[str, str]:
    """As the proxy on this machine (127.0.0.1, trusted) names a reader."""
    return {"Host": HOST, "X-Forwarded-For": client, **more}


def database(bot: Server) -> sa.Engine:
    port = bot.url.rsplit(":", 1)[1]
    engine = connect(f"sqlite:///{bot.output.parent / f'data-{port}' / 'essaybot.sqlite3'}")
    migrate(engine)
    return engine


def votes_on(bot: Server, *answer_ids: str, timeout: float = 15.0) -> list[Vote]:
    """The votes kept on these answers, once the server's writer has put one in."""
    deadline = time.monotonic() + timeout
    while True:
        votes = [v for v in read_votes(database(bot)) if v.answer_id in answer_ids]
        if votes or time.monotonic() > deadline:
            return votes
        time.sleep(0.2)


def fn_index(bot: Server, *, api_name: str = "", trigger: str = "") -> int:
    config = httpx.get(f"{bot.url}/config", headers={"Host": HOST}, timeout=30).json()
    (found,) = [
        d["id"]
        for d in config["dependencies"]
        if (api_name and d["api_name"] == api_name)
        or (trigger and any(event == trigger for _, event in d["targets"]))
    ]
    return int(found)


def ask_in_chat(bot: Server, session: str, question: str, client: str) -> str:
    """A question through the chat's queue, as the page sends it; the reply's Markdown."""
    body = {"data": [question, []], "fn_index": fn_index(bot, api_name="chat")}
    joined = httpx.post(
        f"{bot.url}/gradio_api/queue/join",
        json=body | {"session_hash": session},
        headers=headers(client),
        timeout=30,
    )
    assert joined.status_code == 200, joined.text
    with httpx.stream(
        "GET",
        f"{bot.url}/gradio_api/queue/data",
        params={"session_hash": session},
        headers=headers(client),
        timeout=60,
    ) as events:
        for line in events.iter_lines():
            event = json.loads(line.removeprefix("data: ")) if line.startswith("data: ") else {}
            if event.get("msg") == "process_completed":
                assert event["success"], event
                return str(event["output"]["data"][0])
    raise AssertionError("the chat's event stream ended without an answer")


def thumb(
    bot: Server, session: str, client: str, *, index: int = 1, data: list[Any] | None = None
) -> httpx.Response:
    """A click on the thumb under message `index`, as Gradio's page posts it."""
    body = {
        "data": data if data is not None else [],
        "fn_index": fn_index(bot, trigger="like"),
        "session_hash": session,
        "event_data": {"index": index, "value": "…", "liked": False},
    }
    return httpx.post(
        f"{bot.url}/gradio_api/run/predict", json=body, headers=headers(client), timeout=30
    )


# HIGH: the chat's votes.


def test_chat_votes_count_in_the_votes_limit_and_the_reader_is_told_to_wait(
    guarded: Server,
) -> None:
    client = "10.20.0.1"
    ask_in_chat(guarded, "votes-limit", LAWSUIT, client)
    replies = [thumb(guarded, "votes-limit", client) for _ in range(10)]
    assert {r.status_code for r in replies} == {200}
    told = [r for r in replies if "Zu viele Bewertungen in kurzer Zeit" in r.text]
    assert len(told) == 6  # the limit is four a minute
    # The API's votes count in the same bucket, and questions apart from them.
    api_vote = httpx.post(
        f"{guarded.url}/api/feedback",
        json={"answer_id": "a" * 40, "helpful": True, "question": LAWSUIT, "status": "answered"},
        headers=headers(client),
        timeout=30,
    )
    assert api_vote.status_code == 429
    assert api_vote.json()["error"].startswith("Too many votes in a short time")
    assert "Zu viele" not in ask_in_chat(guarded, "votes-limit-2", "Was kostet das?", client)


def test_a_chat_vote_takes_question_and_status_from_the_answer_the_bot_gave(
    guarded: Server,
) -> None:
    client = "10.20.0.2"
    reply = ask_in_chat(guarded, "forged", LAWSUIT, client)
    assert "status-answered" in reply
    before = database_size(guarded)
    # The conversation as a client may write it: a question of 900 KB, another status.
    forged = [
        {"role": "user", "content": "x" * 900_000},
        {"role": "assistant", "content": '<span class="status status-silent">.</span>'},
    ]
    assert thumb(guarded, "forged", client, data=[forged]).status_code < 500
    assert thumb(guarded, "forged", client).status_code == 200
    # A thumb on an answer this conversation never got, or in a conversation never held.
    assert thumb(guarded, "forged", client, index=3).status_code == 200
    assert thumb(guarded, "never-asked", client).status_code == 200
    asked = chat_answer_id("forged", 1)
    (vote,) = votes_on(guarded, asked)
    assert (vote.question, vote.status, vote.helpful) == (LAWSUIT, "answered", False)
    time.sleep(1.0)  # nothing else comes
    never = (chat_answer_id("forged", 3), chat_answer_id("never-asked", 1))
    assert [v.answer_id for v in read_votes(database(guarded)) if v.answer_id in never] == []
    assert database_size(guarded) - before < 100_000


def database_size(bot: Server) -> int:
    url = database(bot).url
    return Path(str(url.database)).stat().st_size


def test_the_journal_holds_a_bounded_size_while_the_database_is_away() -> None:
    # A database nobody answers on: every record waits.
    journal = Journal(
        f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none?connect_timeout=1",
        max_waiting_bytes=8 * 2**20,
    )
    try:
        for number in range(400):
            journal.voted(
                Vote(f"answer-{number:04d}", datetime.now(UTC), False, "x" * 900_000, "related")
            )
        count, size = journal.waiting
        assert size <= 8 * 2**20
        assert 1 <= count < 10
    finally:
        journal.close(timeout=0.1)


# API votes name answers the bot gave.


def test_a_vote_names_an_answer_the_bot_gave_under_its_question_and_status(
    guarded: Server,
) -> None:
    client = "10.20.0.3"
    answer = httpx.post(
        f"{guarded.url}/api/ask", json={"question": LAWSUIT}, headers=headers(client), timeout=30
    ).json()
    given = {"answer_id": answer["id"], "question": answer["question"], "status": "answered"}

    def vote(**changed: object) -> httpx.Response:
        return httpx.post(
            f"{guarded.url}/api/feedback",
            json={"helpful": False, **given, **changed},
            headers=headers(client),
            timeout=30,
        )

    never_issued = vote(answer_id="0123456789abcdef0123456789abcdef")
    assert never_issued.status_code == 422
    assert "names no answer this bot gave" in never_issued.json()["error"]
    assert vote(question="Wer hat Getty Images verklagt?").status_code == 422
    assert vote(status="silent").status_code == 422
    assert vote().status_code == 202
    (kept,) = votes_on(guarded, answer["id"])
    assert kept.answer_id == answer["id"] and kept.question == LAWSUIT


# MEDIUM 1: made-up methods.


def test_made_up_methods_add_no_series_to_the_metrics(guarded: Server) -> None:
    with httpx.Client(base_url=guarded.url, headers={"Host": HOST}, timeout=30) as client:
        client.get("/healthz")
        before = client.get("/metrics").text
        for number in range(200):
            client.request(f"MADEUP{number}", "/healthz")
        after = client.get("/metrics").text
    assert "MADEUP" not in after
    assert 'method="other"' in after
    assert len(after) < len(before) + 2_000


# MEDIUM 2: a proxy list that trusts everyone.


@pytest.mark.parametrize("proxies", ["*", "0.0.0.0/0", "127.0.0.1,::/0"])
def test_the_user_header_beside_a_proxy_list_that_trusts_everyone_does_not_start(
    proxies: str, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESSAYBOT_")}
    env |= {
        "ESSAYBOT_USER_HEADER": "X-Forwarded-User",
        "ESSAYBOT_TRUSTED_PROXIES": proxies,
        "ESSAYBOT_DATA_DIR": str(tmp_path),
    }
    command = [sys.executable, "-m", "bot", "serve", "--port", str(free_port())]
    run = subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert "trusts every address, so any client could name its own user" in run.stderr


# MEDIUM 3: tokens and a forged Host.


@pytest.fixture(scope="module")
def with_tokens(
    tmp_path_factory: pytest.TempPathFactory, shared_index_dir: Path
) -> Iterator[Server]:
    """Tokens on, bound to loopback, no host named: the loopback names are the bot's."""
    with running_server(
        tmp_path_factory.mktemp("tokens"),
        *("--index-dir", str(shared_index_dir)),
        env={"ESSAYBOT_API_TOKENS": TOKEN},
    ) as running:
        yield running


def test_a_forged_host_and_origin_get_no_answer_without_a_token(with_tokens: Server) -> None:
    forged = {"Host": "bot.example", "Origin": "http://bot.example"}
    refused = httpx.post(
        f"{with_tokens.url}/api/ask", json={"question": LAWSUIT}, headers=forged, timeout=30
    )
    assert refused.status_code == 400
    assert "ESSAYBOT_ALLOWED_HOSTS" in refused.json()["error"]
    # A page that rebinds its own name to the bot's address reads nothing either.
    assert httpx.get(with_tokens.url, headers={"Host": "evil.example"}).status_code == 400
    # The bot's own page, under its own name, asks as before.
    port = with_tokens.url.rsplit(":", 1)[1]
    own = {"Origin": f"http://localhost:{port}", "Host": f"localhost:{port}"}
    assert (
        httpx.post(
            f"{with_tokens.url}/api/ask", json={"question": LAWSUIT}, headers=own, timeout=30
        ).status_code
        == 200
    )


def test_with_tokens_on_the_metrics_take_a_token_and_the_probes_do_not(
    with_tokens: Server,
) -> None:
    assert httpx.get(f"{with_tokens.url}/metrics").status_code == 401
    token = {"Authorization": f"Bearer {TOKEN}"}
    assert httpx.get(f"{with_tokens.url}/metrics", headers=token).status_code == 200
    assert httpx.get(f"{with_tokens.url}/healthz").status_code == 200
    assert httpx.get(f"{with_tokens.url}/readyz").status_code == 200


def test_tokens_on_a_bot_bound_beyond_loopback_need_its_host_names(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESSAYBOT_")}
    env |= {"ESSAYBOT_API_TOKENS": TOKEN, "ESSAYBOT_DATA_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "bot", "serve", "--host", "0.0.0.0", "--port", "1"]
    run = subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert "ESSAYBOT_API_TOKENS needs ESSAYBOT_ALLOWED_HOSTS" in run.stderr


# MEDIUM 4: what strangers write, in the owner's terminal and spreadsheet.


def test_a_vote_with_control_or_bidi_characters_is_refused(guarded: Server) -> None:
    client = "10.20.0.4"
    answer = httpx.post(
        f"{guarded.url}/api/ask", json={"question": LAWSUIT}, headers=headers(client), timeout=30
    ).json()
    for comment in ("\x1b]0;owned\x07", "gut \u202eesab", "\x9b31m"):
        vote = {
            "answer_id": answer["id"],
            "helpful": False,
            "question": answer["question"],
            "status": answer["status"],
            "comment": comment,
        }
        response = httpx.post(
            f"{guarded.url}/api/feedback", json=vote, headers=headers(client), timeout=30
        )
        assert response.status_code == 422, comment
        assert "control or bidi characters" in response.json()["error"]


@pytest.fixture
def written_by_strangers(tmp_path: Path) -> Path:
    """A database holding what older versions let strangers write."""
    data = tmp_path / "data"
    data.mkdir()
    engine = connect(f"sqlite:///{data / 'essaybot.sqlite3'}")
    migrate(engine)
    now = datetime.now(UTC)
    records = [
        Vote("osc-1234", now, False, "Titel\x1b]0;owned\x07?", "related", "\x1b[2J"),
        Vote("bidi-1234", now, False, "Wer \u202eregrub\u202c?", "silent"),
        Vote("formula-1", now, False, '=HYPERLINK("http://evil.example","klick")', "silent"),
        Vote("formula-2", now, False, "@SUM(A1)", "silent", "+1 -2"),
        *(
            Vote(
                f"many-{n:04d}",
                now + timedelta(seconds=n),
                False,
                "Und die Preise?",
                "silent",
                f"Kommentar {n}",
            )
            for n in range(20)
        ),
        Vote("long-1234", now, False, "lang " * 10_000, "silent"),
    ]
    write(engine, records)
    engine.dispose()
    return data


def test_the_report_shows_what_strangers_wrote_as_text_and_caps_each_entry(
    written_by_strangers: Path,
) -> None:
    for extra in ([], ["--json"]):
        printed = CliRunner().invoke(
            cli, ["report", "--data-dir", str(written_by_strangers), *extra]
        )
        assert printed.exit_code == 0, printed.output
        text = printed.output
        for raw in ("\x1b", "\x07", "\u202e", "\u202c"):
            assert raw not in text, (extra, raw)
        assert "\\u001b" in text and "\\u202e" in text
        assert "lang " * 100 not in text
        assert "Kommentar 19" in text and "Kommentar 14" not in text
    assert (
        "(and 15 more comments)"
        in CliRunner().invoke(cli, ["report", "--data-dir", str(written_by_strangers)]).output
    )


def test_the_export_neutralises_formulas_and_escapes_control_characters(
    written_by_strangers: Path,
) -> None:
    exported = CliRunner().invoke(
        cli, ["feedback", "export", "--format", "csv", "--data-dir", str(written_by_strangers)]
    )
    assert exported.exit_code == 0, exported.output
    assert "\x1b" not in exported.output and "\u202e" not in exported.output
    rows = list(csv.DictReader(io.StringIO(exported.output)))
    cells = [cell for row in rows for cell in row.values()]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]
    assert '\'=HYPERLINK("http://evil.example","klick")' in cells
    assert "'@SUM(A1)" in cells and "'+1 -2" in cells


# LOW.


def test_strangers_forwarded_host_does_not_rewrite_the_pages_root(
    tmp_path: Path, shared_index_dir: Path, guarded: Server
) -> None:
    # This machine is no trusted proxy here: its forwarded headers are a stranger's.
    with running_server(
        tmp_path, "--index-dir", str(shared_index_dir), "--trusted-proxies", "10.9.9.9"
    ) as bot:
        page = httpx.get(
            f"{bot.url}/config",
            headers={"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"},
            timeout=30,
        )
        assert page.status_code == 200
        assert "evil.example" not in page.text and "https://" not in page.json()["root"]
    # From a trusted proxy, a forwarded host is held to the host names like Host itself.
    forwarded = httpx.get(
        f"{guarded.url}/config",
        headers={"Host": HOST, "X-Forwarded-Host": "evil.example"},
        timeout=30,
    )
    assert forwarded.status_code == 400


def test_malformed_chat_calls_leave_one_line_each_not_a_trace(guarded: Server) -> None:
    like = fn_index(guarded, trigger="like")
    for body in (
        {"data": [1, 2, 3], "fn_index": like, "session_hash": "m"},
        {"data": [], "fn_index": like, "session_hash": "m", "event_data": {"index": 1}},
        {"data": [], "fn_index": like, "session_hash": "m", "event_data": 5},
    ):
        response = httpx.post(
            f"{guarded.url}/gradio_api/run/predict",
            json=body,
            headers={"Host": HOST},
            timeout=30,
        )
        assert response.status_code == 422, response.text
    stream = httpx.get(
        f"{guarded.url}/gradio_api/queue/data",
        params={"session_hash": "no-such-session"},
        headers={"Host": HOST},
        timeout=30,
    )
    assert stream.status_code == 200
    time.sleep(0.5)
    log = guarded.output.read_text(errors="replace")
    assert "Traceback" not in log
    assert "returned without completing response" not in log
