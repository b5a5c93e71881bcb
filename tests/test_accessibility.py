"""The chat, the widget and the sample intranet page with the widget open, checked by
axe-core in Chromium: no serious or critical violation; the keyboard alone works in the
chat; and what a reader sees is photographed on every run, at desktop and phone width
(artifacts/screenshots/; `make screenshots` takes the README's, docs/screenshots/)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Frame, Page, expect

from .conftest import PROJECT
from .support.browser import guarded_page
from .support.server import Server

pytestmark = pytest.mark.browser

QUESTION = "Wer hat Stability AI verklagt?"
# The README's own example, answered right first: what a new reader sees in its pictures.
SHOWN_QUESTION = "Mit welcher Klage muss sich Stability AI auseinandersetzen?"
ANSWER_TIMEOUT = 60_000
# Into artifacts/ (ignored) on every run; `make screenshots` points this at docs/screenshots/
# for the README, so a test run leaves the checkout as it was.
SCREENSHOTS = Path(os.environ.get("SCREENSHOTS_DIR") or PROJECT / "artifacts" / "screenshots")
BLOCKING = ("serious", "critical")


@pytest.fixture(scope="module", autouse=True)
def fresh_summary(artifacts: Path) -> None:
    (artifacts / "axe.txt").write_text("axe-core violations, by page\n", encoding="utf-8")


def axe_violations(target: Page | Frame, where: str, artifacts: Path) -> list[dict[str, Any]]:
    """axe-core's violations on the page or frame as it stands; every one, of any impact,
    is written to artifacts/axe.txt, the run's summary. Checked once Gradio has drawn
    what the page loads: a part still loading is drawn at 20 % opacity and fades in over
    0.15 s once loaded; axe measuring mid-fade sees grey text (failed CI once)."""
    target.wait_for_function(
        "() => !document.querySelector('.pending') && !document.getAnimations()"
        ".some(a => a instanceof CSSTransition && a.playState === 'running')"
    )
    violations: list[dict[str, Any]] = Axe().run(target).response["violations"]
    with (artifacts / "axe.txt").open("a", encoding="utf-8") as summary:
        summary.write(f"{where}: {len(violations)} violation(s)\n")
        for violation in violations:
            targets = [node["target"] for node in violation["nodes"][:3]]
            summary.write(f"  {violation['impact']}: {violation['id']} {targets}\n")
    return [v for v in violations if v["impact"] in BLOCKING]


def ask_in_chat(page: Page, question: str) -> None:
    page.locator("#question textarea").fill(question)
    page.locator("#question textarea").press("Enter")
    expect(page.locator(".message-row blockquote").first).to_be_visible(timeout=ANSWER_TIMEOUT)


def test_the_chat_has_no_serious_accessibility_violation(
    browser: Browser, bot: Server, artifacts: Path
) -> None:
    with guarded_page(browser, viewport={"width": 1280, "height": 900}) as (page, _):
        page.goto(bot.url + "/")
        expect(page.locator("#essay .paragraph").first).to_be_visible()
        assert axe_violations(page, "/ (empty)", artifacts) == []
        ask_in_chat(page, QUESTION)
        ask_in_chat(page, "Wann wurde Stability AI gegründet?")
        page.wait_for_timeout(500)
        assert axe_violations(page, "/ (two answers)", artifacts) == []


def test_the_widget_has_no_serious_accessibility_violation(
    browser: Browser, bot: Server, artifacts: Path
) -> None:
    with guarded_page(browser, viewport={"width": 390, "height": 844}) as (page, _):
        page.goto(bot.url + "/widget?lang=de")
        expect(page.locator(".greeting .examples button").first).to_be_visible()
        assert axe_violations(page, "/widget (greeting)", artifacts) == []
        page.get_by_role("textbox", name="Frage").fill(QUESTION)
        page.get_by_role("textbox", name="Frage").press("Enter")
        answer = page.locator(".answer").last
        expect(answer.locator(".status")).to_be_visible(timeout=ANSWER_TIMEOUT)
        answer.get_by_role("button", name="Nein").click()
        assert axe_violations(page, "/widget (answer, vote)", artifacts) == []


def test_the_intranet_page_with_the_widget_open_has_no_serious_violation(
    browser: Browser, intranet: str, artifacts: Path
) -> None:
    with guarded_page(browser, viewport={"width": 1280, "height": 900}) as (page, _):
        page.goto(intranet)
        page.get_by_role("button", name="Fragen zum Essay").click()
        frame = page.frame_locator("[data-essaybot-widget] >> iframe")
        frame.get_by_role("textbox").fill(QUESTION)
        frame.get_by_role("textbox").press("Enter")
        expect(frame.locator("blockquote").first).to_be_visible(timeout=ANSWER_TIMEOUT)
        assert axe_violations(page, "intranet page, launcher open", artifacts) == []
        widget = next(f for f in page.frames if "panel=1" in f.url)
        assert axe_violations(widget, "intranet page, the launcher's widget", artifacts) == []


def test_the_chat_works_by_keyboard_alone(browser: Browser, bot: Server) -> None:
    with guarded_page(browser, viewport={"width": 1280, "height": 900}) as (page, _):
        page.goto(bot.url + "/")
        expect(page.locator("#question textarea")).to_be_visible()
        for _ in range(40):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.closest('#question') !== null"):
                break
        expect(page.locator("#question textarea")).to_be_focused()
        page.keyboard.type(QUESTION)
        page.keyboard.press("Enter")
        expect(page.locator(".message-row blockquote").first).to_be_visible(timeout=ANSWER_TIMEOUT)
        # Back through the page to the answer's thumb, then a comment, all by keyboard.
        for _ in range(60):
            page.keyboard.press("Shift+Tab")
            label = page.evaluate("document.activeElement.getAttribute('aria-label')")
            if label == "Nicht hilfreich":  # the thumb, named in the answer's language
                break
        page.keyboard.press("Enter")
        expect(page.locator("#vote-comment")).to_be_visible()


@pytest.mark.parametrize(
    ("name", "viewport"), [("desktop", (1280, 800)), ("phone", (390, 844))], ids=str
)
def test_screenshots_of_what_a_reader_sees(
    browser: Browser, bot: Server, intranet: str, name: str, viewport: tuple[int, int]
) -> None:
    """The README shows these (`make screenshots`); each shows an answer in full view."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width, height = viewport
    with guarded_page(browser, viewport={"width": width, "height": height}) as (page, blocked):
        page.goto(bot.url + "/")
        ask_in_chat(page, SHOWN_QUESTION)
        page.wait_for_timeout(500)
        expect(page.locator(".message-row.user-row").last).to_be_in_viewport()
        page.screenshot(path=str(SCREENSHOTS / f"chat-{name}.png"))
        page.goto(intranet)
        page.get_by_role("button", name="Fragen zum Essay").click()
        frame = page.frame_locator("[data-essaybot-widget] >> iframe")
        expect(frame.locator(".greeting .examples button").first).to_be_visible()
        frame.locator(".greeting .examples button").first.click()
        expect(frame.locator(".answer .status").last).to_be_visible(timeout=ANSWER_TIMEOUT)
        page.wait_for_timeout(300)
        page.screenshot(path=str(SCREENSHOTS / f"widget-{name}.png"))
        assert blocked.urls == []
