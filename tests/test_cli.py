"""The essaybot command line, driven through click's runner on the real engine."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot import Settings
from bot.cli import cli
from bot.feedback.answer_ids import AnswerIds, deployment_key
from bot.store.storage import live_build

from .conftest import ESSAY, FreshCache

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
    # The API's JSON, its id too: a vote with it counts at this deployment's server.
    key = deployment_key("", Settings().data_dir)
    assert AnswerIds(key).vouches(data["id"], question, data["status"])


def test_stdin_that_is_not_utf8_is_a_usage_error(run: Invoke) -> None:
    result = run("ask", "-", input=b"Wer hat \xff\xfe verklagt?")
    assert result.exit_code == 2
    assert "not UTF-8" in result.stderr


def test_an_empty_question_is_a_usage_error_in_the_shells_language(
    run: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    result = run("ask", "  ")
    assert result.exit_code == 2
    assert "The question is empty" in result.stderr
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    assert "Die Frage ist leer" in run("ask", "  ").stderr


@pytest.mark.parametrize(
    ("question", "told"),
    [
        ("Warum ist das so?", "Die Frage sagt nicht, worum es geht"),
        ("Why is that so?", "The question does not say what it is about"),
    ],
)
def test_a_rejected_question_is_told_in_its_own_language(
    run: Invoke, monkeypatch: pytest.MonkeyPatch, question: str, told: str
) -> None:
    monkeypatch.setenv("LANG", "C.UTF-8")
    result = run("ask", question)
    assert result.exit_code == 2
    assert told in result.stderr


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


@pytest.mark.parametrize("where", ["a-file", "a-file/below"])
def test_an_index_dir_that_cannot_be_written_says_what_to_do(
    engine: object, tmp_path: Path, where: str
) -> None:
    (tmp_path / "a-file").write_text("not a directory")
    for command in (["ask", "Wer hat Stability AI verklagt?"], ["index"]):
        result = CliRunner().invoke(cli, [*command, "--index-dir", str(tmp_path / where)])
        assert result.exit_code == 1, result.output
        assert "cannot be written" in result.stderr
        assert "ESSAYBOT_INDEX_DIR" in result.stderr
        assert "Traceback" not in result.output


def test_a_model_cache_that_cannot_be_written_says_what_to_do(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    result = CliRunner().invoke(cli, ["models", "build", "--model-cache", str(blocked)])
    assert result.exit_code == 1, result.output
    assert "ESSAYBOT_MODEL_CACHE" in result.stderr


def test_index_builds_and_reports_the_manifest(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["index", "--index-dir", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    manifest = json.loads(result.stdout)
    assert manifest["passages"] == 8
    assert "Indexed 8 passages" in result.stderr
    assert (live_build(tmp_path) or tmp_path).joinpath("passages.faiss").is_file()


def test_eval_prints_both_halves_for_the_bot_and_its_baselines(tmp_path: Path) -> None:
    cases = tmp_path / "set.jsonl"
    lines = [
        {
            "id": "a",
            "split": "tune",
            "kind": "direct",
            "language": "de",
            "question": "Wer hat Stability AI verklagt?",
            "history": [],
            "answers": [8],
        },
        {
            "id": "b",
            "split": "tune",
            "kind": "out_of_scope",
            "language": "de",
            "question": "Wie backe ich einen Apfelkuchen?",
            "history": [],
            "answers": [],
        },
        {
            "id": "c",
            "split": "heldout",
            "kind": "direct",
            "language": "de",
            "question": "Was ist das größte Hindernis?",
            "history": [],
            "answers": [7],
            "marks": ["Das größte Hindernis"],
        },
        {
            "id": "d",
            "split": "heldout",
            "kind": "out_of_scope",
            "language": "en",
            "question": "What is the capital of France?",
            "history": [],
            "answers": [],
        },
    ]
    cases.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    index_dir = tmp_path / "index"
    result = CliRunner().invoke(cli, ["eval", "--set", str(cases), "--index-dir", str(index_dir)])
    assert result.exit_code == 0, result.output
    for system in ("the bot", "passage vectors only", "BM25"):
        assert system in result.stdout
    assert result.stdout.count(" tune ") == 3 and result.stdout.count(" heldout ") == 3
    assert live_build(index_dir / "eval" / "set") is not None  # kept for the next run
    rows = result.stdout.splitlines()
    held_out = next(row for row in rows if "the bot" in row and " heldout " in row)
    marked, share = held_out.split()[-2:]
    assert marked == "1.00"  # its one marked case has the answer marked
    assert 0 < float(share) < 1  # with some of its paragraph's sentences, not all
    only_vectors = next(row for row in rows if "passage vectors only" in row)
    assert only_vectors.split()[-2:] == ["nan", "nan"]  # marks do not depend on ranking


def test_eval_refuses_a_broken_question_set(tmp_path: Path) -> None:
    broken = tmp_path / "set.jsonl"
    broken.write_text('{"id": "a"}\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["eval", "--set", str(broken)])
    assert result.exit_code == 1
    assert "is not a valid question set" in result.stderr


def test_eval_names_the_sets_it_knows_when_given_another() -> None:
    result = CliRunner().invoke(cli, ["eval", "--set", "no-such-set"])
    assert result.exit_code == 2
    assert "essay, developers-reference, handbook, maint-guide" in result.stderr


def test_models_list_names_the_default_and_both_models() -> None:
    result = CliRunner().invoke(cli, ["models", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert set(rows) == {"multilingual-e5-small", "all-MiniLM-L6-v2"}
    assert rows["multilingual-e5-small"]["default"] is True


def test_models_are_rebuilt_into_the_cache_the_setting_names(fresh_cache: FreshCache) -> None:
    cache = fresh_cache.path
    assert not fresh_cache.ready_before
    built = fresh_cache.build
    assert built.exit_code == 0, built.output
    model_dir, export = (Path(line) for line in built.stdout.splitlines())
    assert model_dir.parent == cache
    # The ONNX Runtime export lies in the same cache, made once.
    assert export.is_file() and export.is_relative_to(cache / "onnx")
    listed = CliRunner().invoke(cli, ["models", "list", "--json", "--model-cache", str(cache)])
    rows = {row["name"]: row for row in json.loads(listed.stdout)}
    assert rows["multilingual-e5-small"]["ready"]


def test_seeds_with_only_headings_say_there_is_nothing_to_quote(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "leer.txt").write_text("Hallo Welt\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["ask", "Frage?", "--seeds", str(seeds), "--index-dir", str(tmp_path / "i")]
    )
    assert result.exit_code == 1
    assert "only headings, no paragraph to quote" in result.stderr
