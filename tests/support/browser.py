"""Debian's Chromium through Playwright, with every request off this machine blocked."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Page, Playwright, Route, sync_playwright

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
def driver() -> Iterator[Playwright]:
    """Playwright's driver: one per run, since its sync API cannot be started twice in
    one thread; every Chromium the run needs is launched from it."""
    with sync_playwright() as playwright:
        yield playwright


@contextmanager
def chromium(playwright: Playwright, *, loopback_names: tuple[str, ...] = ()) -> Iterator[Browser]:
    """Chromium; each of `loopback_names` resolves to 127.0.0.1, so a test can give the
    bot and a stranger's page real host names while nothing leaves the machine."""
    args = list(FLAGS)
    if loopback_names:
        rules = ", ".join(f"MAP {name} 127.0.0.1" for name in loopback_names)
        args.append(f"--host-resolver-rules={rules}")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
    try:
        yield browser
    finally:
        browser.close()


@contextmanager
def guarded_page(
    browser: Browser, *, loopback_names: tuple[str, ...] = (), **context_options: object
) -> Iterator[tuple[Page, Blocked]]:
    """A fresh page whose requests to any non-loopback host are recorded and aborted;
    `loopback_names` are the names the browser was told resolve to loopback."""
    blocked = Blocked()
    context = browser.new_context(**context_options)  # type: ignore[arg-type]

    def route(r: Route) -> None:
        url = r.request.url
        host = urlsplit(url).hostname
        local = is_local(host) or host in loopback_names
        if url.startswith(("http:", "https:", "ws:", "wss:")) and not local:
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
