"""On a phone (390 x 844, a phone's pixel density, touch): nothing is wider than the
screen, and what a reader taps to ask is on the screen and on top, in the chat, on the
sample intranet page and in the widget it opens. Chromium against the real bot."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Frame, Locator, Page, expect

from .support.browser import guarded_page
from .support.server import Server

pytestmark = pytest.mark.browser

ANSWER_TIMEOUT = 60_000
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}

# Whether the element is what a tap at its centre reaches (a shadow root is looked into).
_ON_TOP = """e => {
  const r = e.getBoundingClientRect();
  const root = e.getRootNode();
  const hit = root.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
  return hit === e || e.contains(hit);
}"""


def no_wider_than_the_screen(page: Page | Frame) -> None:
    width, screen = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= screen, f"the page is {width} px wide on a {screen} px screen"


def on_screen_and_tappable(element: Locator, in_page: Page) -> None:
    """Wholly inside the phone's screen, and nothing covers its centre."""
    box = element.bounding_box()
    assert box is not None
    screen = in_page.viewport_size
    assert screen is not None
    assert box["x"] >= 0 and box["y"] >= 0, box
    assert box["x"] + box["width"] <= screen["width"], box
    assert box["y"] + box["height"] <= screen["height"], box
    assert element.evaluate(_ON_TOP), f"something covers {element}"


def test_on_a_phone_the_chats_question_box_and_send_button_are_on_screen(
    browser: Browser, bot: Server
) -> None:
    with guarded_page(browser, **PHONE) as (page, blocked):
        page.goto(bot.url + "/")
        box = page.locator("#question textarea")
        send = page.locator("#question .submit-button")
        expect(send).to_be_visible()
        page.wait_for_timeout(500)  # the page's last layout
        no_wider_than_the_screen(page)
        on_screen_and_tappable(box, page)
        on_screen_and_tappable(send, page)
        # Asked by touch alone: a tap in the box, the question, a tap on the button.
        box.tap()
        page.keyboard.type("Wer hat Stability AI verklagt?")
        send.tap()
        expect(page.locator(".message-row blockquote").first).to_be_visible(timeout=ANSWER_TIMEOUT)
        no_wider_than_the_screen(page)
        expect(page.locator("#question textarea:not([disabled])")).to_have_count(1)
        page.wait_for_timeout(300)
        on_screen_and_tappable(box, page)
        assert blocked.urls == []


def test_on_a_phone_the_intranet_page_fits_and_its_widget_opens_on_screen(
    browser: Browser, intranet: str
) -> None:
    with guarded_page(browser, **PHONE) as (page, blocked):
        page.goto(intranet)
        launcher = page.get_by_role("button", name="Fragen zum Essay")
        expect(launcher).to_be_visible()
        expect(page.frame_locator("main > iframe").locator(".greeting")).to_be_visible()
        no_wider_than_the_screen(page)
        on_screen_and_tappable(launcher, page)
        launcher.tap()
        frame = page.frame_locator("[data-essaybot-widget] >> iframe")
        question = frame.get_by_role("textbox")
        expect(question).to_be_visible()
        on_screen_and_tappable(question, page)  # inside its frame: the box itself
        # In the page, the panel's frame is what is on top there, not the launcher.
        box = question.bounding_box()
        assert box is not None
        on_top = page.evaluate(
            """([x, y]) => {
              const host = document.querySelector('[data-essaybot-widget]');
              return host.shadowRoot.elementFromPoint(x, y).tagName;
            }""",
            [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
        )
        assert on_top == "IFRAME"
        widget = next(f for f in page.frames if "panel=1" in f.url)
        no_wider_than_the_screen(widget)
        on_screen_and_tappable(frame.locator("#send"), page)
        question.tap()
        page.keyboard.type("Wer hat Stability AI verklagt?")
        frame.locator("#send").tap()
        expect(frame.locator("blockquote").first).to_be_visible(timeout=ANSWER_TIMEOUT)
        no_wider_than_the_screen(widget)
        assert blocked.urls == []
