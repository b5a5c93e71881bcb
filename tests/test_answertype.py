"""Questions that ask for a time or a number need a passage that holds one."""

from __future__ import annotations

import pytest

from bot import Engine, ask
from bot.answertype import expected_answer, gives_answer


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Wann wurde Stability AI gegründet?", "time"),
        ("Seit wann gibt es Grundlagenmodelle?", "time"),
        ("When was LLaMA released?", "time"),
        ("Wie viele GPUs braucht man?", "quantity"),
        ("Und wie viel davon braucht man?", "quantity"),
        ("How much money does it take?", "quantity"),
        ("Was hat Meta gemacht?", None),
        ("Warum ist Closed Source beunruhigend?", None),
    ],
)
def test_the_question_word_says_what_kind_of_answer_is_wanted(
    question: str, expected: str | None
) -> None:
    assert expected_answer(question) == expected


@pytest.mark.parametrize(
    ("text", "time", "quantity"),
    [
        ("Sie erfordern Zehntausende hochmoderne GPUs.", False, True),
        ("Kosten von mehreren zehn Millionen Dollar.", False, True),
        ("Am 12.03. 2023 im März erschienen.", True, True),
        ("Wenn man all den Hype außer Acht lässt, ist das ein Begriff.", False, False),
        ("Die Macht der Unternehmen ist beunruhigend.", False, False),
    ],
)
def test_a_passage_holds_a_time_or_a_number_or_not(text: str, time: bool, quantity: bool) -> None:
    assert gives_answer(text, "time") is time
    assert gives_answer(text, "quantity") is quantity
    assert gives_answer(text, None) is True


def test_a_when_question_the_text_has_no_date_for_is_refused(engine: Engine) -> None:
    answer = ask("Wann wurde Stability AI gegründet?", engine)
    assert not answer.found
    assert answer.message == "Dazu sagt der Text nichts."


def test_a_how_many_question_is_answered_by_the_passage_with_the_number(engine: Engine) -> None:
    answer = ask("Wie viele GPUs braucht man für den Bau von Fundamentmodellen?", engine)
    assert answer.found
    assert [q.paragraph for q in answer.passages] == [4]
    assert "Zehntausende hochmoderne GPUs" in answer.passages[0].text
