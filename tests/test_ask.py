"""ask(): the text's own words, quoted where they stand, or a plain "nothing about that"."""

from __future__ import annotations

import pytest

from bot import Engine, QuestionRejected, ask

from .conftest import ESSAY


def test_the_lawsuit_question_quotes_the_getty_images_paragraph_verbatim(engine: Engine) -> None:
    answer = ask("Wer hat Stability AI verklagt?", engine)
    assert answer.found
    assert answer.message == "Das sagt der Text dazu:"
    lawsuit = [q for q in answer.passages if "Klage gegen Getty Images" in q.text]
    assert len(lawsuit) == 1
    quote = lawsuit[0]
    assert quote.paragraph == 8
    assert quote.section == "Mögliche Hürden"
    assert quote.source == ESSAY.name
    assert quote.text in ESSAY.read_text(encoding="utf-8")
    assert "Absatz 8 · Mögliche Hürden" in answer.markdown


def test_quotes_are_best_first_and_highlights_are_substrings(engine: Engine) -> None:
    essay = ESSAY.read_text(encoding="utf-8")
    for question in ("Was ist ein Grundlagenmodell?", "Who sued Stability AI?"):
        answer = ask(question, engine)
        assert answer.found
        scores = [q.score for q in answer.passages]
        assert scores == sorted(scores, reverse=True)
        assert len(answer.passages) <= engine.settings.max_quotes
        for quote in answer.passages:
            assert quote.text in essay
            assert quote.highlights
            assert all(h in quote.text for h in quote.highlights)


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("Wie backe ich einen Apfelkuchen?", "Dazu sagt der Text nichts."),
        ("What is the capital of France?", "The text says nothing about that."),
    ],
)
def test_an_off_topic_question_is_answered_with_silence(
    engine: Engine, question: str, message: str
) -> None:
    answer = ask(question, engine)
    assert not answer.found
    assert answer.passages == ()
    assert answer.message == message
    assert answer.markdown == message  # nothing but the message


def test_english_questions_get_english_framing(engine: Engine) -> None:
    answer = ask("What is the biggest obstacle for open source models?", engine)
    assert answer.found
    assert answer.message == "This is what the text says:"
    assert "Paragraph " in answer.markdown
    assert answer.language == "en"  # what a client's own words around it follow


def test_the_json_shape_is_the_contract(engine: Engine) -> None:
    data = ask("Wer hat Stability AI verklagt?", engine).to_json()
    assert set(data) == {
        "question",
        "language",
        "found",
        "status",
        "message",
        "passages",
        "markdown",
    }
    assert set(data["passages"][0]) == {
        "source",
        "title",
        "paragraph",
        "section",
        "text",
        "score",
        "highlights",
        "anchor",
        "page",
        "slide",
        "opens",
    }
    first = data["passages"][0]
    # A plain text has no pages or slides, and the full text at / is where it opens.
    assert (first["page"], first["slide"], first["opens"]) == (None, None, None)
    # The essay has no title line: its file name, made readable, names it.
    assert first["title"] == "Open-source-grundlagenmodelle"
    assert first["anchor"] == f"open-source-grundlagenmodelle-p{first['paragraph']}"
    assert isinstance(data["passages"][0]["score"], float)


def test_a_blank_question_is_rejected(engine: Engine) -> None:
    with pytest.raises(QuestionRejected, match="empty"):
        ask("   ", engine)
