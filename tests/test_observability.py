"""Whoever runs the bot sees how it does: Prometheus metrics, probes for a proxy or an
orchestrator, one log line per request, and security headers on everything it serves."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from bot import Engine
from bot.feedback.journal import Journal
from bot.web.app import create_app
from bot.web.gate import route_label

from .support.server import LOCAL, running_server

LAWSUIT = "Wer hat Stability AI verklagt?"


@pytest.fixture
def client(engine: Engine, tmp_path: Path) -> Iterator[TestClient]:
    journal = Journal(f"sqlite:///{tmp_path / 'essaybot.sqlite3'}")
    with TestClient(
        create_app(engine, with_chat=False, journal=journal), base_url=LOCAL
    ) as running:
        yield running
    journal.close()


def samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics, parsed by Prometheus' own parser."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def test_metrics_count_requests_answers_and_rejections_as_they_happen(
    client: TestClient, engine: Engine
) -> None:
    client.post("/api/ask", json={"question": LAWSUIT})
    client.post("/api/ask", json={"question": LAWSUIT})
    client.post("/api/ask", json={"question": "Wie viel kostet ein Döner in Berlin?"})
    client.post("/api/ask", json={"question": "???"})
    client.post("/api/ask", content=b"not json", headers={"content-type": "text/plain"})
    seen = samples(client)

    def value(name: str, **labels: str) -> float:
        return seen.get((name, tuple(sorted(labels.items()))), 0.0)

    requests = "essaybot_http_requests_total"
    assert value(requests, route="/api/ask", method="POST", status="200") == 3
    assert value(requests, route="/api/ask", method="POST", status="422") == 1
    assert value(requests, route="/api/ask", method="POST", status="415") == 1
    assert value("essaybot_answers_total", status="answered", channel="api") == 2
    assert value("essaybot_answers_total", status="silent", channel="api") == 1
    assert value("essaybot_questions_rejected_total", reason="no_words") == 1
    assert value("essaybot_answer_duration_seconds_count") == 3
    assert value("essaybot_http_request_duration_seconds_count", route="/api/ask") == 5
    assert value("essaybot_index_passages") == len(engine.index.passages) == 8
    assert 0 <= value("essaybot_index_age_seconds") < 7 * 24 * 3600
    model = {name: labels for (name, labels), _ in seen.items() if name == "essaybot_model_info"}
    assert dict(model["essaybot_model_info"]) == {
        "model": "multilingual-e5-small",
        "runtime": "onnx",
        "index_build": engine.index.build,
    }
    (build,) = [dict(labels) for name, labels in seen if name == "essaybot_build_info"]
    assert build["version"] and build["faiss"] and build["python"].startswith("3.11")


def test_strangers_paths_are_counted_under_one_label(client: TestClient) -> None:
    for number in range(20):
        client.get(f"/no/such/page/{number}")
    labels = {dict(labels).get("route") for name, labels in samples(client)}
    assert "{other}" in labels
    assert not any(label and label.startswith("/no/") for label in labels)


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("/", "/"),
        ("/assets/index-3f2a.js", "/assets/{file}"),
        ("/gradio_api/heartbeat/abc123", "/gradio_api/heartbeat/{session}"),
        ("/gradio_api/queue/join", "/gradio_api/queue/join"),
        ("/config/", "/config"),
        ("/bot/gradio_api/queue/data", "/gradio_api/queue/data"),
        ("/wp-login.php", "{other}"),
    ],
)
def test_the_chats_routes_are_labelled_by_name(path: str, label: str) -> None:
    root = "/bot" if path.startswith("/bot/") else ""
    assert route_label({"type": "http", "path": path, "root_path": root}) == label


def test_readyz_says_which_index_answers_and_healthz_that_the_process_lives(
    client: TestClient, engine: Engine
) -> None:
    ready = client.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["ready"] is True and body["loading"] is None
    assert body["index"] == {
        "build": engine.index.build,
        "built_at": engine.index.manifest.built_at,
        "passages": 8,
    }
    assert (body["model"], body["runtime"]) == ("multilingual-e5-small", "onnx")
    assert client.get("/healthz").json()["status"] == "ok"
    assert client.head("/readyz").status_code == 200


def test_every_response_carries_the_security_headers(client: TestClient) -> None:
    for response in (
        client.get("/healthz"),
        client.post("/api/ask", json={"question": LAWSUIT}),
        client.get("/widget"),
        client.get("/no/such/page"),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors" in response.headers["content-security-policy"]
    widget = client.get("/widget").headers["content-security-policy"]
    assert widget.startswith("default-src 'none'")  # the widget keeps its own, stricter one


def test_a_request_is_one_log_line_with_the_question_only_while_the_log_keeps_them(
    engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    for keep in (True, False):
        settings = engine.settings.model_copy(update={"question_log": keep})
        journal = Journal(f"sqlite:///{tmp_path / f'{keep}.sqlite3'}")
        app = create_app(Engine(**{**engine.__dict__, "settings": settings}), journal=journal)
        caplog.clear()
        with (
            caplog.at_level(logging.INFO, logger="essaybot.requests"),
            TestClient(app, base_url=LOCAL) as client,
        ):
            client.post("/api/ask", json={"question": LAWSUIT})
        journal.close()
        (record,) = [r for r in caplog.records if r.name == "essaybot.requests"]
        assert record.getMessage().startswith("POST /api/ask 200 ")
        assert (record.method, record.route, record.status, record.answer) == (  # type: ignore[attr-defined]
            "POST",
            "/api/ask",
            200,
            "answered",
        )
        assert (LAWSUIT in record.getMessage()) is keep
        assert getattr(record, "question", None) == (LAWSUIT if keep else None)
        assert "testclient" not in record.getMessage()  # no client address


@pytest.mark.server
def test_the_server_logs_one_json_object_a_line_when_asked(tmp_path: Path) -> None:
    with running_server(
        tmp_path, env={"ESSAYBOT_LOG_FORMAT": "json", "ESSAYBOT_QUESTION_LOG": "false"}
    ) as bot:
        httpx.post(f"{bot.url}/api/ask", json={"question": LAWSUIT}, timeout=30)
        metrics = httpx.get(f"{bot.url}/metrics", timeout=10)
    assert "essaybot_answers_total" in metrics.text
    lines = [line for line in bot.output.read_text().splitlines() if line.startswith("{")]
    records = [json.loads(line) for line in lines]
    asked = [r for r in records if r.get("route") == "/api/ask"]
    assert len(asked) == 1
    assert asked[0]["status"] == 200 and asked[0]["answer"] == "answered"
    assert asked[0]["ms"] > 0 and asked[0]["level"] == "INFO" and "time" in asked[0]
    assert "question" not in asked[0] and LAWSUIT not in bot.output.read_text()
    assert any(r.get("logger") == "uvicorn.error" for r in records)  # uvicorn's own, as JSON
