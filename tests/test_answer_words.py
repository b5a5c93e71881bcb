"""Every word of an answer is in the language of its question, in the chat and in the
widget alike, whatever the page's own language: its label, message, paragraph labels,
copy buttons and the buttons to vote with. Driven in Chromium against the real bot."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from bot import Engine
from bot.ingest.titles import title
from bot.languages import LANGUAGES

from .support.browser import guarded_page
from .support.server import Server

pytestmark = pytest.mark.browser

ANSWER_TIMEOUT = 60_000
# (question, its language, the other language: the widget's, and the words not to see)
ASKED = [
    ("Who sued Stability AI?", "en", "de"),
    ("Wer hat Stability AI verklagt?", "de", "en"),
]


def ui_words(language: str) -> set[str]:
    """The words the bot puts around an answer in `language`."""
    words, widget = LANGUAGES[language].messages, LANGUAGES[language].widget
    return {
        words.answered,
        words.related,
        words.silent,
        words.paragraph,
        words.answered_label,
        words.related_label,
        words.silent_label,
        widget.copy,
        widget.copied,
        widget.helpful,
        widget.yes,
        widget.no,
        widget.thanks,
        widget.comment,
        widget.send,
        widget.like,
        widget.dislike,
    }


def said(words: set[str], shown: str) -> set[str]:
    return {w for w in words if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", shown)}


def without_the_texts_own_words(shown: str, engine: Engine) -> str:
    """The answer's words less what the text itself says (sections, titles): those are
    quoted as they stand, in the text's language."""
    own = {p.section for p in engine.index.passages if p.section}
    own |= {title(text) for text in engine.texts}
    for words in sorted(own, key=len, reverse=True):
        shown = shown.replace(words, " ")
    return shown


# Each piece of text apart, so that words of neighbouring elements do not run together.
_TEXTS = """const texts = (node) => {
  const walk = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
  const found = [];
  while (walk.nextNode()) found.push(walk.currentNode.nodeValue);
  return found.join(' | ');
};"""

# The last answer's words, its quotes left out, with the names of its buttons (Gradio puts
# an answer's thumbs after its row).
_CHAT_ANSWER = (
    """() => {
  """
    + _TEXTS
    + """
  const rows = document.querySelectorAll('#conversation .message-row.bot-row');
  const row = rows[rows.length - 1];
  const copy = row.cloneNode(true);
  copy.querySelectorAll('blockquote').forEach(e => e.remove());
  const buttons = [...row.querySelectorAll('button')];
  for (let next = row.nextElementSibling; next && !next.classList.contains('message-row');
       next = next.nextElementSibling) buttons.push(...next.querySelectorAll('button'));
  const names = buttons.map(b => (b.getAttribute('aria-label') || '') + ' | ' + b.title);
  const comment = document.querySelector('#vote-comment');
  return [texts(copy), ...names, comment ? texts(comment) : ''].join(' | ');
}"""
)

_WIDGET_ANSWER = (
    """() => {
  """
    + _TEXTS
    + """
  const answers = document.querySelectorAll('.answer');
  const copy = answers[answers.length - 1].cloneNode(true);
  copy.querySelectorAll('.quote .text, .quote .title').forEach(e => e.remove());
  const named = [...copy.querySelectorAll('[aria-label], [placeholder], [title]')].map(e =>
    [e.getAttribute('aria-label'), e.getAttribute('placeholder'), e.title].join(' | '));
  return [texts(copy), ...named].join(' | ');
}"""
)


def ask_in_chat(page: Page, question: str) -> None:
    page.locator("#question textarea").fill(question)
    page.locator("#question textarea").press("Enter")
    answer = page.locator(".message-row.bot-row").last
    expect(answer.locator("blockquote").first).to_be_visible(timeout=ANSWER_TIMEOUT)
    expect(page.locator("#question textarea:not([disabled])")).to_have_count(1)


@pytest.mark.parametrize(("question", "language", "other"), ASKED, ids=["en", "de"])
def test_an_answer_in_the_chat_speaks_the_language_of_its_question(
    browser: Browser, bot: Server, engine: Engine, question: str, language: str, other: str
) -> None:
    """The chat page speaks German (its text's language); an English question's answer
    still has no German word around its quotes, and a German one no English word."""
    words = LANGUAGES[language].widget
    with guarded_page(browser, locale="de-DE") as (page, blocked):
        page.goto(bot.url + "/")
        ask_in_chat(page, question)
        page.get_by_role("button", name=words.dislike, exact=True).last.click()
        expect(page.locator("#vote-comment")).to_be_visible()
        shown = without_the_texts_own_words(page.evaluate(_CHAT_ANSWER), engine)
        assert said(ui_words(other), shown) == set(), shown
        words_said = said(ui_words(language), shown)
        messages = LANGUAGES[language].messages
        assert {messages.answered_label, messages.answered, messages.paragraph} <= words_said
        assert {words.copy, words.like, words.dislike, words.send} <= words_said
        assert blocked.urls == []


@pytest.mark.parametrize(("question", "language", "other"), ASKED, ids=["en", "de"])
def test_an_answer_in_the_widget_speaks_the_language_of_its_question(
    browser: Browser, bot: Server, engine: Engine, question: str, language: str, other: str
) -> None:
    """The widget is set to the other language (`?lang=`); the answer's words follow the
    question, its votes and the comment box too."""
    words = LANGUAGES[language].widget
    with guarded_page(browser) as (page, blocked):
        page.goto(f"{bot.url}/widget?lang={other}")
        page.get_by_role("textbox").fill(question)
        page.get_by_role("textbox").press("Enter")
        answer = page.locator(".answer").last
        expect(answer.locator(".status")).to_be_visible(timeout=ANSWER_TIMEOUT)
        before_vote = page.evaluate(_WIDGET_ANSWER) + " | "
        answer.get_by_role("button", name=words.no, exact=True).click()
        expect(answer.get_by_text(words.thanks)).to_be_visible()
        shown = without_the_texts_own_words(before_vote + page.evaluate(_WIDGET_ANSWER), engine)
        assert said(ui_words(other), shown) == set(), shown
        messages = LANGUAGES[language].messages
        assert {
            messages.answered_label,
            messages.answered,
            messages.paragraph,
            words.copy,
            words.helpful,
            words.yes,
            words.no,
            words.thanks,
            words.comment,
            words.send,
        } <= said(ui_words(language), shown)
        # The widget's own controls stay in the language it was set to.
        expect(page.locator("#send")).to_have_text(LANGUAGES[other].widget.ask)
        assert blocked.urls == []
