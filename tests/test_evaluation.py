"""The evaluation judges what the bot does: ranks, refusals and the sentences it marks."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import pytest

from bot.engine import Engine
from bot.evaluation import Case, dense_system, load_cases, measure, with_answers_found
from bot.ingest.passages import split_passages
from bot.ingest.texts import Text
from bot.search.retrieve import retrieve
from bot.search.scoring import DEFAULT_WEIGHTS, best_sentences


def _case(question: str, answers: tuple[int, ...], marks: tuple[str, ...] = ()) -> Case:
    return Case("c", "tune", "direct", "de", question, (), answers, marks)


def test_a_case_counts_as_marked_when_its_answering_sentence_is_marked(engine: Engine) -> None:
    run = dense_system(engine.index, engine.model, DEFAULT_WEIGHTS)
    outcome = run(_case("Was ist das größte Hindernis?", (7,), ("Das größte Hindernis",)))
    assert outcome.marked is True
    assert measure([outcome], engine.threshold).marked == 1.0


def test_the_share_marked_is_of_the_answering_paragraphs_sentences(engine: Engine) -> None:
    question = "Was ist das größte Hindernis?"
    outcome = dense_system(engine.index, engine.model, DEFAULT_WEIGHTS)(
        _case(question, (7,), ("Das größte Hindernis",))
    )
    position = next(i for i, p in enumerate(engine.index.passages) if p.paragraph == 7)
    search = retrieve(engine.index, engine.model, question, k=1, margin=2.0)
    marked = best_sentences(engine.index, position, search.query, search.expected, search.language)
    sentences = engine.index.passages[position].sentences
    assert outcome.marked_share == len(marked) / len(sentences)
    assert measure([outcome], engine.threshold).marked_share == outcome.marked_share


def test_a_case_is_not_marked_when_another_sentence_of_the_paragraph_is(engine: Engine) -> None:
    run = dense_system(engine.index, engine.model, DEFAULT_WEIGHTS)
    # ¶4 answers, but with its GPU sentence, not with its opening sentence on ethics.
    outcome = run(_case("Wie viele GPUs braucht man?", (4,), ("Aufgrund der ethischen",)))
    assert outcome.marked is False
    assert measure([outcome], engine.threshold).marked == 0.0


def test_cases_without_marks_are_left_out_of_the_share(engine: Engine) -> None:
    run = dense_system(engine.index, engine.model, DEFAULT_WEIGHTS)
    outcome = run(_case("Was ist das größte Hindernis?", (7,)))
    assert outcome.marked is None
    assert math.isnan(measure([outcome], engine.threshold).marked)


def test_a_mark_outside_the_answering_paragraphs_is_a_broken_set(engine: Engine) -> None:
    run = dense_system(engine.index, engine.model, DEFAULT_WEIGHTS)
    with pytest.raises(ValueError, match="no answering paragraph contains"):
        run(_case("Was ist das größte Hindernis?", (7,), ("Getty Images",)))


def test_a_mark_across_two_sentences_is_a_broken_set(engine: Engine) -> None:
    run = dense_system(engine.index, engine.model, DEFAULT_WEIGHTS)
    across = "weiterhin Geld. Damit"  # the end of ¶7's first sentence and the start of its next
    with pytest.raises(ValueError, match="spans two sentences"):
        run(_case("Was ist das größte Hindernis?", (7,), (across,)))


def _write(tmp_path: Path, **fields: object) -> Path:
    case = {
        "id": "a",
        "split": "tune",
        "kind": "direct",
        "language": "de",
        "question": "Was ist das größte Hindernis?",
        "history": [],
        "answers": [7],
        **fields,
    }
    other = {**case, "id": "b", "split": "heldout", "marks": []}
    path = tmp_path / "set.jsonl"
    path.write_text(f"{json.dumps(case)}\n{json.dumps(other)}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"marks": "Das größte Hindernis"}, "list of non-empty strings"),
        ({"marks": [""]}, "list of non-empty strings"),
        ({"marks": [3]}, "list of non-empty strings"),
        ({"marks": ["Geld"], "answers": []}, "nothing to mark"),
    ],
)
def test_malformed_marks_are_refused_when_the_set_is_read(
    tmp_path: Path, fields: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        load_cases(_write(tmp_path, **fields))


def test_well_formed_marks_are_read(tmp_path: Path) -> None:
    case, _ = load_cases(_write(tmp_path, marks=["Das größte Hindernis"]))
    assert case.marks == ("Das größte Hindernis",)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "no 'tune' questions"),
        ("\n\n", "no 'tune' questions"),
        ("[1, 2]", "one JSON object"),
        ('{"id": "a"}', "missing field 'split'"),
        ("{not json", ":1: Expecting property name"),
    ],
)
def test_a_broken_question_set_names_what_is_wrong(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_cases(path)


def test_a_label_by_quote_finds_its_paragraph_and_says_when_it_cannot() -> None:
    """A PDF's paragraphs are numbered by its reader; a label names the answer by its
    words, and a reader that loses or repeats those words makes the label fail loudly."""
    text = Text(
        "t.txt",
        "Der Schlüssel muss 4096 Bit lang sein.\n\n"
        "Die Liste heißt debian-mentors.\n\n"
        "Auch hier: die Liste heißt debian-mentors.\n",
    )
    passages = split_passages(text)
    case = Case("q", "tune", "direct", "de", "Wie lang?", (), (), answer_quotes=("4096  Bit",))
    (found,) = with_answers_found([case], passages)
    assert found.answers == (1,) and found.in_scope
    for quote, problem in (("8192 Bit", "no passage"), ("heißt debian-mentors", "2 passages")):
        with pytest.raises(ValueError, match=problem):
            with_answers_found([replace(case, answer_quotes=(quote,))], passages)
