"""The questions a new user is offered first, in the README, the chat and the widget, are
answered from the paragraph that answers them: a wrong headline example is the first thing
they would see. The chat and the widget find theirs in whatever text they serve."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot import Engine, QuestionRejected
from bot.answer.ask import ask
from bot.answer.examples import example_questions
from bot.cli import cli
from bot.web.chat import chat_examples

README = Path(__file__).resolve().parent.parent / "README.md"

# Each example and the essay's paragraph that answers it, read off the essay.
ANSWERED_BY = {
    "Mit welcher Klage muss sich Stability AI auseinandersetzen?": 8,
    "Wie definiert man ein Grundlagenmodell?": 2,
    "Wie wird der Begriff Grundlagenmodell definiert?": 2,
    "Wer hat Stable Diffusion als Open Source veröffentlicht?": 6,
    "Who released Stable Diffusion as open source?": 6,
}


def readme_examples() -> set[str]:
    text = README.read_text(encoding="utf-8")
    found = re.findall(r'essaybot ask "([^"]+)"|echo "([^"]+)" \|', text)
    found += re.findall(r'"question": "([^"]+)"', text)
    found += re.findall(r"ask, in German or English, e\.g\. \*([^*]+)\*", text)
    flat = {part for match in found for part in (match if isinstance(match, tuple) else (match,))}
    return {" ".join(q.split()) for q in flat if q and q != "..."}


def test_every_readme_example_has_its_answer_on_record() -> None:
    assert readme_examples() <= set(ANSWERED_BY)
    assert len(readme_examples()) >= 4


def help_examples() -> set[str]:
    """The questions `essaybot --help` and `essaybot ask --help` offer."""
    found = set()
    for args in ([], ["ask"]):
        shown = CliRunner().invoke(cli, [*args, "--help"], terminal_width=200).output
        found |= set(re.findall(r'essaybot ask (?:--server \S+ )?"([^"]+)"', shown))
        found |= set(re.findall(r'echo "([^"]+)" \|', shown))
    return found


def test_every_help_example_has_its_answer_on_record() -> None:
    assert help_examples() <= set(ANSWERED_BY)
    assert len(help_examples()) >= 3


@pytest.mark.parametrize("question", sorted(ANSWERED_BY))
def test_an_example_is_answered_from_its_paragraph(engine: Engine, question: str) -> None:
    answer = ask(question, engine)
    assert answer.status == "answered"
    assert answer.passages[0].paragraph == ANSWERED_BY[question]


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_offered_examples_come_from_the_text_and_are_answered_by_it(
    handbook_engine: Engine, language: str
) -> None:
    """On a text the examples were never written for (the handbook), questions are found
    in it, and each is answered from the passage it came from."""
    offered = example_questions(handbook_engine, language)
    assert 2 <= len(offered) <= 3
    quoted = []
    for question in offered:
        answer = ask(question, handbook_engine)
        assert answer.status == "answered", question
        quoted.append((answer.passages[0].source, answer.passages[0].paragraph))
    assert len(set(quoted)) == len(quoted), "one example per passage"
    # The text's title is no topic: nothing asks what the text says about the whole text.
    assert not any("Handbuch für neue Mitarbeitende" in q for q in offered)


def test_the_chat_offers_the_essays_own_questions_in_both_languages(engine: Engine) -> None:
    offered = chat_examples(engine)
    assert offered and all(ask(q, engine).status == "answered" for q in offered)
    assert len(set(offered)) == len(offered) <= 4


def test_a_question_that_closes_a_paragraph_is_not_offered_as_answered_by_itself(
    engine: Engine,
) -> None:
    """The essay's first paragraph closes with "Was ist also ein Stiftungsmodell?", which
    the second answers; the question matches its own sentence best, and an example quoting
    the paragraph that only asks would be the first wrong answer a reader sees."""
    closing = {
        passage.sentences[-1].text: (passage.source, passage.paragraph)
        for passage in engine.index.passages
        if passage.sentences and passage.sentences[-1].asks
    }
    assert closing, "the text has a paragraph that closes with a question"
    offered = [q for language in ("de", "en") for q in example_questions(engine, language)]
    assert offered
    for question in offered:
        if question in closing:
            first = ask(question, engine).passages[0]
            assert (first.source, first.paragraph) != closing[question], question


@pytest.mark.parametrize("question", ["Warum ist das so?", "Kantine Kantine Kantine Kantine"])
def test_what_a_rejected_question_is_told_names_nothing_of_another_text(
    handbook_engine: Engine, question: str
) -> None:
    """Said on every text: no example written for the essay turns up on a handbook."""
    with pytest.raises(QuestionRejected) as rejected:
        ask(question, handbook_engine)
    for language in ("de", "en"):
        told = rejected.value.in_language(language)
        assert "Stability" not in told and "„" not in told and "e.g." not in told, told
