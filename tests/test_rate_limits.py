"""A client that sends too many questions is told to wait, in its language; other clients,
and replicas sharing Redis, count it the same; Redis going away never stops an answer."""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, expect

from bot import Engine
from bot.feedback.journal import Journal
from bot.web.app import create_app

from .support.browser import guarded_page
from .support.server import LOCAL, Server, running_server
from .support.services import forget_client, own_redis, redis_url

LAWSUIT = {"question": "Wer hat Stability AI verklagt?"}


@contextmanager
def limited_app(engine: Engine, tmp_path: Path, rule: str, **settings: str) -> Iterator[object]:
    """The app with the rate limit `rule` and other `settings` changed."""
    changed = engine.settings.model_copy(update={"rate_limit": rule, **settings})
    journal = Journal(f"sqlite:///{tmp_path / 'essaybot.sqlite3'}")
    yield create_app(Engine(**{**engine.__dict__, "settings": changed}), journal=journal)
    journal.close()


@pytest.fixture
def app(engine: Engine, tmp_path: Path) -> Iterator[object]:
    with limited_app(engine, tmp_path, "3/minute") as limited:
        yield limited


def test_a_client_over_the_limit_is_told_how_long_to_wait_in_its_language(app: object) -> None:
    client = TestClient(app, base_url=LOCAL, client=("10.0.0.1", 5000))  # type: ignore[arg-type]
    assert [client.post("/api/ask", json=LAWSUIT).status_code for _ in range(3)] == [200] * 3
    refused = client.post("/api/ask", json=LAWSUIT, headers={"Accept-Language": "de-DE"})
    assert refused.status_code == 429
    wait = int(refused.headers["retry-after"])
    assert 1 <= wait <= 60
    assert refused.json() == {
        "error": f"Zu viele Fragen in kurzer Zeit; bitte in {wait} Sekunden wieder fragen."
    }
    english = client.post("/api/ask", json=LAWSUIT, headers={"Accept-Language": "en"})
    assert english.json()["error"].startswith("Too many questions in a short time; ask again")
    metrics = client.get("/metrics").text
    assert 'essaybot_questions_rejected_total{reason="rate_limit"} 2.0' in metrics


def test_other_clients_and_a_clients_votes_are_counted_apart(app: object) -> None:
    first = TestClient(app, base_url=LOCAL, client=("10.0.0.1", 5000))  # type: ignore[arg-type]
    answers = [first.post("/api/ask", json=LAWSUIT) for _ in range(3)]
    assert first.post("/api/ask", json=LAWSUIT).status_code == 429
    given = answers[0].json()
    vote = {
        "helpful": True,
        **{k: given[k] for k in ("question", "status")},
        "answer_id": given["id"],
    }
    assert first.post("/api/feedback", json=vote).status_code == 202
    second = TestClient(app, base_url=LOCAL, client=("10.0.0.2", 5000))  # type: ignore[arg-type]
    assert second.post("/api/ask", json=LAWSUIT).status_code == 200
    assert first.get("/healthz").status_code == 200  # only questions and votes count


def test_a_429_reaches_a_widget_on_an_allowed_page(engine: Engine, tmp_path: Path) -> None:
    allowed = {"allowed_origins": "https://intranet.example"}
    with limited_app(engine, tmp_path, "1/minute", **allowed) as app:
        client = TestClient(app, base_url=LOCAL, client=("10.0.0.3", 5000))  # type: ignore[arg-type]
        headers = {"Origin": "https://intranet.example"}
        client.post("/api/ask", json=LAWSUIT, headers=headers)
        refused = client.post("/api/ask", json=LAWSUIT, headers=headers)
    assert refused.status_code == 429
    assert refused.headers["access-control-allow-origin"] == "https://intranet.example"


@pytest.mark.server
def test_replicas_sharing_redis_count_a_client_together(tmp_path: Path) -> None:
    url = redis_url()
    client = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
    env = {"ESSAYBOT_RATE_LIMIT": "4/minute", "ESSAYBOT_REDIS_URL": url}
    try:
        with running_server(tmp_path, env=env) as one, running_server(tmp_path, env=env) as two:
            # As a proxy on this machine would name the reader (127.0.0.1 is trusted).
            forwarded = {"X-Forwarded-For": client}

            def ask(replica: Server) -> int:
                return httpx.post(
                    f"{replica.url}/api/ask", json=LAWSUIT, headers=forwarded, timeout=30
                ).status_code

            assert [ask(one), ask(two), ask(one), ask(two)] == [200] * 4
            assert (ask(one), ask(two)) == (429, 429)
            other = httpx.post(f"{one.url}/api/ask", json=LAWSUIT, timeout=30)
            assert other.status_code == 200  # 127.0.0.1 itself is another client
    finally:
        forget_client(url, client)


def test_redis_going_away_lets_questions_through_and_counting_resumes_when_back(
    engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        own_redis() as redis,
        limited_app(engine, tmp_path, "2/minute", redis_url=redis.url) as app,
    ):
        client = TestClient(app, base_url=LOCAL, client=("10.0.0.4", 5000))  # type: ignore[arg-type]
        assert client.post("/api/ask", json=LAWSUIT).status_code == 200
        redis.stop()
        with caplog.at_level(logging.WARNING, logger="essaybot.ratelimit"):
            away = [client.post("/api/ask", json=LAWSUIT).status_code for _ in range(4)]
        assert away == [200] * 4
        assert caplog.text.count("Rate limits are not counted") == 1
        redis.start()  # empty: it keeps nothing on disk
        back = [client.post("/api/ask", json=LAWSUIT).status_code for _ in range(3)]
        assert back == [200, 200, 429]


@pytest.mark.browser
def test_the_chat_tells_a_reader_over_the_limit_to_wait_and_the_page_stays_usable(
    browser: Browser, tmp_path: Path
) -> None:
    with (
        running_server(tmp_path, env={"ESSAYBOT_RATE_LIMIT": "2/minute"}) as bot,
        guarded_page(browser, viewport={"width": 1280, "height": 900}) as (page, blocked),
    ):
        page.goto(bot.url + "/")
        box = page.locator("#question textarea")
        replies = page.locator(".message-row.bot-row")
        for number, question in enumerate(
            ["Wer hat Stability AI verklagt?", "Was kostet das Training?", "Wer ist Cohere?"]
        ):
            expect(box).to_be_editable(timeout=60_000)
            box.fill(question)
            box.press("Enter")
            expect(replies).to_have_count(number + 1, timeout=60_000)
        expect(replies.last).to_contain_text("Zu viele Fragen in kurzer Zeit; bitte in")
        expect(replies.nth(0)).to_contain_text("Klage gegen Getty Images")
        expect(box).to_be_editable()
        assert blocked.urls == []
