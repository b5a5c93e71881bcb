"""Questions asked at once share the model's batches, and each caller gets its own vector."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from bot import Engine
from bot._types import Matrix
from bot.embed.batching import BatchingEmbedder


class SlowEmbedder:
    """Pure logic under test, so a stand-in model: the vector of "7" is [7.0], and each
    call takes 20 ms, as long as a batch on a real CPU."""

    identity = "slow"

    def __init__(self, fail_on: str | None = None) -> None:
        self.calls: list[int] = []
        self.fail_on = fail_on
        self.lock = threading.Lock()

    def encode_queries(self, texts: Sequence[str]) -> Matrix:
        with self.lock:
            self.calls.append(len(texts))
        time.sleep(0.02)
        if self.fail_on in texts:
            raise RuntimeError("the model failed")
        return np.array([[float(t)] for t in texts], dtype=np.float32)

    def encode_documents(self, texts: Sequence[str], *, progress: object = None) -> Matrix:
        return self.encode_queries(texts)

    def count_tokens(self, texts: Sequence[str]) -> int:
        return len(texts)


def test_questions_asked_at_once_share_batches_and_each_gets_its_own_vector() -> None:
    inner = SlowEmbedder()
    batching = BatchingEmbedder(inner, max_batch=8)
    with ThreadPoolExecutor(32) as pool:
        results = list(pool.map(lambda i: batching.encode_queries([str(i)]), range(64)))
    assert [float(r[0, 0]) for r in results] == [float(i) for i in range(64)]
    assert sum(inner.calls) == 64
    assert max(inner.calls) <= 8
    assert len(inner.calls) < 64 / 2  # most calls carried several questions
    assert batching.questions == 64 and batching.encodes == len(inner.calls)


def test_a_question_alone_is_encoded_at_once() -> None:
    inner = SlowEmbedder()
    batching = BatchingEmbedder(inner)
    for i in range(3):
        assert float(batching.encode_queries([str(i), "1"])[0, 0]) == i
    assert inner.calls == [2, 2, 2]


def test_a_failed_batch_fails_its_callers_and_the_next_batch_runs() -> None:
    inner = SlowEmbedder(fail_on="13")
    batching = BatchingEmbedder(inner, max_batch=4)
    outcomes: dict[int, str] = {}

    def asked(i: int) -> None:
        try:
            batching.encode_queries([str(i)])
            outcomes[i] = "ok"
        except RuntimeError:
            outcomes[i] = "failed"

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(asked, range(32)))
    assert len(outcomes) == 32  # no caller left waiting
    assert outcomes[13] == "failed" and 1 <= list(outcomes.values()).count("failed") <= 4
    assert batching.encode_queries(["5"])[0, 0] == 5.0  # the model is free again


def test_a_batched_question_gets_the_vector_it_gets_alone(engine: Engine) -> None:
    batching = BatchingEmbedder(engine.model)
    questions = [f"Frage Nummer {i}: was steht im Text über Meta?" for i in range(24)]
    alone = np.vstack([engine.model.encode_queries([q]) for q in questions])
    with ThreadPoolExecutor(24) as pool:
        together = np.vstack(list(pool.map(lambda q: batching.encode_queries([q]), questions)))
    assert batching.encodes < 24
    assert float(np.min(np.sum(alone * together, axis=1))) == pytest.approx(1.0, abs=1e-4)
