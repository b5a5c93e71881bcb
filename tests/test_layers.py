"""The data flows one way: files -> texts -> passages -> vectors -> index -> search ->
answer -> web. A module imports only from its own stage or the stages below it, so the
store keeps what was built without calling search, and a format reader knows nothing of
the index."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"

# Each stage, and the stages it may import from (besides itself and the shared leaves:
# errors, _types, settings, _offline).
BELOW: dict[str, set[str]] = {
    "languages": set(),
    "ingest": {"languages"},
    "embed": set(),
    "store": {"ingest", "languages"},
    "search": {"store", "ingest", "languages", "embed"},
    "pipeline": {"search", "store", "ingest", "languages", "embed"},
    "engine": {"pipeline", "search", "store", "ingest", "languages", "embed"},
    # `ask(question, engine)`: the loaded engine is what every door hands the answer.
    "answer": {"engine", "pipeline", "search", "store", "ingest", "languages", "embed"},
}
LEAVES = {"errors", "_types", "settings", "_offline"}


def stage_of(path: Path) -> str:
    return path.relative_to(BOT).parts[0].removesuffix(".py")


def imported_stages(path: Path, source: str | None = None) -> set[str]:
    """The stages of bot/ the module at `path` imports, type-only imports included."""
    tree = ast.parse(path.read_text(encoding="utf-8") if source is None else source)
    package = path.relative_to(BOT.parent).with_suffix("").parts[:-1]
    stages = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - node.level + 1]
            target = (*base, *(node.module or "").split("."))
            names = [target] if node.module else [(*base, a.name) for a in node.names]
            stages |= {t[1] for t in names if len(t) > 1 and t[0] == "bot"}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bot."):
            stages.add(node.module.split(".")[1])  # type: ignore[union-attr]
    return stages - LEAVES


@pytest.mark.parametrize(
    "path",
    [p for p in sorted(BOT.rglob("*.py")) if stage_of(p) in BELOW],
    ids=lambda p: str(p.relative_to(BOT)),
)
def test_a_module_imports_only_its_own_stage_and_those_below(path: Path) -> None:
    stage = stage_of(path)
    upward = imported_stages(path) - BELOW[stage] - {stage}
    assert not upward, f"bot/{path.relative_to(BOT)} imports from {sorted(upward)}"


def test_the_check_sees_an_upward_import() -> None:
    """A store module that calls search is caught (the circle this layout removed), in
    each way an import can be written."""
    module = BOT / "store" / "index.py"
    for source in (
        "from ..search.refusal import ceilings\n",
        "from ..search import refusal\n",
        "from bot.search.refusal import ceilings\n",
        "if TYPE_CHECKING:\n    from ..search.scoring import Weights\n",
    ):
        assert imported_stages(module, source) == {"search"}, source
