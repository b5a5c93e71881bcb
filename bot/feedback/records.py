"""The two things kept about readers: a question as it was answered, and a vote on it.

Nothing about the reader is in them: no address, no cookie, no session; the answer id is
random and names the answer, not the person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, get_args

from ..languages.guess import guess_language
from ..search.retrieve import Status

if TYPE_CHECKING:
    from ..answer.ask import Answer

__all__ = ["ANSWER_ID", "STATUSES", "Asked", "Status", "Vote", "asked"]

STATUSES: tuple[Status, ...] = get_args(Status)
# What an answer id may look like: the API hands out 32 hex digits; the chat derives its
# own. Anything else is refused before it reaches the database.
ANSWER_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


@dataclass(frozen=True, slots=True)
class Asked:
    """One question a reader asked, and how the text answered it."""

    answer_id: str
    asked_at: datetime
    question: str
    language: str
    status: Status
    # Where the quotes came from ("text.md#3 text.md#5"), so an owner sees what answered.
    quoted: str = ""
    # The texts folder the bot served (its full path), so the report of one bot does not
    # count another's questions; empty in records kept before it was noted.
    texts: str = ""


@dataclass(frozen=True, slots=True)
class Vote:
    """A reader's verdict on one answer; a second vote on the same answer replaces it."""

    answer_id: str
    given_at: datetime
    helpful: bool
    question: str
    status: Status | None = None
    comment: str = ""
    texts: str = ""


def asked(answer: Answer, answer_id: str) -> Asked:
    """The record of an answer just given."""
    return Asked(
        answer_id=answer_id,
        asked_at=datetime.now(UTC),
        question=answer.question,
        language=guess_language(answer.question),
        status=answer.status,
        quoted=" ".join(f"{q.source}#{q.paragraph}" for q in answer.passages),
    )
