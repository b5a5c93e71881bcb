"""Behind the documented nginx a reader gets what one server gives: the chat and the
widget on an allowed page answer in Chromium, and the security of a single server holds
through the proxy (headers, the origin policy, the closed routes). nginx adds its own:
only the bot's name is answered, over HTTPS too, a client cannot speak for the proxy, and
one address cannot flood the replicas."""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Playwright, expect

from .support.browser import guarded_page
from .support.nginx import (
    Proxy,
    Recorder,
    documented_name,
    nginx_missing,
    recording_upstream,
    running_site,
)
from .support.pages import intranet_page, static_site
from .support.routes import CLOSED
from .support.server import running_server
from .support.services import unavailable

pytestmark = pytest.mark.server

QUESTION = "Wer hat Stability AI verklagt?"
QUESTION_ROUTES = ("/api/ask", "/api/feedback", "/gradio_api/queue/join", "/gradio_api/run/predict")


@dataclass(frozen=True)
class Site:
    proxy: str  # the one address readers and pages use
    allowed: str  # an intranet page that may embed the widget
    other: str  # a page that may not
    nginx: Proxy  # the same nginx: its name, its TLS listener and certificate


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
        # The bot answers to the name nginx serves it under, as docs/deploy.md sets it up.
        env = {"ESSAYBOT_ALLOWED_ORIGINS": allowed, "ESSAYBOT_ALLOWED_HOSTS": documented_name()}
        with running_server(tmp, "--index-dir", str(shared_index_dir), env=env) as bot:
            port = int(bot.url.rsplit(":", 1)[1])
            # The documented site has three replicas; one, named thrice, is enough here.
            with running_site(tmp / "nginx", [port] * 3) as nginx:
                intranet_page(tmp / "allowed", nginx.url)
                intranet_page(tmp / "other", nginx.url)
                yield Site(nginx.url, allowed, f"http://localhost:{other_port}", nginx)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Proxy, Recorder]]:
    """The documented site in front of an upstream that keeps what it is sent, in place of
    the replicas: what reaches a replica, and what does not, can be read off it."""
    if missing := nginx_missing():
        unavailable("nginx", "nginx", FileNotFoundError(missing))
    with recording_upstream() as recorder:
        tmp = tmp_path_factory.mktemp("recorded-nginx")
        with running_site(tmp, [recorder.port] * 3) as nginx:
            yield nginx, recorder


def over_tls(
    nginx: Proxy,
    method: str,
    path: str,
    *,
    name: str = "",
    host: str = "",
    headers: dict[str, str] | None = None,
    json: object = None,
) -> httpx.Response:
    """A request to the TLS listener as a client that resolved `name` (default: the bot's)
    to it, trusting the test's certificate; `host` overrides the Host header."""
    name = name or nginx.name
    context = ssl.create_default_context(cafile=str(nginx.certificate))
    with httpx.Client(verify=context, timeout=60) as client:
        return client.request(
            method,
            f"https://127.0.0.1:{nginx.https_port}{path}",
            headers={"Host": host or f"{name}:{nginx.https_port}", **(headers or {})},
            json=json,
            extensions={"sni_hostname": name},
        )


def from_address(address: str) -> httpx.Client:
    """A client connecting from another loopback address: a reader elsewhere, to nginx."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=30)


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


# What nginx itself adds


def test_nginx_names_no_version_of_itself(site: Site) -> None:
    # A version in every answer tells a scanner which of nginx's advisories to try.
    for path in ("/", "/api/about", "/metrics"):  # /metrics: nginx's own answer
        assert httpx.get(site.proxy + path, timeout=30).headers["server"] == "nginx", path
    assert over_tls(site.nginx, "GET", "/api/about").headers["server"] == "nginx"


def test_a_request_for_another_host_is_dropped_before_it_reaches_a_replica(
    recorded: tuple[Proxy, Recorder],
) -> None:
    """A DNS-rebinding page makes a reader's browser ask under the page's own name, and
    could read the answers as its own; nginx answers that name nothing at all."""
    nginx, recorder = recorded
    with pytest.raises(httpx.RemoteProtocolError):  # closed without an answer (444)
        httpx.get(f"{nginx.url}/api/about?rebound", headers={"Host": "evil.example"})
    with pytest.raises(httpx.ConnectError):  # TLS for another name: no handshake
        over_tls(nginx, "GET", "/api/about?rebound-tls", name="evil.example")
    with pytest.raises(httpx.RemoteProtocolError):  # the bot's certificate, another Host
        over_tls(nginx, "GET", "/api/about?rebound-host", host="evil.example")
    named = over_tls(nginx, "GET", "/api/about?named")
    assert named.status_code == 200
    assert "/api/about?named" in recorder.paths()
    assert not [p for p in recorder.paths() if "rebound" in p]


def test_a_clients_own_sign_in_and_host_headers_do_not_reach_a_replica(
    recorded: tuple[Proxy, Recorder],
) -> None:
    """The bot takes the reader's name from X-Forwarded-User (ESSAYBOT_USER_HEADER) and
    builds its links from X-Forwarded-Host; only the proxy may say either."""
    nginx, recorder = recorded
    forged = {"X-Forwarded-User": "admin", "X-Forwarded-Host": "evil.example"}
    for scheme, path in [("http", "/api/about?forged"), ("https", "/api/about?forged-tls")]:
        if scheme == "http":
            host = nginx.url.removeprefix("http://")
            answer = httpx.get(f"{nginx.url}{path}", headers=forged, timeout=30)
        else:
            host = f"{nginx.name}:{nginx.https_port}"
            answer = over_tls(nginx, "GET", path, headers=forged)
        assert answer.status_code == 200, path
        (sent,) = [r for r in list(recorder.received) if r.path == path]
        assert sent.header("X-Forwarded-User") == [], path
        assert sent.header("X-Forwarded-Host") == [], path
        assert sent.header("Host") == [host], path
        assert sent.header("X-Forwarded-Proto") == [scheme], path


def test_a_flood_from_one_address_is_answered_429_in_the_bots_error_shape(
    recorded: tuple[Proxy, Recorder],
) -> None:
    """A script asking as fast as it can would take every replica's time from everyone
    else; a page of readers behind one address asks far less than the limit."""
    nginx, recorder = recorded
    before = len(recorder.received)
    started = time.monotonic()
    with from_address("127.0.0.2") as reader:
        answers = [
            reader.post(f"{nginx.url}{QUESTION_ROUTES[i % 4]}", json={"question": QUESTION})
            for i in range(200)
        ]
    took = time.monotonic() - started
    passed = [a for a in answers if a.status_code == 200]
    refused = [a for a in answers if a.status_code == 429]
    assert len(passed) + len(refused) == 200
    # 40 at once, then 10 a second (the site's limit_req), all routes together.
    assert 41 <= len(passed) <= 41 + 10 * took + 1, (len(passed), took)
    assert len(recorder.received) - before == len(passed)  # the rest never reached one
    for answer in refused[:3]:
        assert answer.headers["content-type"] == "application/json"
        assert answer.headers["retry-after"] == "1"
        assert list(answer.json()) == ["error"]
    # This machine's own address is not counted: a sign-in proxy in front of nginx speaks
    # for every reader from it (and tests/test_replicas.py sends 2,000 questions from it).
    with httpx.Client(timeout=30) as local:
        codes = {local.post(f"{nginx.url}/api/ask", json={}).status_code for _ in range(100)}
    assert codes == {200}


def test_too_many_requests_at_once_from_one_address_are_answered_429(
    recorded: tuple[Proxy, Recorder],
) -> None:
    """Requests held open (event streams) tie up replicas as surely as questions do."""
    nginx, recorder = recorded
    transport = httpx.HTTPTransport(
        local_address="127.0.0.3", limits=httpx.Limits(max_connections=240)
    )
    url = f"{nginx.url}/gradio_api/queue/data?session_hash="
    with httpx.Client(transport=transport, timeout=60) as reader, ThreadPoolExecutor(240) as pool:
        answers = list(pool.map(lambda n: reader.get(f"{url}{n}"), range(240)))
    codes = [a.status_code for a in answers]
    # 200 at once (the site's limit_conn); the recorder holds each stream for 5 s.
    assert set(codes) == {200, 429} and recorder.most_held <= 200, (codes, recorder.most_held)
    refused = next(a for a in answers if a.status_code == 429)
    assert list(refused.json()) == ["error"]


def test_the_bot_answers_over_https_by_its_name(site: Site) -> None:
    nginx = site.nginx
    answer = over_tls(nginx, "POST", "/api/ask", json={"question": QUESTION})
    assert answer.status_code == 200, answer.text[:300]
    assert any("Getty Images" in p["text"] for p in answer.json()["passages"])
    # HTTP/2 for browsers that offer it: one connection a reader, not six.
    context = ssl.create_default_context(cafile=str(nginx.certificate))
    context.set_alpn_protocols(["h2", "http/1.1"])
    with (
        socket.create_connection(("127.0.0.1", nginx.https_port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=nginx.name) as tls,
    ):
        assert tls.selected_alpn_protocol() == "h2"


@pytest.fixture(scope="module")
def named_browser(playwright: Playwright) -> Iterator[Browser]:
    """Chromium that finds the bot's name on this machine, as a reader's does by DNS."""
    from .support.browser import chromium

    with chromium(playwright, loopback_names=(documented_name(),)) as browser:
        yield browser


@pytest.mark.browser
def test_the_chat_answers_over_https_by_the_bots_name(named_browser: Browser, site: Site) -> None:
    names = (site.nginx.name,)
    with guarded_page(
        named_browser,
        loopback_names=names,
        ignore_https_errors=True,  # the test's own certificate; httpx checks it above
        viewport={"width": 1280, "height": 900},
    ) as (page, blocked):
        page.goto(site.nginx.https + "/")
        page.locator("#question textarea").fill(QUESTION)
        page.locator("#question textarea").press("Enter")
        expect(page.locator(".message-row blockquote", has_text="Getty Images")).to_be_visible(
            timeout=60_000
        )
        assert blocked.urls == []
