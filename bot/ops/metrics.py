"""What whoever runs the bot watches, in Prometheus' text format at `/metrics`.

One registry per app, not the process-wide default: a test builds many apps in one
process, and each replica is scraped on its own. The index and the model are read when
Prometheus scrapes, so a new build that goes live shows at the next scrape.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from importlib.metadata import version
from typing import TYPE_CHECKING

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily, Metric
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from ..engine import Engine

__all__ = ["CONTENT_TYPE", "Metrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# A `_created` series beside each counter doubles the output and tells nothing here.
disable_created_metrics()  # type: ignore[no-untyped-call]

# An answer takes milliseconds on a warm model, seconds under a burst of questions.
_ANSWER_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class _Live(Collector):
    """The index and model the bot answers with now."""

    def __init__(self, engine: Callable[[], Engine]) -> None:
        self._engine = engine

    def collect(self) -> Iterator[Metric]:
        engine = self._engine()
        manifest = engine.index.manifest
        passages = GaugeMetricFamily(
            "essaybot_index_passages", "Passages in the index that answers."
        )
        passages.add_metric([], len(engine.index.passages))
        yield passages
        built = _timestamp(manifest.built_at)
        if built is not None:
            when = GaugeMetricFamily(
                "essaybot_index_built_timestamp_seconds",
                "When the index that answers was built (Unix time).",
            )
            when.add_metric([], built)
            yield when
            age = GaugeMetricFamily(
                "essaybot_index_age_seconds", "How old the index that answers is."
            )
            age.add_metric([], max(0.0, time.time() - built))
            yield age
        model = InfoMetricFamily("essaybot_model", "The embedding model and what runs it.")
        model.add_metric(
            [],
            {
                "model": engine.model_name,
                "runtime": engine.settings.runtime,
                "index_build": engine.index.build,
            },
        )
        yield model


def _timestamp(iso: str) -> float | None:
    try:
        return datetime.fromisoformat(iso).timestamp()
    except ValueError:
        return None


class Metrics:
    """The counters the request layer and the desk (web/desk.py) count into."""

    def __init__(self, engine: Callable[[], Engine]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "essaybot_http_requests",
            "HTTP requests answered, by route, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.request_seconds = Histogram(
            "essaybot_http_request_duration_seconds",
            "Time from a request's arrival to the end of its response, by route.",
            ["route"],
            registry=self.registry,
        )
        self.answers = Counter(
            "essaybot_answers",
            "Questions answered, by how the text answered them and where they were asked.",
            ["status", "channel"],
            registry=self.registry,
        )
        self.answer_seconds = Histogram(
            "essaybot_answer_duration_seconds",
            "Time to answer one question (search and quoting).",
            buckets=_ANSWER_BUCKETS,
            registry=self.registry,
        )
        self.rejected = Counter(
            "essaybot_questions_rejected",
            "Questions that could not be asked as they were, by reason.",
            ["reason"],
            registry=self.registry,
        )
        build = InfoMetricFamily("essaybot_build", "The bot's version and what it runs on.")
        build.add_metric(
            [],
            {
                "version": version("essaybot"),
                "python": platform.python_version(),
                "faiss": version("faiss-cpu"),
                "gradio": version("gradio"),
            },
        )
        self.registry.register(_Constant(build))
        self.registry.register(_Live(engine))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class _Constant(Collector):
    def __init__(self, metric: Metric) -> None:
        self._metric = metric

    def collect(self) -> Iterator[Metric]:
        yield self._metric
