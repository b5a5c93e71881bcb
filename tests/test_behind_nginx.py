"""Behind the documented nginx a reader gets what one server gives: the chat and the
widget on an allowed page answer in Chromium, and the security of a single server holds
through the proxy (headers, the origin policy, the closed routes)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from .support.browser import guarded_page
from .support.nginx import nginx_missing, running_nginx
from .support.pages import intranet_page, static_site
from .support.routes import CLOSED
from .support.server import running_server
from .support.services import unavailable

pytestmark = pytest.mark.server

QUESTION = "Wer hat Stability AI verklagt?"


@dataclass(frozen=True)
class Site:
    proxy: str  # the one address readers and pages use
    allowed: str  # an intranet page that may embed the widget
    other: str  # a page that may not


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, shared_index_dir: Path) -> Iterator[Site]:
    if missing := nginx_missing():
        unavailable("nginx", "nginx", FileNotFoundError(missing))
    tmp = tmp_path_factory.mktemp("behind-nginx")
    with (
        static_site(tmp / "allowed") as allowed_port,
        static_site(tmp / "other") as other_port,
    ):
        allowed = f"http://localhost:{allowed_port}"
        env = {"ESSAYBOT_ALLOWED_ORIGINS": allowed}
        with running_server(tmp, "--index-dir", str(shared_index_dir), env=env) as bot:
            port = int(bot.url.rsplit(":", 1)[1])
            # The documented site has three replicas; one, named thrice, is enough here.
            with running_nginx(tmp / "nginx", [port] * 3) as proxy:
                intranet_page(tmp / "allowed", proxy)
                intranet_page(tmp / "other", proxy)
                yield Site(proxy, allowed, f"http://localhost:{other_port}")


@pytest.mark.browser
def test_the_chat_answers_through_the_proxy(browser: Browser, site: Site) -> None:
    with guarded_page(browser, viewport={"width": 1280, "height": 900}) as (page, blocked):
        page.goto(site.proxy + "/")
        page.locator("#question textarea").fill(QUESTION)
        page.locator("#question textarea").press("Enter")
        expect(page.locator(".message-row blockquote", has_text="Getty Images")).to_be_visible(
            timeout=60_000
        )
        assert blocked.urls == []


@pytest.mark.browser
def test_the_widget_on_an_allowed_page_answers_through_the_proxy_and_another_page_is_refused(
    browser: Browser, site: Site
) -> None:
    with guarded_page(browser, viewport={"width": 1280, "height": 900}) as (page, blocked):
        page.goto(f"{site.allowed}/intranet.html")
        page.get_by_role("button", name="Fragen zum Essay").click()
        frame = page.frame_locator("[data-essaybot-widget] >> iframe")
        frame.get_by_role("textbox").fill(QUESTION)
        frame.get_by_role("textbox").press("Enter")
        expect(frame.locator("blockquote", has_text="Getty Images")).to_be_visible(timeout=60_000)

        page.goto(f"{site.other}/intranet.html")
        page.wait_for_timeout(500)
        frame = page.frame_locator("main > iframe")
        expect(frame.get_by_role("textbox")).to_have_count(0)  # framing refused
        assert blocked.urls == []


def test_the_security_headers_come_through_the_proxy(site: Site) -> None:
    for path in ("/", "/widget", "/api/about"):
        headers = httpx.get(site.proxy + path, timeout=30).headers
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] == "no-referrer", path
        assert site.allowed in headers["content-security-policy"], path  # frame-ancestors


def test_a_page_of_another_origin_may_not_ask_through_the_proxy(site: Site) -> None:
    refused = httpx.options(
        f"{site.proxy}/api/ask",
        headers={"Origin": site.other, "Access-Control-Request-Method": "POST"},
        timeout=30,
    )
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    assert "origin may not call the bot" in refused.json()["error"]
    allowed = httpx.post(
        f"{site.proxy}/api/ask", json={"question": QUESTION}, headers={"Origin": site.allowed}
    )
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == site.allowed


@pytest.mark.parametrize(("method", "path"), CLOSED, ids=[f"{m} {p}" for m, p in CLOSED])
def test_a_closed_route_stays_closed_through_the_proxy(site: Site, method: str, path: str) -> None:
    response = httpx.request(
        method,
        f"{site.proxy}{path}",
        headers={"Content-Type": "application/json"},
        content=b"{}" if method == "POST" else None,
        timeout=30,
    )
    # nginx itself refuses a path that climbs above the root (400); the rest reach the bot,
    # which says it has no such route.
    assert response.status_code in (400, 404), response.text[:300]
    if response.status_code == 404:
        assert list(response.json()) == ["error"]
