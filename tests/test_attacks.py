"""The security test's attack list, run against the real server with origins locked down.

Every request carries a real host name in `Host` (Gradio trusts any Origin when Host is
localhost, so a loopback Host would hide what a deployment sees). Each test is one
finding of issue 9 and states how the bot answers it now.
"""

from __future__ import annotations

import json
import os
import re
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from bot.embed.batching import MAX_BATCH

from .support.routes import CLOSED
from .support.server import Server, running_server

if TYPE_CHECKING:
    from playwright.sync_api import Playwright

pytestmark = pytest.mark.server

HOST = "bot.intranet.example"
ALLOWED = "https://intranet.example"
FORGED = [
    "https://evil.example",
    "null",
    "https://intranet.example.evil.com",
    "http://intranet.example",
]
TIMEOUT = 2  # the server's --request-timeout, seconds
QUESTION = {"question": "Wer hat Stability AI verklagt?"}


def _locked_down(
    tmp_path_factory: pytest.TempPathFactory,
    index_dir: Path,
    *limits: str,
    open_files: int | None = None,
) -> AbstractContextManager[Server]:
    return running_server(
        tmp_path_factory.mktemp("locked"),
        *("--index-dir", str(index_dir), "--allowed-origins", ALLOWED, "--allowed-hosts", HOST),
        *("--request-timeout", str(TIMEOUT), *limits),
        open_files=open_files,
    )


@pytest.fixture(scope="module")
def locked(tmp_path_factory: pytest.TempPathFactory, shared_index_dir: Path) -> Iterator[Server]:
    """The bot as a page owner locks it down, with small limits so each can be reached."""
    limits = ("--queue-size", "2", "--concurrency", "1")
    with _locked_down(tmp_path_factory, shared_index_dir, *limits) as running:
        yield running


@pytest.fixture(scope="module")
def cramped(tmp_path_factory: pytest.TempPathFactory, shared_index_dir: Path) -> Iterator[Server]:
    """The locked bot in a small container: 256 file handles, 40 connections at once."""
    limits = ("--max-connections", "40")
    with _locked_down(tmp_path_factory, shared_index_dir, *limits, open_files=256) as running:
        yield running


def get(bot: Server, path: str, **headers: str) -> httpx.Response:
    return httpx.get(f"{bot.url}{path}", headers={"Host": HOST, **headers}, timeout=30)


def post(bot: Server, path: str, content: bytes = b"{}", **headers: str) -> httpx.Response:
    headers = {"Host": HOST, "Content-Type": "application/json", **headers}
    return httpx.post(f"{bot.url}{path}", content=content, headers=headers, timeout=30)


def assert_error_shape(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text[:300]
    assert list(response.json()) == ["error"]


def access_control(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.startswith("access-control-")}


# 1. Any website could read the text and use Gradio's API.

READ_ROUTES = ["/", "/config", "/gradio_api/info", "/healthz", "/widget", "/theme.css"]


@pytest.mark.parametrize("origin", FORGED)
@pytest.mark.parametrize("path", READ_ROUTES)
def test_a_forged_origin_is_given_no_cors_header_on_any_route(
    locked: Server, path: str, origin: str
) -> None:
    response = get(locked, path, Origin=origin)
    assert response.status_code == 200
    assert access_control(response) == {}


@pytest.mark.parametrize("origin", FORGED)
@pytest.mark.parametrize("path", ["/api/ask", "/gradio_api/queue/join", "/gradio_api/upload"])
def test_a_forged_origin_is_given_no_cors_header_on_a_post(
    locked: Server, path: str, origin: str
) -> None:
    response = post(locked, path, b'{"question": "Wer hat geklagt?"}', Origin=origin)
    assert access_control(response) == {}


@pytest.mark.parametrize("origin", FORGED)
@pytest.mark.parametrize("path", ["/config", "/api/ask", "/gradio_api/queue/join"])
def test_a_forged_origins_preflight_is_refused_in_the_error_shape(
    locked: Server, path: str, origin: str
) -> None:
    response = httpx.options(
        f"{locked.url}{path}",
        headers={
            "Host": HOST,
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert_error_shape(response, 400)
    assert "origin may not call the bot" in response.json()["error"]
    assert access_control(response) == {}


@pytest.mark.parametrize("path", ["/config", "/gradio_api/info", "/api/ask"])
def test_the_allowed_origin_may_read_without_credentials(locked: Server, path: str) -> None:
    if path == "/api/ask":
        response = post(locked, path, b'{"question": "Wer hat geklagt?"}', Origin=ALLOWED)
    else:
        response = get(locked, path, Origin=ALLOWED)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "access-control-allow-credentials" not in response.headers


def test_every_page_says_which_origins_may_frame_it(locked: Server) -> None:
    for path in ["/", "/widget", "/config", "/healthz", "/gradio_api/upload"]:
        policy = get(locked, path).headers["content-security-policy"]
        assert f"frame-ancestors 'self' {ALLOWED}" in policy, path


# 2. Anonymous uploads, unlimited, never deleted; 4. the routes nobody needs.


@pytest.mark.parametrize(("method", "path"), CLOSED, ids=[f"{m} {p}" for m, p in CLOSED])
def test_a_route_the_chat_does_not_use_is_closed(locked: Server, method: str, path: str) -> None:
    response = httpx.request(
        method,
        f"{locked.url}{path}",
        headers={"Host": HOST, "Content-Type": "application/json"},
        content=b"{}" if method == "POST" else None,
    )
    assert_error_shape(response, 404)


def gradio_dir(bot: Server) -> Path:
    return Path(tempfile.gettempdir()) / f"essaybot-{os.getuid()}" / f"gradio-{bot.process.pid}"


def test_an_upload_is_refused_and_nothing_lands_on_disk(locked: Server) -> None:
    scratch = gradio_dir(locked)
    assert scratch.is_dir()
    before = sorted(scratch.rglob("*"))
    response = httpx.post(
        f"{locked.url}/gradio_api/upload",
        headers={"Host": HOST},
        files={"files": ("big.bin", b"x" * 200_000)},
    )
    assert_error_shape(response, 404)
    assert sorted(scratch.rglob("*")) == before
    assert gradio_dir(locked).stat().st_mode & 0o077 == 0  # private to the bot's user


def test_gradios_directory_is_private_and_removed_at_stop(
    tmp_path: Path, shared_index_dir: Path
) -> None:
    base = Path(tempfile.gettempdir()) / f"essaybot-{os.getuid()}"
    base.mkdir(mode=0o700, exist_ok=True)
    dead = base / "gradio-999999999"  # a replica killed without cleaning up
    (dead / "left-over").mkdir(parents=True, exist_ok=True)
    with running_server(tmp_path, "--index-dir", str(shared_index_dir)) as bot:
        scratch = gradio_dir(bot)
        assert scratch.is_dir()
        assert not dead.exists()
    assert not scratch.exists()


# 3. Nothing capped load.


def test_a_huge_body_is_refused_before_it_is_read(locked: Server) -> None:
    pid = locked.process.pid
    rss_before = _rss_kb(pid)
    for path in ["/gradio_api/queue/join", "/gradio_api/run/predict", "/api/ask", "/config"]:
        response = post(locked, path, b"x" * (50 * 1024 * 1024))
        assert_error_shape(response, 413)
    assert _rss_kb(pid) - rss_before < 50 * 1024  # the 50 MB bodies were never held


def test_a_huge_chunked_body_is_refused_while_it_arrives(locked: Server) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(300):
            yield b"x" * 8192  # 2.4 MB with no Content-Length

    response = httpx.post(
        f"{locked.url}/gradio_api/queue/join",
        content=chunks(),
        headers={"Host": HOST, "Content-Type": "application/json"},
    )
    assert_error_shape(response, 413)


def _rss_kb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]


def _connect(bot: Server) -> socket.socket:
    host, port = bot.url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=30)


def _closed_by_server(sock: socket.socket, trickle: bytes = b"", deadline: float = 30) -> bool:
    """Send `trickle` once a second until the server hangs up or the deadline passes."""
    end = time.monotonic() + deadline
    sock.settimeout(1)
    while time.monotonic() < end:
        try:
            if trickle:
                sock.sendall(trickle)
            if sock.recv(4096) == b"":
                return True
        except TimeoutError:
            continue
        except OSError:
            return True  # reset or broken pipe: hung up
    return False


def test_a_slowloris_request_head_is_cut_off(locked: Server) -> None:
    with _connect(locked) as sock:
        sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\n".encode())
        # One header line a second, forever: the head never completes.
        assert _closed_by_server(sock, trickle=b"X-Slow: yes\r\n", deadline=15 * TIMEOUT)


def test_a_connection_that_says_nothing_is_closed(locked: Server) -> None:
    with _connect(locked) as sock:
        assert _closed_by_server(sock, deadline=15 * TIMEOUT)


def test_a_body_that_stalls_gets_408(locked: Server) -> None:
    with _connect(locked) as sock:
        head = (
            f"POST /api/ask HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
            "Content-Length: 100\r\n\r\n"
        )
        sock.sendall(head.encode() + b'{"question": ')
        sock.settimeout(15 * TIMEOUT)
        # The answer closes the connection; its head and body may come in two segments.
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 408")
    assert b"arrived too slowly" in answer


def test_half_open_connections_neither_exhaust_the_server_nor_flood_its_log(
    cramped: Server,
) -> None:
    sockets = [_connect(cramped) for _ in range(300)]  # past its 256 file handles
    try:
        time.sleep(3 * TIMEOUT)  # every silent connection has been cut off by now
        assert get(cramped, "/healthz").status_code == 200  # and a reader is served again
    finally:
        for sock in sockets:
            sock.close()
    log = cramped.output.read_text(errors="replace")
    assert log.count("Closed a connection that sent no complete request in time") <= 2
    assert log.count("Too many open files") <= 2
    assert len(log.encode()) < 100_000


def test_a_flood_of_refused_connections_is_one_log_line_a_minute(cramped: Server) -> None:
    sockets = [_connect(cramped) for _ in range(45)]  # past --max-connections 40
    try:
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda _: get(cramped, "/healthz").status_code, range(40)))
    finally:
        for sock in sockets:
            sock.close()
    assert 503 in statuses
    assert cramped.output.read_text().count("Exceeded concurrency limit.") <= 2


def _chat_fn_index(bot: Server) -> int:
    config = get(bot, "/config").json()
    (index,) = [d["id"] for d in config["dependencies"] if d["api_name"] == "chat"]
    return int(index)


def test_a_full_chat_queue_says_busy_at_once(locked: Server) -> None:
    fn_index = _chat_fn_index(locked)

    def join(n: int) -> httpx.Response:
        body = {
            "data": [f"Wer hat Stability AI verklagt? ({n})", []],
            "fn_index": fn_index,
            "session_hash": f"flood{n}",
        }
        return httpx.post(
            f"{locked.url}/gradio_api/queue/join",
            json=body,
            headers={"Host": HOST},
            timeout=30,
        )

    with ThreadPoolExecutor(16) as pool:
        responses = list(pool.map(join, range(64)))
    refused = [r for r in responses if r.status_code == 503]
    assert refused, [r.status_code for r in responses]
    assert refused[0].json() == {"error": "The bot is busy; please try again in a moment."}
    assert all(r.status_code in (200, 503) for r in responses)


def test_healthz_answers_during_a_burst_of_questions(locked: Server) -> None:
    """More questions at once than the server answers at once: /healthz must not queue
    behind them. Counted in answers, not seconds: while /healthz is under way, a batch or
    two of questions finish (batching.py); behind the queue, hundreds would."""
    answered = 0
    lock = threading.Lock()

    def ask(n: int) -> None:
        nonlocal answered
        post(locked, "/api/ask", f'{{"question": "Wer hat geklagt? {n}"}}'.encode())
        with lock:
            answered += 1

    with ThreadPoolExecutor(96) as pool:
        for n in range(800):
            pool.submit(ask, n)
        time.sleep(1.0)  # the burst is under way and the worker threads are full
        before = answered
        assert get(locked, "/healthz").status_code == 200
        during = answered - before
        remaining = 800 - answered
    assert remaining > 200  # the burst was still going
    assert during < 2 * MAX_BATCH


def test_the_chat_cannot_skip_the_queue(locked: Server) -> None:
    body = {"data": [QUESTION["question"], []], "fn_index": _chat_fn_index(locked)}
    for path in ["/gradio_api/run/predict", "/gradio_api/run/chat", "/gradio_api/call/chat"]:
        response = post(locked, path, json.dumps(body | {"session_hash": "skip"}).encode())
        assert_error_shape(response, 404)


def test_a_body_that_trickles_in_is_cut_off_as_a_whole(locked: Server) -> None:
    with _connect(locked) as sock:
        head = (
            f"POST /api/ask HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
            "Content-Length: 1000\r\n\r\n"
        )
        sock.sendall(head.encode())
        sock.settimeout(TIMEOUT / 2)
        answer = b""
        for _ in range(60):  # a byte every half timeout: each piece on time, forever
            try:
                sock.sendall(b" ")
                answer += sock.recv(4096)
                if answer:
                    break
            except TimeoutError:
                continue
            except OSError:
                break
    assert answer.startswith(b"HTTP/1.1 408")


@pytest.mark.parametrize("fn_index", ["999", "-1", '"abc"', "1.5", 'null, "data": 5'])
def test_a_request_for_no_function_of_the_chat_is_a_4xx(locked: Server, fn_index: str) -> None:
    body = f'{{"data": [], "fn_index": {fn_index}, "session_hash": "x"}}'.encode()
    for path in ["/gradio_api/run/predict", "/gradio_api/queue/join"]:
        assert_error_shape(post(locked, path, body), 422)


def test_a_malformed_call_of_a_real_function_is_a_4xx(locked: Server) -> None:
    config = get(locked, "/config").json()
    unqueued = [d["id"] for d in config["dependencies"] if not d["queue"] and d["backend_fn"]]
    for fn_index in unqueued:
        body = json.dumps({"data": [], "fn_index": fn_index, "session_hash": "x"}).encode()
        response = post(locked, "/gradio_api/run/predict", body)
        assert response.status_code < 500, (fn_index, response.text)


# 4. Low findings.


def test_a_failing_chat_call_tells_the_client_nothing_of_the_failure(locked: Server) -> None:
    body = {"data": [None, None], "fn_index": _chat_fn_index(locked), "session_hash": "t1"}
    joined = post(locked, "/gradio_api/queue/join", json.dumps(body).encode())
    assert joined.status_code == 200
    events = httpx.get(
        f"{locked.url}/gradio_api/queue/data",
        params={"session_hash": "t1"},
        headers={"Host": HOST},
        timeout=30,
    ).text
    (completed,) = [
        json.loads(line.removeprefix("data: "))
        for line in events.splitlines()
        if "process_completed" in line
    ]
    assert completed["success"] is False
    assert completed["output"]["error"] is None  # the exception's text stays in the log


def test_a_malformed_chat_request_is_not_echoed_back(locked: Server) -> None:
    response = post(locked, "/gradio_api/run/predict", b'{"data": "<b>x</b>", "fn_index": "abc"}')
    assert_error_shape(response, 422)
    assert "<b>x</b>" not in response.text and "abc" not in response.text


def test_a_question_of_digits_names_nothing(locked: Server) -> None:
    response = post(locked, "/api/ask", b'{"question": "12345"}')
    assert_error_shape(response, 422)


def test_a_cross_site_simple_post_does_not_run(locked: Server) -> None:
    # What a page on another site can send without a preflight: text/plain, forms.
    for content_type in ["text/plain", "application/x-www-form-urlencoded"]:
        for path in ["/api/ask", "/gradio_api/queue/join", "/gradio_api/run/predict"]:
            response = post(locked, path, b'{"question": "x"}', **{"Content-Type": content_type})
            assert_error_shape(response, 415)


def test_the_server_made_no_connection_off_this_machine(locked: Server) -> None:
    # After the file= and proxy= URLs above: the server fetched nothing.
    assert locked.outside_connections() == []


# In a browser: what a stranger's page can read.

STRANGER = "stranger.example"
_READ_FROM_PAGE = """async ([bot, path, method]) => {
  try {
    const init = method === "POST"
      ? {method, headers: {"Content-Type": "application/json"},
         body: JSON.stringify({question: "Wer hat Stability AI verklagt?"})}
      : {};
    const response = await fetch(bot + path, init);
    return (await response.text()).slice(0, 200000);
  } catch (e) { return "refused"; }
}"""
_SIMPLE_POST = """async bot => {
  await fetch(bot + "/api/ask", {method: "POST", mode: "no-cors",
    headers: {"Content-Type": "text/plain"},
    body: JSON.stringify({question: "Wer hat Stability AI verklagt? (simple post)"})});
  return "sent";
}"""
READS = [("/config", "GET"), ("/gradio_api/info", "GET"), ("/api/ask", "POST")]


@pytest.fixture(scope="module")
def named_browser(playwright: Playwright) -> Iterator[object]:
    from .support.browser import chromium

    with chromium(playwright, loopback_names=(HOST, STRANGER)) as browser:
        yield browser


@pytest.fixture(scope="module")
def stranger_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from .support.pages import static_site

    site = tmp_path_factory.mktemp("stranger")
    (site / "index.html").write_text("<!doctype html><title>A stranger's page</title>")
    with static_site(site) as port:
        yield f"http://{STRANGER}:{port}/index.html"


def _read_as_stranger(
    browser: object, page_url: str, bot: Server, name: str = HOST
) -> dict[str, str]:
    """What a stranger's page reads of the bot, called by `name`."""
    from playwright.sync_api import Browser

    from .support.browser import guarded_page

    assert isinstance(browser, Browser)
    bot_url = bot.url.replace("127.0.0.1", name)
    with guarded_page(browser, loopback_names=(HOST, STRANGER)) as (page, blocked):
        page.goto(page_url)
        read = {p: page.evaluate(_READ_FROM_PAGE, [bot_url, p, m]) for p, m in READS}
        page.evaluate(_SIMPLE_POST, bot_url)
        assert blocked.urls == []
    return read


@pytest.mark.browser
def test_a_strangers_page_cannot_read_the_locked_bot(
    named_browser: object, stranger_site: str, locked: Server
) -> None:
    refused_posts = locked.output.read_text().count("POST /api/ask 415 ")
    read = _read_as_stranger(named_browser, stranger_site, locked)
    assert read == {path: "refused" for path, _ in READS}
    # The simple post, which needs no preflight, reached the server and did not run.
    log = locked.output.read_text()
    assert log.count("POST /api/ask 415 ") == refused_posts + 1


@pytest.mark.browser
def test_a_strangers_page_can_read_the_bot_when_origins_are_open(
    named_browser: object, stranger_site: str, bot: Server
) -> None:
    read = _read_as_stranger(named_browser, stranger_site, bot, name="127.0.0.1")
    assert "Klage gegen Getty Images" in read["/config"]  # the essay itself
    assert '"named_endpoints"' in read["/gradio_api/info"]
    assert json.loads(read["/api/ask"])["found"] is True


@pytest.mark.browser
def test_a_page_that_calls_the_bot_by_its_own_name_reads_nothing(
    named_browser: object, stranger_site: str, bot: Server
) -> None:
    """DNS rebinding: the page's name made to point at the bot. Origins are open here, so
    only the bot's host names (loopback ones, as it binds to loopback) stand between."""
    read = _read_as_stranger(named_browser, stranger_site, bot, name=HOST)
    for path, text in read.items():
        assert "ESSAYBOT_ALLOWED_HOSTS" in text, path
        assert "Getty" not in text and "named_endpoints" not in text, path
