"""Replicas: several servers answer from one index that a deploy step built once."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from click.testing import CliRunner

from bot.cli import cli

from .support.server import running_server

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
