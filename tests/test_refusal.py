"""The bot says the text is silent when it is: on every text, by a ceiling each index
measures for itself when it is built, not by a constant fitted to one text."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot import Engine, IndexStale, QuestionRejected, Settings, ask, load_engine
from bot.pipeline import manifest_for
from bot.search import refusal
from bot.search.refusal import bank
from bot.store.index import CEILING_ROWS
from bot.store.storage import load_index

PROJECT = Path(__file__).resolve().parent.parent

# A text none of the bot's own files has seen: a rowing club's notes for new members.
ROWING_CLUB = """\
# Ruderverein Möwe: Hinweise für neue Mitglieder

## Training

Das Rudertraining für Erwachsene findet dienstags und donnerstags ab 18 Uhr am Bootshaus an \
der Uferstraße 12 statt. Jugendliche trainieren samstags von 10 bis 12 Uhr. Wer neu ist, \
rudert die ersten vier Wochen nur im Gig-Vierer mit einer Trainerin oder einem Trainer.

Vor der ersten Fahrt auf dem Fluss legen alle Mitglieder eine Schwimmprüfung ab: 15 Minuten \
Schwimmen in Kleidung. Die Prüfung nimmt unser Sportwart Jonas Berghoff im Hallenbad Nord ab.

## Beiträge

Der Jahresbeitrag beträgt 240 Euro für Erwachsene und 90 Euro für Schüler und Studierende. \
Er wird jedes Jahr im Februar per Lastschrift eingezogen.

## Boote

Die Rennboote dürfen nur mit Erlaubnis des Bootswarts benutzt werden, weil sie empfindlich \
und teuer sind. Bei Gewitter oder Hochwasser bleiben alle Boote an Land.
"""


@pytest.fixture(scope="module")
def rowing_club(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    seeds = tmp_path_factory.mktemp("rowing-seeds")
    (seeds / "ruderverein.md").write_text(ROWING_CLUB, encoding="utf-8")
    settings = Settings(seeds=seeds, index_dir=tmp_path_factory.mktemp("rowing-index"))
    return load_engine(settings, notify=lambda message: None)


@pytest.fixture(params=["essay", "handbook", "rowing club"])
def any_text(
    request: pytest.FixtureRequest, engine: Engine, handbook_engine: Engine, rowing_club: Engine
) -> Engine:
    return {"essay": engine, "handbook": handbook_engine, "rowing club": rowing_club}[request.param]


@pytest.mark.parametrize(
    "question",
    [
        "Wie wird das Wetter morgen?",
        "Wie spät ist es?",
        "What time is it?",
        "Wie geht es dir?",
        "Wer hat die Fußball-WM 2014 gewonnen?",
        "asdf qwer zxcv",
        "lorem ipsum dolor sit amet",
    ],
)
def test_generic_questions_and_gibberish_are_silent_on_every_text(
    any_text: Engine, question: str
) -> None:
    answer = ask(question, any_text)
    assert answer.status == "silent"
    assert not answer.found
    assert answer.passages == ()


@pytest.mark.parametrize(
    ("question", "language", "subject"),
    [
        ("Welche Unternehmen werden im Text genannt?", "de", "Welche Unternehmen gibt es?"),
        ("Welche Zahlen nennt der Autor?", "de", "Welche Zahlen gibt es?"),
        ("Which companies are mentioned in the text?", "en", "Which companies are there?"),
        (
            "Which companies does the author mention as examples?",
            "en",
            "Which companies does as examples?",
        ),
        ("Wer hat Stability AI verklagt?", "de", None),
        # Nothing with meaning left: the question is about the text itself.
        ("Who is the author of the text?", "en", None),
    ],
)
def test_words_about_the_text_itself_are_set_aside_for_the_refusal_check(
    question: str, language: str, subject: str | None
) -> None:
    assert refusal.without_the_text(question, language) == subject  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "question",
    [
        "Welche Unternehmen werden im Text genannt?",
        "Which companies are mentioned in the text?",
        "Welche Unternehmen nennt der Text?",
    ],
)
def test_a_question_about_what_the_text_names_is_answered(engine: Engine, question: str) -> None:
    """ "werden im Text genannt" is as generic as small talk to the model; the essay names
    Cohere, Covariant, Hebbia and You.com, so it is not silent."""
    answer = ask(question, engine)
    assert answer.status != "silent"
    assert any("Cohere" in quote.text for quote in answer.passages)


@pytest.mark.parametrize(
    "question",
    ["Welche Planeten werden im Text genannt?", "Which songs does the author mention?"],
)
def test_what_the_text_does_not_name_stays_silent_when_asked_about_the_text(
    any_text: Engine, question: str
) -> None:
    assert ask(question, any_text).status == "silent"


@pytest.mark.parametrize("question", ["Wer " * 250, "test test", "Wie Wie Wie Wie?"])
def test_repeated_words_are_refused_with_a_reason(engine: Engine, question: str) -> None:
    with pytest.raises(QuestionRejected, match="repeats the same words"):
        ask(question, engine)


@pytest.mark.parametrize(
    ("question", "paragraph"),
    [
        ("Wann ist das Rudertraining für Erwachsene?", 1),
        ("Wer nimmt die Schwimmprüfung ab?", 2),
        ("Wie hoch ist der Jahresbeitrag?", 3),
        ("How much is the annual membership fee?", 3),
        ("Darf ich mit einem Rennboot fahren?", 4),
    ],
)
def test_a_freshly_indexed_text_answers_its_own_questions(
    rowing_club: Engine, question: str, paragraph: int
) -> None:
    answer = ask(question, rowing_club)
    assert answer.status == "answered"
    assert answer.passages[0].paragraph == paragraph


def test_every_index_carries_its_ceilings_per_language(rowing_club: Engine) -> None:
    ceilings = rowing_club.index.ceilings
    assert ceilings is not None
    assert ceilings.shape == (len(CEILING_ROWS), len(rowing_club.index.passages))


def test_an_index_measured_with_another_bank_is_stale(
    rowing_club: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Edit the generic questions and every index must be measured again."""
    directory = rowing_club.settings.index_dir
    identity = rowing_club.index.manifest.model
    assert load_index(directory, manifest_for(rowing_club.texts, identity)).ceilings is not None
    monkeypatch.setattr(refusal, "_bank_text", lambda: "Wie spät ist es?\n")
    with pytest.raises(IndexStale, match="generic questions"):
        load_index(directory, manifest_for(rowing_club.texts, identity))


def _plain(question: str) -> str:
    return re.sub(r"\W+", " ", question.lower()).strip()


def test_the_bank_holds_none_of_the_evaluation_questions() -> None:
    """The evaluation measures refusal on questions the bank has not seen."""
    generic = {_plain(q) for q in bank()}
    assert len(generic) > 300
    for questions in (PROJECT / "evals").glob("*.jsonl"):
        for line in questions.read_text(encoding="utf-8").splitlines():
            if line.strip():
                assert _plain(json.loads(line)["question"]) not in generic, questions.name
