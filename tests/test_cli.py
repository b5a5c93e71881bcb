"""The essaybot command line, driven through click's runner on the real engine."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import cli

from .conftest import ESSAY

Invoke = Callable[..., Result]


@pytest.fixture
def run(shared_index_dir: Path, engine: object) -> Invoke:
    """Invoke the CLI against the run's shared, already built index."""

    def invoke(*args: str, input: str | None = None) -> Result:
        runner = CliRunner()
        return runner.invoke(
            cli, [*args], input=input, env={"ESSAYBOT_INDEX_DIR": str(shared_index_dir)}
        )

    return invoke


def test_ask_prints_the_quote_with_its_place(run: Invoke) -> None:
    result = run("ask", "Wer hat Stability AI verklagt?")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Das sagt der Text dazu:\n")
    assert f"[{ESSAY.name} ¶8 · Mögliche Hürden]" in result.stdout
    assert "Das Unternehmen muss sich nun mit der Klage gegen Getty Images" in result.stdout


@pytest.mark.parametrize("route", ["argument", "stdin"])
def test_ask_json_is_the_answer_record(run: Invoke, route: str) -> None:
    question = "Wer hat Stability AI verklagt?"
    if route == "argument":
        result = run("ask", question, "--json")
    else:
        result = run("ask", "-", "--json", input=question + "\n")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["question"] == question
    assert data["found"] is True
    assert any(p["paragraph"] == 8 for p in data["passages"])


def test_an_empty_question_is_a_usage_error(run: Invoke) -> None:
    result = run("ask", "  ")
    assert result.exit_code == 2
    assert "The question is empty" in result.stderr


def test_a_model_that_cannot_load_is_an_error_that_says_what_to_do(
    run: Invoke, tmp_path: Path
) -> None:
    result = run("ask", "Frage?", "--model", str(tmp_path / "no-such-model"))
    assert result.exit_code == 1
    assert "Error: The embedding model" in result.stderr
    assert "cannot be loaded" in result.stderr


def test_a_bad_setting_is_a_usage_error(run: Invoke) -> None:
    result = run("ask", "Frage?", "--threshold", "3")
    assert result.exit_code == 2
    assert "threshold" in result.stderr


def test_missing_seeds_say_where_to_put_texts(run: Invoke, tmp_path: Path) -> None:
    result = run("ask", "Frage?", "--seeds", str(tmp_path / "nothing"))
    assert result.exit_code == 1
    assert "No text to answer from" in result.stderr


def test_index_builds_and_reports_the_manifest(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["index", "--index-dir", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    manifest = json.loads(result.stdout)
    assert manifest["passages"] == 8
    assert "Indexed 8 passages" in result.stderr
    assert (tmp_path / "passages.faiss").is_file()
