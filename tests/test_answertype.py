"""A question that asks for a time, a price, a number, a person or a place is answered
only by a passage that holds one; a passage on the topic without it is merely related."""

from __future__ import annotations

import pytest

from bot import Engine, ask
from bot.search.answertype import expected_answer, gives_answer


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Wann hat die Kantine geöffnet?", "time"),
        ("Ab wann brauche ich eine Arbeitsunfähigkeitsbescheinigung?", "time"),
        ("An welchen Tagen ist die Werkstatt geöffnet?", "time"),
        ("Um wie viel Uhr fährt der Werksbus?", "time"),
        ("Wie lange dauert die Sicherheitsunterweisung?", "time"),
        ("Wie oft wird Testing aktualisiert?", "time"),
        ("Seit wann gibt es Grundlagenmodelle?", "time"),
        ("When was LLaMA released?", "time"),
        ("What time does the canteen open?", "time"),
        ("Was kostet ein Ersatzausweis?", "price"),
        ("Wie teuer ist ein Cappuccino?", "price"),
        ("How much is a cappuccino in the cafeteria?", "price"),
        ("What does the bus cost?", "price"),
        ("Wie viele GPUs braucht man?", "quantity"),
        ("Und wie viel davon braucht man?", "quantity"),
        ("How much money does it take?", "quantity"),
        ("How many bicycle parking spaces are there?", "quantity"),
        ("Wer hat Stability AI verklagt?", "person"),
        ("Bei wem melde ich mich für die Werksführung an?", "person"),
        ("Who runs the canteen?", "person"),
        ("Wo liegt die Kantine?", "place"),
        ("Where do I get my laptop?", "place"),
        ("Was hat Meta gemacht?", None),
        ("Warum ist Closed Source beunruhigend?", None),
        ("Wofür steht das?", None),
    ],
)
def test_the_question_word_says_what_kind_of_answer_is_wanted(
    question: str, expected: str | None
) -> None:
    assert expected_answer(question) == expected


# Sentences from the handbook (evals/texts/handbook) and the essay (seeds/).
@pytest.mark.parametrize(
    ("text", "kind", "gives"),
    [
        ("Sie ist montags bis freitags von 11:30 bis 14:00 Uhr geöffnet.", "time", True),
        ("Sie ist dienstags und donnerstags geöffnet.", "time", True),
        ("Der Lehrgang dauert etwa 90 Minuten.", "time", True),
        ("Ab dem dritten Kalendertag brauchen Sie eine Bescheinigung.", "time", True),
        ("Die Aktualisierung von Testing wird zweimal täglich lanciert.", "time", True),
        ("Im Jahr 2023 wurde Stability AI verklagt.", "time", True),
        ("The canteen opens at 11:30 on weekdays.", "time", True),
        ("Released in May 2023.", "time", True),
        ("This may change, and the march goes on.", "time", False),
        ("Die Macht der Unternehmen ist beunruhigend.", "time", False),
        ("Ein Ersatzausweis kostet 15 Euro.", "price", True),
        ("Parken ist dort kostenlos.", "price", True),
        ("Zwischen beiden Standorten pendelt werktags ein Werksbus.", "price", False),
        ("Sie erfordern Zehntausende hochmoderne GPUs.", "quantity", True),
        ("Im Hof B gibt es 180 überdachte Fahrradstellplätze.", "quantity", True),
        ("Wenn man all den Hype außer Acht lässt, ist das ein Begriff.", "quantity", False),
        ("Anmelden können Sie sich bei Sabine Kröger.", "person", True),
        ("Betrieben wird die Kantine von der Firma Lahnthaler.", "person", True),
        ("Getty Images verklagte Stability AI.", "person", True),
        ("Die Kühlschränke werden jeden Freitag geleert.", "person", False),
        ("Die Kantine liegt im ersten Stock von Gebäude B.", "place", True),
        ("Zugfahrten bucht die Reisestelle in Raum A 210.", "place", True),
        ("Die Kühlschränke werden jeden Freitag geleert.", "place", False),
    ],
)
def test_a_passage_holds_the_kind_of_answer_or_not(text: str, kind: str, gives: bool) -> None:
    assert gives_answer(text, kind) is gives
    assert gives_answer(text, None) is True


def test_a_when_question_the_essay_has_no_date_for_is_only_related(engine: Engine) -> None:
    answer = ask("Wann wurde Stability AI gegründet?", engine)
    assert answer.status == "related"
    assert answer.found  # the nearest passages are quoted, said to be only related
    assert answer.message == "Der Text beantwortet das nicht direkt; am nächsten kommt:"


def test_a_how_many_question_is_answered_by_the_passage_with_the_number(engine: Engine) -> None:
    answer = ask("Wie viele GPUs braucht man für den Bau von Fundamentmodellen?", engine)
    assert answer.status == "answered"
    assert [q.paragraph for q in answer.passages] == [4]
    assert "Zehntausende hochmoderne GPUs" in answer.passages[0].text


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("Wann hat die Kantine geöffnet?", "11:30 bis 14:00 Uhr"),
        ("An welchen Tagen ist die Mitarbeiterwerkstatt geöffnet?", "dienstags und donnerstags"),
        ("Wie lange dauert die Sicherheitsunterweisung?", "etwa 90 Minuten"),
        ("Was kostet ein Ersatzausweis?", "15 Euro"),
        ("How much is a cappuccino in the cafeteria?", "ein Cappuccino 1,80 Euro"),
        ("Wie viele überdachte Fahrradstellplätze gibt es?", "180 überdachte"),
        ("Wer betreibt die Kantine?", "Lahnthaler Gemeinschaftsverpflegung"),
        ("Wo liegt die Kantine?", "im ersten Stock von Gebäude B"),
    ],
)
def test_the_handbook_answers_each_kind_of_question(
    handbook_engine: Engine, question: str, words: str
) -> None:
    answer = ask(question, handbook_engine)
    assert answer.status == "answered"
    assert words in answer.passages[0].text


@pytest.mark.parametrize(
    "question",
    [
        "Was kostet die Fahrt mit dem Werksbus nach Lohfelden?",
        "How much does the bus to the Christmas party cost?",
    ],
)
def test_a_price_the_handbook_never_names_is_not_answered(
    handbook_engine: Engine, question: str
) -> None:
    answer = ask(question, handbook_engine)
    assert answer.status in ("related", "silent")
