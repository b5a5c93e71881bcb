"""Debian's Chromium through Playwright, with every request off this machine blocked."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Page, Route, sync_playwright

from .guard import is_local

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class Blocked:
    """Requests the page tried to send off this machine."""

    urls: list[str] = field(default_factory=list)


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def guarded_page(browser: Browser, **context_options: object) -> Iterator[tuple[Page, Blocked]]:
    """A fresh page whose requests to any non-loopback host are recorded and aborted."""
    blocked = Blocked()
    context = browser.new_context(**context_options)  # type: ignore[arg-type]

    def route(r: Route) -> None:
        url = r.request.url
        host = urlsplit(url).hostname
        if url.startswith(("http:", "https:", "ws:", "wss:")) and not is_local(host):
            blocked.urls.append(url)
            r.abort()
        else:
            r.continue_()

    context.route("**/*", route)
    page = context.new_page()
    try:
        yield page, blocked
    finally:
        context.close()
