"""What the page owner learns from the readers: the questions the text left unanswered,
the answers readers found unhelpful, and how many asked each day. Pure: records in, a
report out; the command line prints it or writes it as JSON."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from .records import Asked, Vote

__all__ = ["Day", "Often", "Report", "Unhelpful", "build_report", "same_question"]

# What one entry shows at most: strangers write the votes, and one of them must not fill
# the owner's screen (older records were kept before questions were cut to a length).
SHOWN_CHARS = 300
SHOWN_COMMENTS = 5


def _shown(text: str) -> str:
    text = text.strip()
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def same_question(question: str) -> str:
    """The form under which two askings count as one question: case, spacing and the
    closing punctuation do not make a new one."""
    return re.sub(r"\s+", " ", question).strip().rstrip("?!.…;: ").casefold()


@dataclass(frozen=True, slots=True)
class Often:
    """A question asked `count` times (as most often worded), last on `last`."""

    question: str
    count: int
    last: date


@dataclass(frozen=True, slots=True)
class Unhelpful:
    question: str
    votes: int
    status: str | None
    # The newest few; `more_comments` says how many more there are.
    comments: tuple[str, ...]
    more_comments: int = 0


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    asked: int = 0
    answered: int = 0
    related: int = 0
    silent: int = 0
    helpful: int = 0
    unhelpful: int = 0


@dataclass(frozen=True, slots=True)
class Report:
    since: date | None
    asked: int
    votes: int
    silent: tuple[Often, ...] = ()
    related: tuple[Often, ...] = ()
    unhelpful: tuple[Unhelpful, ...] = ()
    days: tuple[Day, ...] = field(default=())


def _most_asked(asked: Sequence[Asked], top: int) -> tuple[Often, ...]:
    groups: dict[str, list[Asked]] = defaultdict(list)
    for record in asked:
        groups[same_question(record.question)].append(record)
    ranked = sorted(
        groups.values(),
        key=lambda group: (-len(group), -max(r.asked_at for r in group).timestamp()),
    )
    return tuple(
        Often(
            question=_shown(Counter(r.question.strip() for r in group).most_common(1)[0][0]),
            count=len(group),
            last=max(r.asked_at for r in group).date(),
        )
        for group in ranked[:top]
    )


def _unhelpful(votes: Sequence[Vote], top: int) -> tuple[Unhelpful, ...]:
    groups: dict[str, list[Vote]] = defaultdict(list)
    for vote in votes:
        if not vote.helpful:
            groups[same_question(vote.question)].append(vote)
    ranked = sorted(
        groups.values(), key=lambda g: (-len(g), -max(v.given_at for v in g).timestamp())
    )
    entries = []
    for group in ranked[:top]:
        comments = [v.comment for v in sorted(group, key=lambda v: v.given_at) if v.comment]
        entries.append(
            Unhelpful(
                question=_shown(Counter(v.question.strip() for v in group).most_common(1)[0][0]),
                votes=len(group),
                status=group[-1].status,
                comments=tuple(_shown(c) for c in comments[-SHOWN_COMMENTS:]),
                more_comments=max(0, len(comments) - SHOWN_COMMENTS),
            )
        )
    return tuple(entries)


def _days(asked: Iterable[Asked], votes: Iterable[Vote]) -> tuple[Day, ...]:
    counts: dict[date, Counter[str]] = defaultdict(Counter)
    for record in asked:
        counts[record.asked_at.date()].update(("asked", record.status))
    for vote in votes:
        counts[vote.given_at.date()]["helpful" if vote.helpful else "unhelpful"] += 1
    return tuple(Day(day=day, **dict(counts[day])) for day in sorted(counts))


def build_report(
    asked: Sequence[Asked], votes: Sequence[Vote], *, since: date | None = None, top: int = 10
) -> Report:
    return Report(
        since=since,
        asked=len(asked),
        votes=len(votes),
        silent=_most_asked([a for a in asked if a.status == "silent"], top),
        related=_most_asked([a for a in asked if a.status == "related"], top),
        unhelpful=_unhelpful(votes, top),
        days=_days(asked, votes),
    )
