"""The chat in a real Chromium: ask, see the quote, follow it into the text; nothing external."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from .support.browser import guarded_page
from .support.server import Server, running_server

pytestmark = pytest.mark.browser

ANSWER_TIMEOUT = 60_000


def ask_in_chat(page: Page, question: str) -> None:
    # Gradio clears the placeholder after the first message; the element id stays.
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")


def test_asking_in_the_chat_shows_the_getty_images_quote(
    browser: Browser, bot: Server, artifacts: Path
) -> None:
    with guarded_page(browser, viewport={"width": 1280, "height": 900}) as (page, blocked):
        page.goto(bot.url + "/")
        ask_in_chat(page, "Wer hat Stability AI verklagt?")
        quote = page.locator(".message-row blockquote", has_text="Klage gegen Getty Images")
        expect(quote).to_be_visible(timeout=ANSWER_TIMEOUT)
        expect(quote).to_contain_text(
            "Das Unternehmen muss sich nun mit der Klage gegen Getty Images auseinandersetzen"
        )
        expect(page.locator(".message-row strong").first).to_be_visible()
        page.screenshot(path=str(artifacts / "chat.png"), full_page=True)

        page.get_by_role("link", name="Absatz 8 · Mögliche Hürden").click()
        expect(page).to_have_url(bot.url + "/#open-source-grundlagenmodelle-p8")
        target = page.locator("#open-source-grundlagenmodelle-p8")
        expect(target).to_be_in_viewport()
        expect(target).to_contain_text("Klage gegen Getty Images")
        assert blocked.urls == []


def test_an_off_topic_question_gets_a_plain_refusal(browser: Browser, bot: Server) -> None:
    with guarded_page(browser) as (page, blocked):
        page.goto(bot.url + "/")
        ask_in_chat(page, "What is the capital of France?")
        expect(page.get_by_text("The text says nothing about that.")).to_be_visible(
            timeout=ANSWER_TIMEOUT
        )
        expect(page.locator(".message-row .status-silent")).to_have_text("No answer")
        assert blocked.urls == []


def test_the_chat_labels_an_answer_that_is_only_related(browser: Browser, bot: Server) -> None:
    with guarded_page(browser) as (page, blocked):
        page.goto(bot.url + "/")
        ask_in_chat(page, "Wann wurde Stability AI gegründet?")
        label = page.locator(".message-row .status-related")
        expect(label).to_have_text("Nur verwandt", timeout=ANSWER_TIMEOUT)
        expect(page.get_by_text("Der Text beantwortet das nicht direkt")).to_be_visible()
        # The label has its own colours: not the answer's, not the text's.
        assert label.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 241, 194)"
        assert blocked.urls == []


HOSTILE = (
    "Sicherheit\n"
    'Der Wachhund <img src=x onerror="window.__pwned=1"> bellt laut im Garten, '
    "und <script>window.__pwned=2</script> niemand **hört** ihn.\n"
)


def test_html_in_the_text_is_shown_as_text_never_run(browser: Browser, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "hund.txt").write_text(HOSTILE, encoding="utf-8")
    with (
        running_server(
            tmp_path,
            "--seeds",
            str(seeds),
            "--index-dir",
            str(tmp_path / "index"),
            "--threshold",
            "0",
        ) as hostile_bot,
        guarded_page(browser) as (page, _),
    ):
        page.goto(hostile_bot.url + "/")
        expect(page.locator("#hund-p1")).to_contain_text('<img src=x onerror="window.__pwned=1">')
        ask_in_chat(page, "Bellt der Wachhund im Garten?")
        quote = page.locator(".message-row blockquote", has_text="Wachhund")
        expect(quote).to_be_visible(timeout=ANSWER_TIMEOUT)
        expect(quote).to_contain_text("<script>window.__pwned=2</script>")
        expect(quote).to_contain_text("**hört**")
        assert page.evaluate("window.__pwned") is None
        assert page.locator(".message-row img, #essay img").count() == 0


def test_a_follow_up_in_the_chat_leans_on_the_earlier_question(
    browser: Browser, bot: Server
) -> None:
    with guarded_page(browser) as (page, blocked):
        page.goto(bot.url + "/")
        ask_in_chat(page, "Was hat Meta gemacht?")
        expect(page.locator(".message-row blockquote").first).to_be_visible(timeout=ANSWER_TIMEOUT)
        ask_in_chat(page, "Und bleibt Meta dabei?")
        # The second answer's first quote is the Meta paragraph, read in context.
        answers = page.locator(".message-row.bot-row, .message-row:has(blockquote)")
        expect(
            page.locator(".message-row blockquote", has_text="Metas Gegenentwurf")
        ).to_have_count(2, timeout=ANSWER_TIMEOUT)
        assert answers.count() >= 2
        assert blocked.urls == []


def test_every_request_of_the_chat_page_passes_the_gate(browser: Browser, bot: Server) -> None:
    """The gate opens only what the page uses: asking, an example, retry, undo, clear and a
    reload must meet no refusal (gate.py's list was read off this page)."""
    refused: list[str] = []
    with guarded_page(browser, viewport={"width": 1280, "height": 900}) as (page, blocked):
        page.on(
            "response",
            lambda r: (
                refused.append(f"{r.status} {r.request.method} {r.url}")
                if r.status >= 400
                else None
            ),
        )
        page.goto(bot.url + "/")
        page.get_by_role("button", name="Was ist ein Grundlagenmodell?").click()
        answers = page.locator(".message-row blockquote")
        expect(answers.first).to_be_visible(timeout=ANSWER_TIMEOUT)
        getty = page.locator(".message-row", has_text="Klage gegen Getty Images")
        ask_in_chat(page, "Wer hat Stability AI verklagt?")
        expect(getty.first).to_be_visible(timeout=ANSWER_TIMEOUT)
        page.get_by_role("button", name="Retry").click()
        expect(getty.first).to_be_visible(timeout=ANSWER_TIMEOUT)
        page.get_by_role("button", name="Undo").click()
        expect(getty).to_have_count(0)
        page.get_by_role("button", name="Clear").click()
        page.reload()
        ask_in_chat(page, "Was kostet ein Grundlagenmodell?")
        expect(answers.first).to_be_visible(timeout=ANSWER_TIMEOUT)
        assert blocked.urls == []
    assert refused == []
