"""The shape of one language's words, so every language module fills in the same fields."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

__all__ = ["AnswerType", "Messages", "Vocabulary", "WidgetWords"]

# What a question asks for, when its question word says so.
# ("Warum" asks for a reason, but reasons are often given without a "weil" or "denn": a
# check by such words made an essay question merely related and caught no near miss on
# any tuning half, so there is none; docs/retrieval.md has the figures.)
AnswerType = Literal["time", "price", "quantity", "person", "place"]


@dataclass(frozen=True)
class Messages:
    """What the bot says above its quotes, or instead of them."""

    answered: str
    related: str
    silent: str
    paragraph: str
    # Before a page number as printed: "S. 12", "p. 12".
    page: str
    # Before a presentation's slide number: "Folie 7".
    slide: str
    # Short labels that show at a glance how sure an answer is.
    answered_label: str
    related_label: str
    silent_label: str

    def says(self, status: str) -> str:
        """The message for an answer's status ("answered", "related", "silent")."""
        return {"answered": self.answered, "related": self.related, "silent": self.silent}[status]

    def label(self, status: str) -> str:
        """The short label for an answer's status."""
        return {
            "answered": self.answered_label,
            "related": self.related_label,
            "silent": self.silent_label,
        }[status]


@dataclass(frozen=True)
class WidgetWords:
    """The embeddable widget's own words (its buttons and labels)."""

    title: str
    full: str
    ask: str
    clear: str
    label: str
    placeholder: str
    failed: str
    # Shown when the widget opens, above the example questions.
    greeting: str
    try_: str
    # An example question about a section: "{topic}" is its heading.
    about: str
    helpful: str
    yes: str
    no: str
    thanks: str
    comment: str
    send: str
    copy: str
    copied: str
    # Said while the answer is on its way.
    searching: str
    # The chat's thumbs under an answer: their names, for whoever cannot see the icons.
    like: str
    dislike: str
    # The chat page's heading and the line under it, where the owner sets none and no
    # single text lends its title (settings.py: `title`, `intro`).
    chat_title: str
    chat_intro: str


@dataclass(frozen=True)
class Vocabulary:
    """One language's words, as regular expressions where a rule matches them.

    `asks` holds, per answer type, the openings of a question that asks for it ("wann",
    "how long"), matched at the start of the question, case-insensitively. `gives` holds
    what a passage must contain to give such an answer, matched case-insensitively;
    `gives_cased` the same for evidence whose case matters ("May" the month, not "may").
    """

    function_words: frozenset[str]
    # Letters only this language writes ("äöüß"): a strong sign of it in a short question.
    letters: str
    # What joins the parts of a compound ("Sicherheit-s-aktualisierung"); empty for a
    # language that writes its compounds apart.
    joins: tuple[str, ...]
    # Question words and auxiliaries, which name no topic ("wer", "does").
    question_words: frozenset[str]
    # Words that open a continuation ("und", "but") and words and phrases that point back
    # to an earlier question ("deren", "dabei", "the company"): a follow-up.
    continuations: frozenset[str]
    back_references: frozenset[str]
    back_phrases: tuple[str, ...]
    # Words that point back only where no noun follows them: the German "das" is an
    # article in "Was ist das größte Hindernis?" and points back in "Warum ist das
    # problematisch?" or "Für welche Medien gilt das?". A language whose nouns are
    # capitalised tells the two apart; others leave this empty.
    back_without_noun: frozenset[str]
    # Words that point at the text itself ("im Text", "according to the author"), the
    # words for its naming things ("genannt", "mentions"), and an auxiliary they leave
    # dangling at the end ("werden?"): regular expressions, matched case-insensitively;
    # and how the language asks what there is ("gibt es", "are there"), which is what
    # "what does the text name" asks of the text.
    about_the_text: str
    naming: str
    dangling: str
    there_is: str
    asks: Mapping[AnswerType, str]
    gives: Mapping[AnswerType, str]
    gives_cased: Mapping[AnswerType, str]
    messages: Messages
    widget: WidgetWords
    # Why a question cannot be asked, by reason; `{name}` fields are filled in.
    rejections: Mapping[str, str]
