"""Settings come from ESSAYBOT_* variables or flags; a wrong one is refused, not guessed."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from bot.cli import cli
from bot.settings import Settings

from .conftest import PROJECT


@pytest.mark.parametrize(
    ("value", "origins"),
    [
        ("*", ("*",)),
        ("https://intranet.example", ("https://intranet.example",)),
        (
            " https://a.example , http://b.example:8080 ",
            ("https://a.example", "http://b.example:8080"),
        ),
    ],
)
def test_allowed_origins_are_a_list_of_origins(value: str, origins: tuple[str, ...]) -> None:
    assert Settings(allowed_origins=value).origins == origins


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "no origin given"),
        ("  ,  ", "no origin given"),
        ("https://*.example", "wildcards inside an origin are not supported"),
        ("https://intranet.example/", "no path"),
        ("intranet.example", "no path"),
        ("https://a.example;b", "no path"),
    ],
)
def test_origins_that_would_not_do_what_was_meant_are_refused(value: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(allowed_origins=value)


@pytest.mark.parametrize(("value", "root"), [("", ""), ("/bot", "/bot"), ("/a/b.c/", "/a/b.c")])
def test_a_root_path_is_a_plain_path(value: str, root: str) -> None:
    assert Settings(root_path=value).root_path == root


@pytest.mark.parametrize("value", ["bot", "//evil.example", "/bot?x=1", "/b ot"])
def test_a_root_path_that_is_not_a_plain_path_is_refused(value: str) -> None:
    with pytest.raises(ValidationError, match="root path"):
        Settings(root_path=value)


@pytest.mark.parametrize("value", ["60/minute", "10/second;600/hour", " 5 per minute ", ""])
def test_a_rate_limit_is_counts_per_period(value: str) -> None:
    assert Settings(rate_limit=value).rate_limit == value.strip()


@pytest.mark.parametrize("value", ["60", "fast", "60/fortnight"])
def test_a_rate_limit_that_cannot_be_read_says_how_to_write_one(value: str) -> None:
    with pytest.raises(ValidationError, match="count/period"):
        Settings(rate_limit=value)


def test_a_redis_url_names_redis() -> None:
    assert Settings(redis_url=" redis://cache:6379/0 ").redis_url == "redis://cache:6379/0"
    with pytest.raises(ValidationError, match="redis://"):
        Settings(redis_url="http://cache:6379")


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_a_threshold_must_be_a_finite_number(value: str) -> None:
    with pytest.raises(ValidationError, match="finite number"):
        Settings(threshold=value)


def test_a_bad_variable_is_named_with_its_value() -> None:
    result = CliRunner().invoke(cli, ["ask", "Frage?"], env={"ESSAYBOT_PORT": "abc"})
    assert result.exit_code == 2
    assert "ESSAYBOT_PORT / --port = 'abc'" in result.stderr


def test_a_bad_flag_is_named_with_its_value() -> None:
    result = CliRunner().invoke(cli, ["ask", "Frage?", "--margin", "-1"])
    assert result.exit_code == 2
    assert "ESSAYBOT_MARGIN / --margin = -1.0" in result.stderr


@pytest.mark.parametrize(("value", "cache"), [("", None), ("  ", None), ("~/m", "~/m")])
def test_an_empty_model_cache_means_the_default_and_a_tilde_is_home(
    value: str, cache: str | None
) -> None:
    expected = Path(cache).expanduser() if cache else None
    assert Settings(model_cache=value).model_cache == expected


def test_each_texts_folder_has_an_index_of_its_own_by_default(tmp_path: Path) -> None:
    # Two bots with other texts in one checkout rebuilt each other's index back and forth.
    holidays, canteen = tmp_path / "holidays" / "texts", tmp_path / "canteen" / "texts"
    first, second = Settings(seeds=holidays).index_dir, Settings(seeds=canteen).index_dir
    assert first != second and first.parent == second.parent == PROJECT / "index"
    assert first.name.startswith("texts-")  # found by eye, told apart by the hash
    assert Settings(seeds=holidays / ".." / "texts").index_dir == first  # the same folder
    assert Settings(seeds=holidays, index_dir=tmp_path / "mine").index_dir == tmp_path / "mine"
