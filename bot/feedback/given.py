"""The chat's answers this process gave, so a vote on one takes its question and status
from the bot's own record.

The chat's vote comes through Gradio with the conversation as the page holds it, which a
client can write as it likes (a question of 900 KB, a status never given). The chat keeps
a reader with the replica that answered (Gradio's queue lives there), so this process's
memory is where the answer is; the newest are kept, up to a bound.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .records import Asked

__all__ = ["AnswersGiven"]


class AnswersGiven:
    def __init__(self, most: int = 10_000) -> None:
        self._most = most
        self._given: OrderedDict[str, Asked] = OrderedDict()
        self._lock = threading.Lock()

    def keep(self, record: Asked) -> None:
        with self._lock:
            self._given[record.answer_id] = record
            self._given.move_to_end(record.answer_id)
            while len(self._given) > self._most:
                self._given.popitem(last=False)

    def get(self, answer_id: str) -> Asked | None:
        with self._lock:
            return self._given.get(answer_id)

    def __len__(self) -> int:
        return len(self._given)
