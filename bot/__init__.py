"""essaybot: ask a text, get its own words back, quoted with where they stand."""

from __future__ import annotations

from ._offline import keep_offline

keep_offline()  # before anything imports huggingface_hub or gradio

from .answer.ask import Answer, Quote, ask  # noqa: E402
from .engine import Engine, load_engine  # noqa: E402
from .errors import (  # noqa: E402
    EssaybotError,
    IndexCorrupt,
    IndexMissing,
    IndexStale,
    ModelUnavailable,
    QuestionRejected,
    SeedsClash,
    SeedsMissing,
)
from .settings import Settings  # noqa: E402

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
