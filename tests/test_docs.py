"""Promises the docs make are kept: every setting documented, the public surface complete."""

from __future__ import annotations

import re

import bot
from bot.cli import cli
from bot.settings import Settings

from .conftest import PROJECT

README = (PROJECT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme_with_its_flag() -> None:
    for name in Settings.model_fields:
        flag = "--" + name.replace("_", "-")
        assert re.search(rf"\| `ESSAYBOT_{name.upper()}` \| `{flag}` \|", README), name


def test_every_setting_is_a_flag_of_serve() -> None:
    serve = cli.commands["serve"]
    flags = {opt for param in serve.params for opt in getattr(param, "opts", [])}
    assert {"--" + n.replace("_", "-") for n in Settings.model_fields} <= flags


def test_the_readme_gives_the_two_commands() -> None:
    assert "make serve" in README and "make test" in README


def test_all_is_sorted_and_complete() -> None:
    assert bot.__all__ == sorted(bot.__all__)
    public = {name for name in dir(bot) if not name.startswith("_")}
    exported_classes = {n for n in public if isinstance(getattr(bot, n), type)}
    assert exported_classes <= set(bot.__all__)
