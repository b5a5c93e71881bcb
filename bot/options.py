"""Settings as command-line options: each flag reads its help from the settings table and
overrides its `ESSAYBOT_*` variable."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, get_args

import click
from pydantic import ValidationError

from .settings import Settings

__all__ = ["setting_options", "settings_from"]

F = TypeVar("F", bound=Callable[..., Any])


def setting_options(*names: str) -> Callable[[F], F]:
    """Options that override a setting; their help comes from the settings table."""

    def decorate(function: F) -> F:
        for name in reversed(names):
            info = Settings.model_fields[name]
            flag = "--" + name.replace("_", "-")
            kinds = {info.annotation, *get_args(info.annotation)}
            function = click.option(
                flag,
                name,
                default=None,
                type=next((kind for kind in (bool, float, int) if kind in kinds), str),
                help=f"{info.description} [env: ESSAYBOT_{name.upper()}]",
            )(function)
        return function

    return decorate


def _setting_problem(error: Any) -> str:
    """One bad setting, named as the person set it: the variable or the flag, and the value."""
    name = ".".join(str(part) for part in error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    if not name:  # settings that do not go together: the message names them
        return message
    # A secret is not printed back, not even a wrong one.
    value = "(hidden)" if name == "secret_key" else repr(error["input"])
    return f"ESSAYBOT_{name.upper()} / --{name.replace('_', '-')} = {value}: {message}"


def settings_from(**flags: Any) -> Settings:
    """Settings from the environment, overridden by the flags that were given."""
    try:
        return Settings(**{name: value for name, value in flags.items() if value is not None})
    except ValidationError as exc:
        problems = "; ".join(_setting_problem(e) for e in exc.errors())
        raise click.BadParameter(problems) from exc
