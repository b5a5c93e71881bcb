"""Access control, off by default: tokens keep scripts out of asking, a sign-in proxy's
header keeps the bot to signed-in readers; the widget on an allowed page keeps working."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, expect
from pydantic import ValidationError

from bot import Engine, Settings
from bot.feedback.journal import Journal
from bot.web.app import create_app

from .support.browser import guarded_page
from .support.pages import intranet_page, static_site
from .support.server import LOCAL, running_server

TOKEN = "s3cret-token-for-the-intranet-42"
INTRANET = "https://intranet.example"
ASK = {"question": "Wer hat Stability AI verklagt?"}


@contextmanager
def guarded(engine: Engine, tmp_path: Path, **settings: str) -> Iterator[object]:
    changed = engine.settings.model_copy(update=settings)
    journal = Journal(f"sqlite:///{tmp_path / 'essaybot.sqlite3'}")
    yield create_app(Engine(**{**engine.__dict__, "settings": changed}), journal=journal)
    journal.close()


def test_without_settings_anyone_may_ask(engine: Engine, tmp_path: Path) -> None:
    with guarded(engine, tmp_path) as app:
        assert TestClient(app, base_url=LOCAL).post("/api/ask", json=ASK).status_code == 200  # type: ignore[arg-type]


def test_a_script_without_a_token_is_told_what_to_send(engine: Engine, tmp_path: Path) -> None:
    with guarded(engine, tmp_path, api_tokens=TOKEN) as app:
        client = TestClient(app, base_url=LOCAL)  # type: ignore[arg-type]
        refused = client.post("/api/ask", json=ASK, headers={"Accept-Language": "de"})
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == 'Bearer realm="essaybot"'
        assert refused.json()["error"].startswith("Diese Schnittstelle verlangt einen Zugang")
        wrong = client.post("/api/ask", json=ASK, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and "Authorization: Bearer" in wrong.json()["error"]
        right = client.post("/api/ask", json=ASK, headers={"Authorization": f"Bearer {TOKEN}"})
        assert right.status_code == 200
        # A script cannot ask through the chat's Gradio routes instead.
        join = client.post("/gradio_api/queue/join", json={"data": ["Wer?", []], "fn_index": 0})
        assert join.status_code == 401
        # The probes stay open for the proxy; reading the pages stays open.
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 200
        assert client.get("/").status_code == 200
        assert client.get("/widget").status_code == 200


def test_the_bots_own_pages_and_allowed_pages_ask_without_a_token(
    engine: Engine, tmp_path: Path
) -> None:
    with guarded(engine, tmp_path, api_tokens=TOKEN, allowed_origins=INTRANET) as app:
        client = TestClient(app, base_url=LOCAL)  # type: ignore[arg-type]
        own = client.post("/api/ask", json=ASK, headers={"Origin": LOCAL})
        assert own.status_code == 200  # the widget's page and the chat, on the bot itself
        page = client.post("/api/ask", json=ASK, headers={"Origin": INTRANET})
        assert page.status_code == 200
        assert page.headers["access-control-allow-origin"] == INTRANET
        stranger = client.post("/api/ask", json=ASK, headers={"Origin": "https://evil.example"})
        assert stranger.status_code in (401, 403)


def test_behind_a_sign_in_proxy_only_signed_in_readers_through_it_are_served(
    engine: Engine, tmp_path: Path
) -> None:
    settings = {"user_header": "X-Forwarded-User", "api_tokens": TOKEN}
    with guarded(engine, tmp_path, **settings) as app:
        proxy = TestClient(app, base_url=LOCAL, client=("127.0.0.1", 40000))  # type: ignore[arg-type]
        signed_in = {"X-Forwarded-User": "anna", "X-Forwarded-For": "10.1.2.3"}
        assert proxy.post("/api/ask", json=ASK, headers=signed_in).status_code == 200
        assert proxy.get("/", headers=signed_in).status_code == 200
        anonymous = proxy.get("/", headers={"Accept-Language": "de"})
        assert anonymous.status_code == 401
        assert anonymous.json()["error"].startswith("Bitte melden Sie sich im Intranet an")
        # Around the proxy, straight to the replica: the header proves nothing.
        around = TestClient(app, base_url=LOCAL, client=("10.9.9.9", 40000))  # type: ignore[arg-type]
        assert around.post("/api/ask", json=ASK, headers=signed_in).status_code == 401
        token = {"Authorization": f"Bearer {TOKEN}"}
        assert around.post("/api/ask", json=ASK, headers=token).status_code == 200
        assert around.get("/healthz").status_code == 200


@pytest.mark.parametrize("value", ["short", "has space inside the token!", "a,b"])
def test_a_weak_or_malformed_token_is_refused_at_start(value: str) -> None:
    with pytest.raises(ValidationError, match="at least 16 printable characters"):
        Settings(api_tokens=value)


def test_tokens_are_a_comma_separated_list() -> None:
    settings = Settings(api_tokens=f" {TOKEN} , {TOKEN[::-1]} ")
    assert settings.tokens == (TOKEN, TOKEN[::-1])


@pytest.mark.browser
def test_with_tokens_on_the_widget_on_an_allowed_page_and_the_chat_still_answer(
    browser: Browser, shared_index_dir: Path, tmp_path: Path
) -> None:
    site = tmp_path / "intranet"
    with static_site(site) as port:
        allowed = f"http://localhost:{port}"
        env = {"ESSAYBOT_API_TOKENS": TOKEN, "ESSAYBOT_ALLOWED_ORIGINS": allowed}
        with running_server(tmp_path, "--index-dir", str(shared_index_dir), env=env) as bot:
            intranet_page(site, bot.url)
            assert httpx.post(f"{bot.url}/api/ask", json=ASK, timeout=30).status_code == 401
            with guarded_page(browser, viewport={"width": 1280, "height": 900}) as (page, blocked):
                page.goto(f"{allowed}/intranet.html")
                page.get_by_role("button", name="Fragen zum Essay").click()
                frame = page.frame_locator("[data-essaybot-widget] >> iframe")
                frame.get_by_role("textbox").fill(ASK["question"])
                frame.get_by_role("textbox").press("Enter")
                expect(frame.locator("blockquote", has_text="Getty Images")).to_be_visible(
                    timeout=60_000
                )
                page.goto(bot.url + "/")
                page.locator("#question textarea").fill(ASK["question"])
                page.locator("#question textarea").press("Enter")
                expect(
                    page.locator(".message-row blockquote", has_text="Getty Images")
                ).to_be_visible(timeout=60_000)
                assert blocked.urls == []
