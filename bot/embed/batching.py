"""Questions asked at the same time are encoded together (micro-batching).

Questions that are waiting share one call of the model, so each pays its tokenizer and
session overhead once per batch. On this 2-core machine with ONNX Runtime the gain is
small (batches of 32: 163 q/s against 141 q/s one by one, benchmarks/speed.py), since
the Python around each answer, not the model, is most of the cost under load. There is
no window to wait out: the first
question is encoded at once, and whatever arrives while it is being encoded goes in the
next batch. No thread of its own either: the caller that finds the model free encodes
for everyone waiting, then hands the turn to the first question still waiting.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .._types import Matrix
    from .embedder import Embedder, Progress

__all__ = ["MAX_BATCH", "BatchingEmbedder"]

# Past 32 questions a batch gains little on two cores and the first in it waits longer.
MAX_BATCH = 32


@dataclass(eq=False)
class _Request:
    texts: list[str]
    wake: threading.Event = field(default_factory=threading.Event)
    lead: bool = False
    vectors: Matrix | None = None
    error: BaseException | None = None


class BatchingEmbedder:
    """An `Embedder` whose questions from many threads are encoded in shared batches;
    documents (an index build) pass straight through."""

    def __init__(self, inner: Embedder, max_batch: int = MAX_BATCH) -> None:
        self.inner = inner
        self._max = max_batch
        self._lock = threading.Lock()
        self._waiting: list[_Request] = []
        self._busy = False
        # Encodes run and questions they carried: their ratio is the mean batch.
        self.encodes = 0
        self.questions = 0

    @property
    def identity(self) -> str:
        return self.inner.identity

    def encode_documents(self, texts: Sequence[str], *, progress: Progress | None = None) -> Matrix:
        return self.inner.encode_documents(texts, progress=progress)

    def count_tokens(self, texts: Sequence[str]) -> int:
        return self.inner.count_tokens(texts)

    def encode_queries(self, texts: Sequence[str]) -> Matrix:
        request = _Request(list(texts))
        with self._lock:
            self._waiting.append(request)
            request.lead = not self._busy
            self._busy = True
        if not request.lead:
            request.wake.wait()
        if request.lead:  # first to come, or handed the turn
            request.lead = False
            self._encode_waiting()
        if request.error is not None:
            raise request.error
        assert request.vectors is not None
        return request.vectors

    def _encode_waiting(self) -> None:
        with self._lock:
            batch: list[_Request] = []
            taken = 0
            while self._waiting and (not batch or taken + len(self._waiting[0].texts) <= self._max):
                batch.append(self._waiting.pop(0))
                taken += len(batch[-1].texts)
        try:
            vectors = self.inner.encode_queries([t for r in batch for t in r.texts])
            self.encodes += 1
            self.questions += taken
            row = 0
            for request in batch:
                request.vectors = np.ascontiguousarray(vectors[row : row + len(request.texts)])
                row += len(request.texts)
        except BaseException as exc:  # every waiting caller hears it, none waits forever
            for request in batch:
                request.error = exc
        finally:
            with self._lock:
                if self._waiting:
                    self._waiting[0].lead = True
                    self._waiting[0].wake.set()
                else:
                    self._busy = False
            for request in batch:
                request.wake.set()
