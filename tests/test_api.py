"""The HTTP API in process: the answer JSON, and one error shape for every bad request."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bot import Engine, ask
from bot.web.app import create_app
from bot.web.limits import BodyLimits

from .support.server import LOCAL

MAX_BODY_BYTES = BodyLimits().api_bytes
JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def client(engine: Engine) -> Iterator[TestClient]:
    with TestClient(
        create_app(engine, with_chat=False), base_url=LOCAL, raise_server_exceptions=False
    ) as c:
        yield c


def without_id(answer: dict[str, object]) -> dict[str, object]:
    return {key: value for key, value in answer.items() if key != "id"}


def assert_canonical_error(response: object, status: int, fragment: str) -> None:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"}
    assert fragment in body["error"]


def test_ask_returns_what_the_core_answers(client: TestClient, engine: Engine) -> None:
    response = client.post("/api/ask", json={"question": "Wer hat Stability AI verklagt?"})
    assert response.status_code == 200
    body = response.json()
    # Beside the answer, the id a vote on it names: random and signed, so no two answers
    # share one and only the bot makes them.
    answer_id = body.pop("id")
    assert re.fullmatch(r"[0-9a-f]{40}", answer_id)
    assert (
        client.post("/api/ask", json={"question": "Wer hat Stability AI verklagt?"}).json()["id"]
        != answer_id
    )
    assert body == ask("Wer hat Stability AI verklagt?", engine).to_json()


def test_healthz_names_the_model_the_passages_and_the_live_build_but_no_path(
    client: TestClient, engine: Engine
) -> None:
    body = client.get("/healthz").json()
    assert body == {
        "status": "ok",
        "model": "multilingual-e5-small",
        "passages": 8,
        "index": {"build": engine.index.build, "built_at": engine.index.manifest.built_at},
        "skipped": [],
    }
    assert engine.index.build.startswith("build-") and "/" not in engine.index.build


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        (b'{"question":', 400, "not valid JSON"),
        (b"\xff\xfe\x00", 400, "not valid JSON"),
        (b"", 400, "not valid JSON"),
        (b"[1, 2]", 422, '{"question": "'),
        (b'{"q": "x"}', 422, "question: Field required"),
        (b'{"question": 5}', 422, "valid string"),
        (b'{"question": ""}', 422, "The question is empty"),
        (b'{"question": "a\\u0000b"}', 422, "binary data"),
        (b'{"question": "Wer \\ud800?"}', 422, "binary data"),
        (b"[" * 60_000, 400, "not valid JSON"),
        (('{"question": "' + "x" * 5000 + '"}').encode(), 422, "the limit is 1000"),
    ],
    ids=[
        "truncated",
        "binary",
        "empty-body",
        "array",
        "no-question",
        "number",
        "empty",
        "nul",
        "surrogate",
        "deep-nesting",
        "too-long",
    ],
)
def test_bad_requests_get_a_4xx_with_one_error_shape(
    client: TestClient, body: bytes, status: int, fragment: str
) -> None:
    response = client.post("/api/ask", content=body, headers=JSON)
    assert_canonical_error(response, status, fragment)


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None],
)
def test_a_body_not_declared_as_json_is_refused_with_what_to_send(
    client: TestClient, content_type: str | None
) -> None:
    # A browser posts these types to another origin without asking first.
    headers = {"Content-Type": content_type} if content_type else {}
    body = b'{"question": "Wer hat Stability AI verklagt?"}'
    response = client.post("/api/ask", content=body, headers=headers)
    assert_canonical_error(response, 415, "Content-Type: application/json")


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "APPLICATION/JSON"])
def test_json_is_accepted_in_any_spelling(client: TestClient, content_type: str) -> None:
    body = b'{"question": "Wer hat Stability AI verklagt?"}'
    response = client.post("/api/ask", content=body, headers={"Content-Type": content_type})
    assert response.status_code == 200


def test_a_huge_body_is_refused(client: TestClient) -> None:
    response = client.post("/api/ask", content=b"x" * (MAX_BODY_BYTES + 1), headers=JSON)
    assert_canonical_error(response, 413, "over 65536 bytes")


def test_a_huge_chunked_body_is_refused_too(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b"x" * 4096  # no Content-Length: the limit is counted while reading

    response = client.post("/api/ask", content=chunks(), headers=JSON)
    assert "content-length" not in response.request.headers
    assert_canonical_error(response, 413, "over 65536 bytes")


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "OPTIONS"])
def test_a_wrong_method_gets_the_error_shape(client: TestClient, method: str) -> None:
    response = client.request(method, "/api/ask")
    assert_canonical_error(response, 405, "Use POST")
    assert response.headers["allow"] == "POST"


@pytest.mark.parametrize(
    "path", ["/healthz", "/widget", "/widget.js", "/widget-words.js", "/widget.css", "/embed.js"]
)
def test_monitors_may_ask_for_headers_only(client: TestClient, path: str) -> None:
    head, get = client.head(path), client.get(path)
    assert head.status_code == get.status_code == 200
    assert head.headers["content-type"] == get.headers["content-type"]


@pytest.mark.parametrize(
    ("accept", "fragment"),
    [
        ("de", "Die Frage ist leer"),
        ("de-DE,de;q=0.9,en;q=0.8", "Die Frage ist leer"),
        ("en-US,en;q=0.9,de;q=0.8", "The question is empty"),
        ("en;q=0.5,de;q=0.9", "Die Frage ist leer"),
        ("", "The question is empty"),
        (", , de", "Die Frage ist leer"),
        ("de;q=0, en;q=0.1", "The question is empty"),
        ("de;q=nan, en", "The question is empty"),
        ("desi", "The question is empty"),
        ("en;Q=0.2, de-CH", "Die Frage ist leer"),
    ],
)
def test_a_rejection_speaks_the_clients_language(
    client: TestClient, accept: str, fragment: str
) -> None:
    response = client.post("/api/ask", json={"question": " "}, headers={"Accept-Language": accept})
    assert_canonical_error(response, 422, fragment)


def test_a_refused_preflight_gets_the_error_shape(client: TestClient) -> None:
    response = client.options(
        "/api/ask",
        headers={"Origin": "http://intranet.example", "Access-Control-Request-Method": "DELETE"},
    )
    assert_canonical_error(response, 400, "only GET and POST may be used")


def test_an_allowed_preflight_is_answered(client: TestClient) -> None:
    response = client.options(
        "/api/ask",
        headers={"Origin": "http://intranet.example", "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize("path", ["/api", "/api/nothing", "/api/ask/more"])
def test_an_unknown_api_route_gets_the_error_shape(client: TestClient, path: str) -> None:
    assert_canonical_error(client.post(path, json={}), 404, "POST /api/ask")


def test_a_hostile_question_is_echoed_only_as_json_data(client: TestClient) -> None:
    hostile = '<img src=x onerror="alert(1)"> Wer hat Stability AI verklagt?'
    body = client.post("/api/ask", json={"question": hostile}).json()
    assert body["question"] == hostile
    assert "img" not in body["markdown"]  # the rendered answer never repeats the question


def test_a_follow_up_takes_the_history(client: TestClient, engine: Engine) -> None:
    question, history = "Und bleibt Meta dabei?", ["Was hat Meta gemacht?"]
    response = client.post("/api/ask", json={"question": question, "history": history})
    assert response.status_code == 200
    assert without_id(response.json()) == ask(question, engine, history).to_json()
    assert response.json()["passages"][0]["paragraph"] == 8


def test_a_rejected_earlier_question_does_not_block_the_next(
    client: TestClient, engine: Engine
) -> None:
    question = "Wer hat Stability AI verklagt?"
    response = client.post("/api/ask", json={"question": question, "history": ["???", "  "]})
    assert response.status_code == 200
    assert without_id(response.json()) == ask(question, engine).to_json()


@pytest.mark.parametrize(
    ("history", "fragment"),
    [
        ("Was hat Meta gemacht?", "history: Input should be a valid list"),
        ([1], "history.0: Input should be a valid string"),
    ],
)
def test_a_bad_history_is_a_4xx(client: TestClient, history: object, fragment: str) -> None:
    response = client.post("/api/ask", json={"question": "Und dann?", "history": history})
    assert_canonical_error(response, 422, fragment)


def test_an_unexpected_failure_is_a_logged_500_that_a_widget_can_read(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.web.desk

    def broken(*args: object) -> None:
        raise RuntimeError("disk on fire")

    # A seam for a failure no real input causes: the route's call of ask().
    monkeypatch.setattr(bot.web.desk, "ask", broken)
    with TestClient(
        create_app(engine, with_chat=False), base_url=LOCAL, raise_server_exceptions=False
    ) as c:
        response = c.post(
            "/api/ask", json={"question": "Wer?"}, headers={"Origin": "http://intranet.example"}
        )
    assert_canonical_error(response, 500, "has been logged")
    assert response.headers["access-control-allow-origin"] == "*"
