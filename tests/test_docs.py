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


def _make_targets() -> dict[str, str]:
    """Each Makefile target's prerequisites and recipe, by its name."""
    makefile = (PROJECT / "Makefile").read_text(encoding="utf-8")
    found = re.finditer(r"^([\w-]+):([^=\n]*)\n((?:\t.*\n|[ \t]+.*\n)*)", makefile, re.MULTILINE)
    return {m[1]: m[2] + "\n" + m[3] for m in found}


def test_the_readme_names_every_debian_package_make_test_installs() -> None:
    targets = _make_targets()
    prerequisites = targets["test"].split("\n")[0].split()
    packages = {
        package
        for target in prerequisites
        for recipe in [targets.get(target, "")]
        for listed in re.findall(r"apt-get install -y -qq ([\w .+-]+?) >/dev/null", recipe)
        for package in listed.split()
    }
    assert {"chromium", "nginx-light", "systemd", "pandoc", "qpdf"} <= packages
    development = README[README.index("## Development") :]
    missing = {p for p in packages if f"`{p}`" not in development}
    assert missing == set(), f"make test installs {missing}; README, Development, must say so"


def test_the_readme_says_which_python_and_what_else_to_do() -> None:
    pyproject = (PROJECT / "pyproject.toml").read_text(encoding="utf-8")
    (requires,) = re.findall(r'^requires-python = "([^"]+)"', pyproject, re.MULTILINE)
    assert f'`requires-python = "{requires}"`' in README
    (default,) = re.findall(r"^PYTHON \?= (\S+)", _makefile(), re.MULTILINE)
    assert f"`PYTHON ?= {default}`" in README and "PYTHON=" in README
    assert "Debian 13" in README


def _makefile() -> str:
    return (PROJECT / "Makefile").read_text(encoding="utf-8")
