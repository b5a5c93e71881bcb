"""What the chat is called and the line under its name: the owner's words, else the text's
own title, else a plain "Fragen an den Text" in the texts' language.

Both are the owner's text, not markup: they are escaped wherever they are shown.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from ..ingest.titles import title
from ..languages import LANGUAGES
from ..languages.guess import texts_language

if TYPE_CHECKING:
    from ..ingest.texts import Text
    from ..settings import Settings

__all__ = ["chat_heading", "heading_html", "owner_title"]


def owner_title(settings: Settings, texts: tuple[Text, ...]) -> str:
    """The title set (`ESSAYBOT_TITLE`), else the one text's own title; empty with several
    texts, where each page says "questions about the text" in its own language."""
    if settings.title:
        return settings.title
    return title(texts[0]) if len(texts) == 1 else ""


def chat_heading(settings: Settings, texts: tuple[Text, ...]) -> tuple[str, str]:
    """The chat's heading and intro, as plain text; what is not set is said in the texts'
    language."""
    words = LANGUAGES[texts_language(t.content for t in texts)].widget
    return owner_title(settings, texts) or words.chat_title, settings.intro or words.chat_intro


def heading_html(settings: Settings, texts: tuple[Text, ...]) -> str:
    """The heading and intro for the chat page, every character escaped (gr.HTML renders
    what it is given)."""
    heading, intro = chat_heading(settings, texts)
    return (
        f'<h1 class="chat-title">{escape(heading)}</h1>\n<p class="chat-intro">{escape(intro)}</p>'
    )
