"""Where the API and the chat take a question: `ask()` on the engine that answers now,
and the asking recorded, for the page owner in the journal (what readers ask) and for
whoever runs the bot in the metrics (how it answers); beside it, the rate limits, and
what a vote is checked against (the ids the API signs, the answers the chat gave)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..answer.ask import ask
from ..errors import QuestionRejected
from ..feedback.records import asked

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..answer.ask import Answer
    from ..feedback.answer_ids import AnswerIds
    from ..feedback.given import AnswersGiven
    from ..feedback.journal import Journal
    from ..live import LiveEngine
    from ..ops.metrics import Metrics
    from ..ops.ratelimit import Limiter

__all__ = ["Desk"]


@dataclass(frozen=True)
class Desk:
    live: LiveEngine
    journal: Journal
    metrics: Metrics
    # Counts each client's questions; the API's layer and the chat both ask it.
    limiter: Limiter
    # The API's answers carry signed ids; the chat's are kept in this process.
    ids: AnswerIds
    given: AnswersGiven

    def answer(
        self, question: str, history: Sequence[str], *, channel: str, answer_id: str = ""
    ) -> tuple[Answer, str]:
        """The answer to `question` and the id a vote names it by: `answer_id` (the chat
        makes its own and keeps the answer here), else a new signed one. `channel` ("api",
        "chat") says where it was asked. Raises what `ask()` raises."""
        started = time.perf_counter()
        try:
            answer = ask(question, self.live.engine, history)
        except QuestionRejected as exc:
            self.metrics.rejected.labels(exc.reason.replace(" ", "_")).inc()
            raise
        self.metrics.answer_seconds.observe(time.perf_counter() - started)
        self.metrics.answers.labels(answer.status, channel).inc()
        if answer_id:
            record = asked(answer, answer_id)
            self.given.keep(record)
        else:
            record = asked(answer, self.ids.issue(answer.question, answer.status))
        self.journal.asked(record)
        return answer, record.answer_id
