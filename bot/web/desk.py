"""Where the API and the chat take a question: `ask()` on the engine that answers now,
and the asking recorded, for the page owner in the journal (what readers ask) and for
whoever runs the bot in the metrics (how it answers); beside it, the rate limits."""

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
    from ..feedback.journal import Journal
    from ..ops.metrics import Metrics
    from ..ops.ratelimit import Limiter
    from ..store.live import LiveEngine

__all__ = ["Desk"]


@dataclass(frozen=True)
class Desk:
    live: LiveEngine
    journal: Journal
    metrics: Metrics
    # Counts each client's questions; the API's layer and the chat both ask it.
    limiter: Limiter

    def answer(
        self, question: str, history: Sequence[str], *, answer_id: str, channel: str
    ) -> Answer:
        """The answer to `question`, kept under `answer_id` for a vote on it; `channel`
        ("api", "chat") says where it was asked. Raises what `ask()` raises."""
        started = time.perf_counter()
        try:
            answer = ask(question, self.live.engine, history)
        except QuestionRejected as exc:
            self.metrics.rejected.labels(exc.reason.replace(" ", "_")).inc()
            raise
        self.metrics.answer_seconds.observe(time.perf_counter() - started)
        self.metrics.answers.labels(answer.status, channel).inc()
        self.journal.asked(asked(answer, answer_id))
        return answer
