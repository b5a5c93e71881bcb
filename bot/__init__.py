"""essaybot: ask a text, get its own words back, quoted with where they stand.

The names below are loaded on first use (PEP 562): `essaybot ask --server` and
`essaybot --help` import the package, and should not pay for the search, the index and
the model they never touch.
"""

from __future__ import annotations

import importlib
import typing

from ._offline import keep_offline

keep_offline()  # before anything imports huggingface_hub or gradio

if typing.TYPE_CHECKING:
    from .answer.ask import Answer, Quote, ask
    from .engine import Engine, load_engine
    from .errors import (
        EssaybotError,
        IndexCorrupt,
        IndexMissing,
        IndexStale,
        ModelUnavailable,
        QuestionRejected,
        SeedsClash,
        SeedsMissing,
    )
    from .settings import Settings

# Each public name and the module that holds it.
_HOMES = {
    "Answer": ".answer.ask",
    "Quote": ".answer.ask",
    "ask": ".answer.ask",
    "Engine": ".engine",
    "load_engine": ".engine",
    "EssaybotError": ".errors",
    "IndexCorrupt": ".errors",
    "IndexMissing": ".errors",
    "IndexStale": ".errors",
    "ModelUnavailable": ".errors",
    "QuestionRejected": ".errors",
    "SeedsClash": ".errors",
    "SeedsMissing": ".errors",
    "Settings": ".settings",
}

__all__ = [
    "Answer",
    "Engine",
    "EssaybotError",
    "IndexCorrupt",
    "IndexMissing",
    "IndexStale",
    "ModelUnavailable",
    "QuestionRejected",
    "Quote",
    "SeedsClash",
    "SeedsMissing",
    "Settings",
    "ask",
    "load_engine",
]


def __getattr__(name: str) -> typing.Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'bot' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
