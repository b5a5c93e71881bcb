"""The chat page as built: escaped full text, the examples."""

from __future__ import annotations

from typing import Any

from bot import Engine
from bot.ingest.texts import Text
from bot.web.chat import EXAMPLES, user_questions
from bot.web.essay import essay_html


def test_the_full_text_numbers_paragraphs_and_escapes_every_character() -> None:
    text = Text(
        "doc.txt",
        "Titel <i>x</i>\nErster Absatz mit <script>alert(1)</script> & mehr.\n"
        "Zweiter Absatz hier, ganz anders als der erste davor.\n",
    )
    html = essay_html((text,))
    assert "<h3>Titel &lt;i&gt;x&lt;/i&gt;</h3>" in html
    assert 'id="doc-p1"' in html and 'id="doc-p2"' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; mehr." in html
    assert "<script>" not in html


def test_the_examples_are_answered_by_the_text(engine: Engine) -> None:
    from bot import ask

    assert all(ask(example, engine).found for example in EXAMPLES)


def test_the_chat_reads_earlier_questions_in_gradio_6s_message_shape() -> None:
    history: list[dict[str, Any]] = [
        {"role": "user", "content": [{"type": "text", "text": "Was hat Meta gemacht?"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "Das sagt der Text dazu:"}]},
        {"role": "user", "content": "Und dann?"},
        {"role": "user", "content": [{"type": "file", "file": {"path": "x.png"}}]},
    ]
    assert user_questions(history) == ["Was hat Meta gemacht?", "Und dann?"]
