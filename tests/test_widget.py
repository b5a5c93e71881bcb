"""The widget on an intranet page of another origin, with the internet cut off.

Every test drives Debian's Chromium; every request to a host that is not loopback is
blocked and recorded, and must never happen.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, FrameLocator, Locator, Page, expect

from .support.browser import guarded_page
from .support.pages import intranet_page, reverse_proxy, static_site
from .support.server import Server, running_server

pytestmark = pytest.mark.browser

QUESTION = "Wer hat Stability AI verklagt?"
GETTY = "Das Unternehmen muss sich nun mit der Klage gegen Getty Images auseinandersetzen"
ANSWER_TIMEOUT = 60_000


def launcher(page: Page) -> Locator:
    return page.get_by_role("button", name="Fragen zum Essay")


def widget_frame(page: Page) -> FrameLocator:
    return page.frame_locator("[data-essaybot-widget] >> iframe")


def ask_in(frame: FrameLocator, question: str) -> None:
    frame.get_by_role("textbox").fill(question)
    frame.get_by_role("textbox").press("Enter")


def test_the_launcher_opens_the_widget_which_quotes_the_essay(
    browser: Browser, intranet: str, artifacts: Path
) -> None:
    with guarded_page(browser, viewport={"width": 1280, "height": 900}) as (page, blocked):
        page.goto(intranet)
        launcher(page).click()
        frame = widget_frame(page)
        ask_in(frame, QUESTION)
        quote = frame.locator("blockquote", has_text="Getty Images")
        expect(quote).to_be_visible(timeout=ANSWER_TIMEOUT)
        expect(quote).to_contain_text(GETTY)
        expect(quote.get_by_role("link")).to_have_text("Absatz 8 · Mögliche Hürden")
        expect(quote.get_by_role("link")).to_have_attribute(
            "href", "./#open-source-grundlagenmodelle-p8"
        )
        page.screenshot(path=str(artifacts / "widget.png"))
        # The host page's loud button style stopped at the shadow root.
        font = launcher(page).evaluate("b => getComputedStyle(b).fontSize")
        assert font == "15px"
        assert blocked.urls == []


def test_the_widget_says_how_sure_each_answer_is(browser: Browser, intranet: str) -> None:
    with guarded_page(browser) as (page, blocked):
        page.goto(intranet)
        launcher(page).click()
        frame = widget_frame(page)
        for question in (QUESTION, "Wann wurde Stability AI gegründet?", "Wie spät ist es?"):
            ask_in(frame, question)
            expect(frame.locator(".answer[aria-busy]")).to_have_count(0, timeout=ANSWER_TIMEOUT)
        answers = frame.locator(".answer")
        expect(answers.nth(0).locator(".status")).to_have_text("Antwort")
        expect(answers.nth(1).locator(".status")).to_have_text("Nur verwandt")
        expect(answers.nth(1).locator("blockquote").first).to_be_visible()
        expect(answers.nth(2).locator(".status")).to_have_text("Keine Antwort")
        expect(answers.nth(2).locator("blockquote")).to_have_count(0)
        assert blocked.urls == []


def test_the_conversation_survives_a_reload(browser: Browser, intranet: str) -> None:
    with guarded_page(browser) as (page, blocked):
        page.goto(intranet)
        launcher(page).click()
        ask_in(widget_frame(page), "Was hat Meta gemacht?")
        expect(widget_frame(page).locator("blockquote").first).to_be_visible(timeout=ANSWER_TIMEOUT)
        page.reload()
        launcher(page).click()
        expect(widget_frame(page).get_by_text("Was hat Meta gemacht?")).to_be_visible()
        # A follow-up in the restored conversation leans on it.
        ask_in(widget_frame(page), "Und bleibt Meta dabei?")
        expect(
            widget_frame(page).locator("blockquote", has_text="Metas Gegenentwurf").last
        ).to_be_visible(timeout=ANSWER_TIMEOUT)
        assert blocked.urls == []


def test_keyboard_only_tab_enter_escape(browser: Browser, intranet: str) -> None:
    with guarded_page(browser) as (page, blocked):
        page.goto(intranet)
        for _ in range(40):
            page.keyboard.press("Tab")
            if launcher(page).evaluate("b => b.matches(':focus')"):
                break
        else:
            pytest.fail("Tab never reached the launcher")
        page.keyboard.press("Enter")
        frame = widget_frame(page)
        expect(frame.get_by_role("textbox")).to_be_focused()
        page.keyboard.type(QUESTION)
        page.keyboard.press("Enter")
        expect(frame.locator("blockquote", has_text="Getty Images")).to_be_visible(
            timeout=ANSWER_TIMEOUT
        )
        page.keyboard.press("Escape")
        expect(page.get_by_role("dialog")).to_be_hidden()
        assert launcher(page).evaluate("b => b.matches(':focus')")
        assert blocked.urls == []


def test_a_hostile_question_shows_as_text_and_a_rejected_one_blocks_nothing(
    browser: Browser, intranet: str
) -> None:
    with guarded_page(browser) as (page, blocked):
        page.goto(intranet)
        launcher(page).click()
        frame = widget_frame(page)
        hostile = '<img src=x onerror="window.__pwned=1"> Wer?'
        ask_in(frame, hostile)
        expect(frame.get_by_text(hostile)).to_be_visible()  # as text, not as an element
        expect(frame.locator(".answer[aria-busy]")).to_have_count(0, timeout=ANSWER_TIMEOUT)
        assert frame.locator("img").count() == 0
        ask_in(frame, "???")
        expect(frame.locator(".answer").last).to_contain_text(
            "keine Wörter", timeout=ANSWER_TIMEOUT
        )  # the widget speaks German, and so do its errors
        ask_in(frame, QUESTION)  # the rejected question does not poison the history
        last_answer = frame.locator(".answer").last
        expect(last_answer.locator("blockquote", has_text="Getty Images")).to_be_visible(
            timeout=ANSWER_TIMEOUT
        )
        assert all(f.evaluate("window.__pwned") is None for f in page.frames)
        assert blocked.urls == []


def test_the_plain_iframe_form_works_without_a_script(browser: Browser, intranet: str) -> None:
    with guarded_page(browser, java_script_enabled=True) as (page, blocked):
        page.goto(intranet)
        frame = page.frame_locator("main > iframe")
        ask_in(frame, QUESTION)
        expect(frame.locator("blockquote", has_text="Getty Images")).to_be_visible(
            timeout=ANSWER_TIMEOUT
        )
        assert blocked.urls == []


def test_on_a_phone_the_panel_fills_the_screen(browser: Browser, intranet: str) -> None:
    with guarded_page(browser, viewport={"width": 375, "height": 667}) as (page, _):
        page.goto(intranet)
        launcher(page).click()
        box = page.get_by_role("dialog").bounding_box()
        assert box == {"x": 0, "y": 0, "width": 375, "height": 667}


def test_two_widgets_on_one_page_do_not_clash(
    browser: Browser, bot: Server, tmp_path: Path
) -> None:
    page_html = (
        "<!doctype html><title>two</title><body>"
        f'<script src="{bot.url}/embed.js" data-id="a" data-title="Erster"></script>'
        f'<script src="{bot.url}/embed.js" data-id="b" data-title="Zweiter" data-lang="en">'
        "</script></body>"
    )
    (tmp_path / "two.html").write_text(page_html)
    with static_site(tmp_path) as port, guarded_page(browser) as (page, blocked):
        page.goto(f"http://localhost:{port}/two.html")
        first = page.frame_locator("[data-essaybot-widget=a] >> iframe")
        second = page.frame_locator("[data-essaybot-widget=b] >> iframe")
        page.get_by_role("button", name="Erster").click()
        ask_in(first, QUESTION)
        expect(first.locator("blockquote").first).to_be_visible(timeout=ANSWER_TIMEOUT)

        page.get_by_role("button", name="Zweiter").click()  # opening one shuts the other
        expect(page.get_by_role("dialog", name="Erster")).to_be_hidden()
        expect(second.get_by_role("button", name="Ask")).to_be_visible()  # its own language
        expect(second.locator("blockquote")).to_have_count(0)  # its own conversation

        page.get_by_role("button", name="Erster").click()
        expect(first.locator("blockquote").first).to_be_visible()
        assert blocked.urls == []


def test_locked_down_origins_refuse_other_pages(
    browser: Browser, shared_index_dir: Path, tmp_path: Path
) -> None:
    allowed_site, other_site = tmp_path / "allowed", tmp_path / "other"
    with static_site(allowed_site) as allowed_port, static_site(other_site) as other_port:
        allowed = f"http://localhost:{allowed_port}"
        with running_server(
            tmp_path, "--index-dir", str(shared_index_dir), "--allowed-origins", allowed
        ) as bot:
            intranet_page(allowed_site, bot.url)
            intranet_page(other_site, bot.url)
            with guarded_page(browser) as (page, blocked):
                page.goto(f"{allowed}/intranet.html")
                frame = page.frame_locator("main > iframe")
                expect(frame.get_by_role("textbox")).to_be_visible()
                assert page.evaluate(_FETCH, bot.url) == 200

                page.goto(f"http://localhost:{other_port}/intranet.html")
                frame = page.frame_locator("main > iframe")
                page.wait_for_timeout(500)
                expect(frame.get_by_role("textbox")).to_have_count(0)  # framing refused
                assert page.evaluate(_FETCH, bot.url) == "blocked"  # CORS refused
                assert blocked.urls == []
            refused = httpx.options(
                f"{bot.url}/api/ask",
                headers={"Origin": "http://localhost:1", "Access-Control-Request-Method": "POST"},
            )
            assert refused.status_code == 400
            assert "access-control-allow-origin" not in refused.headers
            assert "origin may not call the bot" in refused.json()["error"]


_FETCH = """async bot => {
  try {
    const r = await fetch(bot + "/api/ask", {method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({question: "Wer hat geklagt?"})});
    return r.status;
  } catch (e) { return "blocked"; }
}"""


def test_the_widget_works_behind_a_proxy_at_a_sub_path(
    browser: Browser, shared_index_dir: Path, tmp_path: Path
) -> None:
    with (
        running_server(
            tmp_path, "--index-dir", str(shared_index_dir), "--root-path", "/bot"
        ) as bot,
        reverse_proxy("/bot", bot.url) as proxy_port,
    ):
        proxied = f"http://127.0.0.1:{proxy_port}/bot"
        site = tmp_path / "site"
        intranet_page(site, proxied)
        with static_site(site) as port, guarded_page(browser) as (page, blocked):
            page.goto(f"http://localhost:{port}/intranet.html")
            launcher(page).click()
            frame = widget_frame(page)
            ask_in(frame, QUESTION)
            expect(frame.locator("blockquote", has_text="Getty Images")).to_be_visible(
                timeout=ANSWER_TIMEOUT
            )
            assert blocked.urls == []
        # The full chat page behind the proxy loads its own assets under the sub-path.
        assert httpx.get(f"{proxied}/healthz").json()["status"] == "ok"
        assert "/bot/" in httpx.get(f"{proxied}/").text


def test_the_bot_behind_the_widgets_made_no_outside_connection(bot: Server) -> None:
    # Module order: after every widget test above has used this server.
    assert bot.outside_connections() == []


def test_make_demo_embed_points_its_page_at_the_port_it_serves_the_bot_on(
    browser: Browser, tmp_path: Path
) -> None:
    """`make demo-embed PORT=... DEMO_PORT=...`: the sample page follows the bot's port,
    and make prints where to go, not its shell recipe."""
    import os
    import signal
    import subprocess
    import time

    from .support.server import PROJECT, free_port

    port, demo_port = free_port(), free_port()
    output = tmp_path / "make.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESSAYBOT_")}
    env["ESSAYBOT_INDEX_DIR"] = str(tmp_path / "index")
    with output.open("w") as log:
        settings = [f"PORT={port}", f"DEMO_PORT={demo_port}", f"DEMO_DIR={tmp_path / 'demo'}"]
        demo = subprocess.Popen(
            ["make", "--no-print-directory", "-C", str(PROJECT), "demo-embed", *settings],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        page_url = f"http://localhost:{demo_port}/intranet.html"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).is_success
                if ready and httpx.get(page_url, timeout=2).is_success:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        html = httpx.get(page_url, timeout=5).text
        assert f"http://127.0.0.1:{port}/embed.js" in html
        assert f"http://127.0.0.1:{port}/widget?lang=de" in html
        assert ":7860" not in html
        with guarded_page(browser, viewport={"width": 1280, "height": 900}) as (page, blocked):
            page.goto(page_url)
            launcher(page).click()
            ask_in(widget_frame(page), QUESTION)
            expect(widget_frame(page).locator("blockquote", has_text="Getty Images")).to_be_visible(
                timeout=ANSWER_TIMEOUT
            )
            assert blocked.urls == []
        printed = output.read_text()
        assert f"Sample intranet page: {page_url}" in printed
        assert "trap" not in printed and "essaybot serve" not in printed
    finally:
        os.killpg(demo.pid, signal.SIGTERM)
        demo.wait(30)


def test_the_widget_greets_and_offers_questions_the_text_answers(
    browser: Browser, intranet: str
) -> None:
    with guarded_page(browser) as (page, blocked):
        page.goto(intranet)
        launcher(page).click()
        frame = widget_frame(page)
        expect(frame.get_by_text("Hallo! Ich antworte mit den Worten des Textes")).to_be_visible()
        examples = frame.locator(".examples button")
        expect(examples.first).to_be_visible()
        assert 1 <= examples.count() <= 3
        first = examples.first.inner_text()
        examples.first.click()
        expect(frame.locator(".question")).to_have_text(first)
        answer = frame.locator(".answer").last
        expect(answer.locator(".status")).to_have_text("Antwort", timeout=ANSWER_TIMEOUT)
        expect(frame.locator(".greeting")).to_have_count(0)  # the conversation has begun
        frame.get_by_role("button", name="Neu").click()
        expect(frame.locator(".greeting .examples button")).to_have_count(examples.count())
        assert blocked.urls == []


def test_the_widget_marks_sentences_as_the_chat_does(
    browser: Browser, bot: Server, intranet: str
) -> None:
    def mark_look(element: Locator) -> list[str]:
        look = element.evaluate(
            "e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).boxShadow]"
        )
        return [str(part) for part in look]

    with guarded_page(browser) as (page, _):
        page.goto(bot.url + "/")
        page.locator("#question textarea").fill(QUESTION)
        page.locator("#question textarea").press("Enter")
        chat_mark = page.locator(".message-row blockquote strong").first
        expect(chat_mark).to_be_visible(timeout=ANSWER_TIMEOUT)
        in_chat = mark_look(chat_mark)
        page.goto(intranet)
        launcher(page).click()
        ask_in(widget_frame(page), QUESTION)
        widget_mark = widget_frame(page).locator("blockquote mark").first
        expect(widget_mark).to_be_visible(timeout=ANSWER_TIMEOUT)
        assert (
            mark_look(widget_mark)
            == in_chat
            == [
                "rgb(255, 241, 166)",
                "rgb(212, 167, 44) 0px -2px 0px 0px inset",
            ]
        )


def test_the_plain_iframe_never_takes_the_focus_or_scrolls_the_page(
    browser: Browser, intranet: str
) -> None:
    """The page owner's own iframe loads with the page; a reader who has not touched it
    keeps the page as it was: scrolled to the top, the focus on the page."""
    with guarded_page(browser, viewport={"width": 1280, "height": 600}) as (page, _):
        for _ in range(4):
            page.goto(intranet)
            frame = page.frame_locator("main > iframe")
            expect(frame.locator(".greeting .examples button").first).to_be_visible()
            page.wait_for_timeout(300)
            assert page.evaluate("window.scrollY") == 0
            assert page.evaluate("document.activeElement.tagName") == "BODY"
        # Opened by the reader, the launcher's widget does take the focus.
        launcher(page).click()
        expect(widget_frame(page).get_by_role("textbox")).to_be_focused()


def test_a_quote_is_copied_with_its_citation_and_link(browser: Browser, bot: Server) -> None:
    with guarded_page(browser, permissions=["clipboard-read", "clipboard-write"]) as (page, _):
        page.goto(bot.url + "/widget?lang=de")
        page.get_by_role("textbox", name="Frage").fill(QUESTION)
        page.get_by_role("textbox", name="Frage").press("Enter")
        quote = page.locator("blockquote", has_text="Getty Images")
        expect(quote).to_be_visible(timeout=ANSWER_TIMEOUT)
        quote.get_by_role("button", name="Kopieren").click()
        expect(quote.get_by_role("button", name="Kopiert")).to_be_visible()
        copied = page.evaluate("navigator.clipboard.readText()")
        text = quote.locator(".text").inner_text()
        assert copied == (
            f"„{text}“\n— Open-source-grundlagenmodelle, Absatz 8 · Mögliche Hürden\n"
            f"{bot.url}/#open-source-grundlagenmodelle-p8"
        )


@pytest.mark.parametrize(
    ("lang", "told"),
    [
        ("de", "Die Frage konnte nicht beantwortet werden."),
        ("en", "The question could not be answered."),
    ],
)
def test_a_bot_that_went_away_is_told_in_the_widgets_language(
    browser: Browser, shared_index_dir: Path, tmp_path: Path, lang: str, told: str
) -> None:
    with (
        running_server(tmp_path, "--index-dir", str(shared_index_dir)) as gone,
        guarded_page(browser) as (page, _),
    ):
        page.goto(f"{gone.url}/widget?lang={lang}")
        expect(page.locator(".greeting")).to_be_visible()
        gone.process.terminate()
        gone.process.wait(timeout=15)
        page.get_by_role("textbox").fill(QUESTION)
        page.get_by_role("textbox").press("Enter")
        expect(page.locator(".answer .error")).to_have_text(told, timeout=ANSWER_TIMEOUT)
