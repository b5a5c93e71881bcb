"""Follow-up questions are read in their context; standalone questions are left alone."""

from __future__ import annotations

import pytest

from bot import Engine, QuestionRejected, ask
from bot.search.conversation import contextualize, is_followup


@pytest.mark.parametrize(
    "question",
    [
        "Und bleibt Meta dabei?",
        "Warum ist deren Projekt gescheitert?",
        "Wie haben Entwickler darauf reagiert?",
        "What effect does it have on the company?",
        "And how do people define it?",
        "Why was that seen as a threat?",
        # "das" with no noun after it is a pronoun, pointing back.
        "Warum ist das problematisch?",
        "Für welche Medien gilt das?",
        "Das ist also neu?",
    ],
)
def test_questions_that_lean_on_the_conversation_are_follow_ups(question: str) -> None:
    assert is_followup(question)


@pytest.mark.parametrize(
    "question",
    [
        "Was hat Meta gemacht?",
        "Gibt es eine Chance für offene Modelle?",
        "Wie viele GPUs braucht man für den Bau eines Fundamentmodells?",
        "Is the term foundation model new?",
        "Welche ethischen Fragen wirft KI auf?",
        "Können Sie mir sagen, was ein Grundlagenmodell ist?",  # the polite "Sie"
        "Is there a chance for open models?",
        # "das" before a noun is its article, even with an adjective between them; after
        # a comma it opens a relative clause.
        "Was ist das größte Hindernis für offene Modelle?",
        "Wie paketiere ich ein Node.js-Modul, das aus npm stammt?",
    ],
)
def test_questions_that_stand_alone_are_not(question: str) -> None:
    assert not is_followup(question)


def test_a_follow_up_is_searched_with_the_thread_it_continues() -> None:
    history = ["Was kostet KI?", "Sind die meisten Modelle offen?", "Warum ist dies so?"]
    assert contextualize("Und wer profitiert davon?", history) == (
        "Sind die meisten Modelle offen? Warum ist dies so? Und wer profitiert davon?"
    )
    assert contextualize("Was kostet ein Modell?", history) == "Was kostet ein Modell?"
    assert contextualize("Und dann?", []) == "Und dann?"


def test_und_bleibt_meta_dabei_is_answered_in_context(engine: Engine) -> None:
    alone = ask("Und bleibt Meta dabei?", engine)
    followed = ask("Und bleibt Meta dabei?", engine, ["Was hat Meta gemacht?"])
    assert followed.found
    assert followed.passages[0].paragraph == 8
    assert "Metas Gegenentwurf" in followed.passages[0].text
    assert followed.question == alone.question == "Und bleibt Meta dabei?"


def test_the_history_gives_a_bare_follow_up_its_subject(engine: Engine) -> None:
    with pytest.raises(QuestionRejected, match="does not say what it is about"):
        ask("Und warum nur die?", engine)  # alone it names nothing to look for
    followed = ask("Und warum nur die?", engine, ["Wer konnte bisher Fundamentmodelle bauen?"])
    assert followed.passages[0].paragraph == 4  # the cloud giants and well-funded start-ups
    assert "Cloud-Giganten" in followed.passages[0].text


def test_a_standalone_question_is_not_bent_by_the_history(engine: Engine) -> None:
    question = "Wie viele GPUs braucht man für den Bau eines Fundamentmodells?"
    assert ask(question, engine, ["Was hat Meta gemacht?"]) == ask(question, engine)


def test_a_follow_up_that_names_its_own_subject_keeps_it(engine: Engine) -> None:
    # The thread is about the lawsuit (¶8 and ¶6 name Stability AI); the question is about
    # Meta, which only ¶8 names, in its last sentence.
    answer = ask("Und bleibt Meta dabei?", engine, ["Wer hat Stability AI verklagt?"])
    first = answer.passages[0]
    assert first.paragraph == 8
    assert any("Metas Gegenentwurf" in sentence for sentence in first.highlights)


@pytest.mark.parametrize("question", ["Warum?", "Why?", "Was ist das?"])
def test_a_question_that_names_nothing_continues_the_thread(engine: Engine, question: str) -> None:
    answer = ask(question, engine, ["Wer konnte bisher Fundamentmodelle bauen?"])
    assert answer.found


def test_a_capitalised_noun_is_not_a_pronoun() -> None:
    assert not is_followup("Was ist die These?")  # "these" is an English back-reference
