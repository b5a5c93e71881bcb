"""The questions a new user is offered first, in the README and the chat, are answered
from the paragraph that answers them: a wrong headline example is the first thing they
would see."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot import Engine
from bot.answer.ask import ask
from bot.web.chat import EXAMPLES

README = Path(__file__).resolve().parent.parent / "README.md"

# Each example and the essay's paragraph that answers it, read off the essay.
ANSWERED_BY = {
    "Mit welcher Klage muss sich Stability AI auseinandersetzen?": 8,
    "Was ist ein Grundlagenmodell?": 1,
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


def test_every_example_has_its_answer_on_record() -> None:
    assert set(EXAMPLES) <= set(ANSWERED_BY)
    assert readme_examples() <= set(ANSWERED_BY)
    assert len(readme_examples()) >= 4


@pytest.mark.parametrize("question", sorted(ANSWERED_BY))
def test_an_example_is_answered_from_its_paragraph(engine: Engine, question: str) -> None:
    answer = ask(question, engine)
    assert answer.status == "answered"
    assert answer.passages[0].paragraph == ANSWERED_BY[question]
