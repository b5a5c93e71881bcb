"""The chat in a real Chromium: ask, see the quote, follow it into the text; nothing external."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, FloatRect, Page, expect

from bot import Engine

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
    """The gate opens only what the page uses: asking, an example, a vote and its comment,
    clear and a reload must meet no refusal (gate.py's list was read off this
    page), and nothing the page does is blocked by its Content-Security-Policy."""
    refused: list[str] = []
    against_policy: list[str] = []
    with guarded_page(browser, viewport={"width": 1280, "height": 900}) as (page, blocked):
        page.on(
            "console",
            lambda m: (
                against_policy.append(m.text) if "Content Security Policy" in m.text else None
            ),
        )
        page.on(
            "response",
            lambda r: (
                refused.append(f"{r.status} {r.request.method} {r.url}")
                if r.status >= 400
                else None
            ),
        )
        page.goto(bot.url + "/")
        # An example the chat found in the essay (a heading the essay puts as a question).
        page.get_by_role(
            "button", name="Gibt es eine Chance für Open-Source-Grundlagenmodelle?"
        ).click()
        answers = page.locator(".message-row blockquote")
        expect(answers.first).to_be_visible(timeout=ANSWER_TIMEOUT)
        page.get_by_role("button", name="Nicht hilfreich").first.click()
        page.locator("#vote-comment-text textarea").fill("Zu lang.")
        page.locator("#vote-comment-text textarea").press("Enter")
        expect(page.locator("#vote-comment")).to_be_hidden()
        getty = page.locator(".message-row", has_text="Klage gegen Getty Images")
        ask_in_chat(page, "Wer hat Stability AI verklagt?")
        expect(getty.first).to_be_visible(timeout=ANSWER_TIMEOUT)
        page.get_by_role("button", name="Clear").click()
        expect(getty).to_have_count(0)
        page.reload()
        ask_in_chat(page, "Was kostet ein Grundlagenmodell?")
        expect(answers.first).to_be_visible(timeout=ANSWER_TIMEOUT)
        policy = page.evaluate(
            "() => fetch(location.href).then(r => r.headers.get('content-security-policy'))"
        )
        assert "default-src 'self'" in policy and "connect-src 'self'" in policy
        assert blocked.urls == []
    assert refused == []
    assert against_policy == []


def conversation_box(page: Page) -> FloatRect:
    box = page.locator("#conversation .bubble-wrap").bounding_box()
    assert box is not None
    return box


@pytest.mark.parametrize("viewport", [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_an_answer_opens_at_its_top_with_nothing_over_it(
    browser: Browser, bot: Server, viewport: tuple[int, int]
) -> None:
    """After each answer the question and the start of the best quote are in view, not
    the tail of the last quote; no label covers the conversation, and the box still says
    what to type."""
    width, height = viewport
    with guarded_page(browser, viewport={"width": width, "height": height}) as (page, blocked):
        page.goto(bot.url + "/")
        box = page.locator("#question textarea")
        placeholder = box.get_attribute("placeholder")
        assert placeholder
        for question in ("Was hat Meta gemacht?", "Wer hat Stability AI verklagt?"):
            ask_in_chat(page, question)
            expect(page.locator("#question textarea:not([disabled])")).to_have_count(
                1, timeout=ANSWER_TIMEOUT
            )
            # The answer renders in steps and the question is brought to the top after
            # each; a loaded machine takes longer than a fixed pause for the last one.
            page.wait_for_function(
                """() => {
                    const wrap = document.querySelector('#conversation .bubble-wrap');
                    const rows = wrap ? wrap.querySelectorAll('.message-row.user-row') : [];
                    if (!rows.length) return false;
                    const last = rows[rows.length - 1].getBoundingClientRect().top;
                    const offset = last - wrap.getBoundingClientRect().top;
                    return offset >= 0 && offset < 60;
                }""",
                timeout=10_000,
            )
            page.wait_for_timeout(300)  # and it stays there after the answer's last render
            frame = conversation_box(page)
            asked = page.locator(".message-row.user-row").last.bounding_box()
            first_quote = (
                page.locator(".message-row.bot-row").last.locator("blockquote").first.bounding_box()
            )
            assert asked is not None and first_quote is not None
            assert frame["y"] <= asked["y"] < frame["y"] + 60, (question, frame, asked)
            assert first_quote["y"] < frame["y"] + frame["height"], "the best quote starts in view"
            # The conversation's own label no longer floats over its first line.
            assert page.locator("#conversation label:visible").count() == 0
            assert box.get_attribute("placeholder") == placeholder
        assert blocked.urls == []


def test_the_page_speaks_the_language_of_its_text_and_names_it_by_title(
    browser: Browser, bot: Server
) -> None:
    with guarded_page(browser, locale="en-US") as (page, blocked):
        page.goto(bot.url + "/")
        expect(page.locator("#essay h2")).to_have_text("Open-source-grundlagenmodelle")
        page.wait_for_timeout(1500)  # Gradio's front end sets lang from the locale on load
        assert page.evaluate("document.documentElement.lang") == "de"
        ask_in_chat(page, "Wer hat Stability AI verklagt?")
        expect(
            page.locator(".message-row.bot-row")
            .get_by_text("— Open-source-grundlagenmodelle")
            .first
        ).to_be_visible(timeout=ANSWER_TIMEOUT)
        assert page.evaluate("document.documentElement.lang") == "de"
        assert blocked.urls == []


def test_the_full_text_is_rendered_whole_so_the_browsers_find_reaches_all_of_it(
    browser: Browser, bot: Server, engine: Engine
) -> None:
    """Search in the full text is the browser's own find (Ctrl-F): it finds only what is
    in the page, so every paragraph is there from the start, none loaded on scrolling."""
    with guarded_page(browser) as (page, _):
        page.goto(bot.url + "/")
        paragraphs = page.locator("#essay .paragraph")
        expect(paragraphs).to_have_count(len(engine.index.passages))
        last = engine.index.passages[-1].text
        assert page.evaluate("t => window.find(t)", last[-40:])


def test_a_quote_in_the_chat_is_copied_with_its_citation_and_link(
    browser: Browser, bot: Server, engine: Engine
) -> None:
    getty = next(p for p in engine.index.passages if "Klage gegen Getty Images" in p.text)
    with guarded_page(browser, permissions=["clipboard-read", "clipboard-write"]) as (page, _):
        page.goto(bot.url + "/")
        ask_in_chat(page, "Wer hat Stability AI verklagt?")
        head = page.locator(".message-row.bot-row p", has_text="Absatz 8 · Mögliche Hürden")
        head.get_by_role("button", name="Kopieren").click(timeout=ANSWER_TIMEOUT)
        expect(head.get_by_role("button", name="Kopiert")).to_be_visible()
        assert page.evaluate("navigator.clipboard.readText()") == (
            f"„{getty.text}“\n— Open-source-grundlagenmodelle, Absatz 8 · Mögliche Hürden\n"
            f"{bot.url}/#open-source-grundlagenmodelle-p8"
        )


def test_an_answer_has_no_retry_or_undo_only_its_thumbs(browser: Browser, bot: Server) -> None:
    """An answer quotes the text: asked again, it is the same. Under it are the thumbs to
    vote with, and no retry or undo (in any language Gradio might name them)."""
    with guarded_page(browser, locale="en-US") as (page, blocked):
        page.goto(bot.url + "/")
        questions = ("Wer hat Stability AI verklagt?", "Who released Stable Diffusion?")
        for answers, question in enumerate(questions, start=1):
            ask_in_chat(page, question)
            expect(page.locator("#question textarea:not([disabled])")).to_have_count(
                1, timeout=ANSWER_TIMEOUT
            )
            page.wait_for_timeout(300)
            under_answers = page.locator("#conversation .message-buttons button")
            expect(under_answers).to_have_count(2 * answers)  # two thumbs under each
            names = {b.get_attribute("aria-label") for b in under_answers.all()}
            assert names <= {"Hilfreich", "Nicht hilfreich", "Helpful", "Not helpful"}, names
            for gradios in ("Retry", "Undo", "Wiederholen", "Rückgängig"):
                expect(page.get_by_role("button", name=gradios)).to_have_count(0)
        assert blocked.urls == []


OWNERS_TITLE = 'Handbuch <img src=x onerror="window.__pwned=1"> & <b>Kantine</b>'
OWNERS_INTRO = "Fragen Sie <script>window.__pwned=2</script> *alles* zur Kantine."


def test_the_owners_title_and_intro_head_the_chat_and_the_widget_as_plain_text(
    browser: Browser, shared_index_dir: Path, tmp_path: Path
) -> None:
    env = {"ESSAYBOT_TITLE": OWNERS_TITLE, "ESSAYBOT_INTRO": OWNERS_INTRO}
    with (
        running_server(tmp_path, "--index-dir", str(shared_index_dir), env=env) as owned,
        guarded_page(browser) as (page, blocked),
    ):
        page.goto(owned.url + "/")
        expect(page.locator("#heading h1")).to_have_text(OWNERS_TITLE)
        expect(page.locator("#heading p")).to_have_text(OWNERS_INTRO)
        assert page.title() == OWNERS_TITLE
        assert page.locator("#heading img, #heading b, #heading script, #heading em").count() == 0
        # The widget's header follows it where the page gives none, and yields to one given.
        page.goto(owned.url + "/widget?lang=en")
        expect(page.locator("#title")).to_have_text(OWNERS_TITLE)
        assert page.title() == OWNERS_TITLE
        assert page.locator("img, b").count() == 0
        page.goto(owned.url + "/widget?lang=de&title=Fragen%20zum%20Essay")
        expect(page.locator("#title")).to_have_text("Fragen zum Essay")
        assert all(f.evaluate("window.__pwned") is None for f in page.frames)
        assert blocked.urls == []


def test_by_default_the_chat_and_the_widget_are_headed_by_the_texts_own_title(
    browser: Browser, bot: Server
) -> None:
    with guarded_page(browser) as (page, blocked):
        page.goto(bot.url + "/")
        expect(page.locator("#heading h1")).to_have_text("Open-source-grundlagenmodelle")
        expect(page.locator("#heading p")).to_contain_text("wörtliche Zitate")
        page.goto(bot.url + "/widget?lang=de")
        expect(page.locator("#title")).to_have_text("Open-source-grundlagenmodelle")
        assert blocked.urls == []
