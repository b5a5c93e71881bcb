"""The real server on a loopback port: the API, the chat through gradio_client, no calls home."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
from click.testing import CliRunner
from gradio_client import Client

from bot.cli import cli

from .support.server import Server


def test_post_api_ask_quotes_the_lawsuit_paragraph(bot: Server) -> None:
    response = httpx.post(
        f"{bot.url}/api/ask", json={"question": "Wer hat Stability AI verklagt?"}, timeout=30
    )
    assert response.status_code == 200
    body = response.json()
    assert body["found"] is True
    assert any("Klage gegen Getty Images" in p["text"] for p in body["passages"])


def test_healthz_names_the_model_not_where_it_lies(bot: Server) -> None:
    body = httpx.get(f"{bot.url}/healthz").json()
    index = body.pop("index")
    assert body == {"status": "ok", "model": "multilingual-e5-small", "passages": 8, "skipped": []}
    assert set(index) == {"build", "built_at"} and index["build"].startswith("build-")
    assert "/" not in index["build"]


def test_the_chat_answers_through_gradio_client(bot: Server) -> None:
    client = Client(bot.url + "/", verbose=False)
    markdown = client.predict(message="Wer hat Stability AI verklagt?", api_name="/chat")
    assert "Das Unternehmen muss sich nun mit der Klage gegen Getty Images" in markdown
    assert "Absatz 8 · Mögliche Hürden" in markdown
    refusal = client.predict(message="Wie backe ich einen Apfelkuchen?", api_name="/chat")
    assert refusal.endswith("Keine Antwort</span> Dazu sagt der Text nichts.")


def test_the_chat_tells_a_rejected_question_instead_of_failing(bot: Server) -> None:
    client = Client(bot.url + "/", verbose=False)
    reply = client.predict(message="x" * 2000, api_name="/chat")
    assert "erlaubt sind 1000" in reply  # no words to tell the language: the essay's, German


def test_the_page_serves_the_full_text_with_numbered_paragraphs(bot: Server) -> None:
    page = httpx.get(f"{bot.url}/config").text
    assert 'id=\\"open-source-grundlagenmodelle-p8\\"' in page


def test_intranet_defaults_keep_gradio_internals_closed(bot: Server) -> None:
    assert httpx.get(f"{bot.url}/monitoring/summary").status_code in (403, 404)
    assert httpx.get(f"{bot.url}/gradio_api/runs").status_code == 404


def test_the_server_made_no_connection_off_this_machine(bot: Server) -> None:
    # Runs after the other tests of this module: start-up, API, chat and page loads.
    httpx.get(f"{bot.url}/")
    assert bot.outside_connections() == []


def test_the_network_guard_catches_an_outside_call(tmp_path: Path) -> None:
    """The check above can fail: the same guard records a library's call home."""
    import os
    import subprocess
    import sys

    from .support.server import PROJECT

    log = tmp_path / "netguard.log"
    env = dict(
        os.environ,
        NETGUARD_LOG=str(log),
        PYTHONPATH=os.pathsep.join([str(PROJECT / "tests/support/netguard"), str(PROJECT)]),
    )
    code = (
        "import httpx\ntry: httpx.get('https://api.gradio.app/pkg-version')\nexcept Exception: pass"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    assert log.read_text().splitlines() == ["lookup api.gradio.app"]


def test_the_server_says_at_start_that_it_runs_without_a_word_list(bot: Server) -> None:
    started = bot.output.read_text(encoding="utf-8")
    assert "No German-English word list" in started
    assert "ESSAYBOT_DICTIONARY=/usr/share/trans/de-en" in started


def test_a_port_in_use_is_refused_at_once_with_what_to_do(bot: Server) -> None:
    port = int(bot.url.rsplit(":", 1)[1])
    result = CliRunner().invoke(cli, ["serve", "--port", str(port)])
    assert result.exit_code == 1
    assert f"Cannot serve on 127.0.0.1:{port}" in result.stderr
    assert "--port / ESSAYBOT_PORT" in result.stderr


def test_the_command_line_can_ask_a_running_server(bot: Server) -> None:
    question = "Wer hat Stable Diffusion als Open Source veröffentlicht?"
    runner = CliRunner()
    remote = runner.invoke(cli, ["ask", "--server", bot.url, question, "--json"])
    assert remote.exit_code == 0, remote.output
    direct = httpx.post(f"{bot.url}/api/ask", json={"question": question}, timeout=30).json()
    # The same answer; each asking is its own, with its own id to vote on.
    remote_answer = json.loads(remote.stdout)
    assert remote_answer.pop("id") != direct.pop("id")
    assert remote_answer == direct
    printed = runner.invoke(cli, ["ask", "--server", bot.url + "/", question])
    assert printed.exit_code == 0 and "¶6" in printed.stdout
    rejected = runner.invoke(cli, ["ask", "--server", bot.url, "Warum ist das so?"])
    assert rejected.exit_code == 2
    assert "Die Frage sagt nicht, worum es geht" in rejected.stderr


def test_asking_a_server_from_the_command_line_loads_no_model_index_or_web_stack(
    bot: Server,
) -> None:
    """`ask --server` is a client: it starts in a fraction of a second because it imports
    none of what answers (the model's runtimes, numpy, FAISS, Gradio, the database)."""
    heavy = ("numpy", "onnxruntime", "torch", "faiss", "gradio", "sqlalchemy", "tokenizers")
    script = (
        "import sys; from bot.cli import cli\n"
        "try:\n"
        f"    cli(['ask', '--server', {bot.url!r}, 'Wer hat Stable Diffusion veröffentlicht?'])\n"
        "except SystemExit as done:\n"
        "    assert done.code == 0, done.code\n"
        f"print('loaded:', sorted(m for m in {heavy!r} if m in sys.modules))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert "¶6" in run.stdout
    assert run.stdout.rstrip().endswith("loaded: []"), run.stdout[-300:]


def test_the_command_line_says_when_no_server_answers(tmp_path: Path) -> None:
    from .support.server import free_port

    url = f"http://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(cli, ["ask", "--server", url, "Was ist das?"])
    assert result.exit_code == 1
    assert f"No essaybot server answers at {url}" in result.stderr
    assert "essaybot serve" in result.stderr
