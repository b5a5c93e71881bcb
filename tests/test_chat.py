"""The chat page as built: escaped full text headed by titles, votes read from clicks."""

from __future__ import annotations

from typing import Any

from bot.ingest.texts import Text
from bot.web.chat import chat_answer_id, user_questions, vote_on
from bot.web.essay import essay_html


def test_the_full_text_numbers_paragraphs_and_escapes_every_character() -> None:
    text = Text(
        "doc.txt",
        "Titel <i>x</i>\nErster Absatz mit <script>alert(1)</script> & mehr.\n"
        "Zweiter Absatz hier, ganz anders als der erste davor.\n",
    )
    html = essay_html((text,))
    # Its first line is its title, over the text, once; the file name stays as a tooltip.
    assert '<h2 class="essay-source" title="doc.txt">Titel &lt;i&gt;x&lt;/i&gt;</h2>' in html
    assert "<h3>" not in html
    assert 'id="doc-p1"' in html and 'id="doc-p2"' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; mehr." in html
    assert "<script>" not in html


def test_a_text_without_a_title_line_is_headed_by_its_file_name_made_readable() -> None:
    text = Text("open-source_grundlagenmodelle.txt", "Ein Absatz, der mit einem Punkt endet.\n")
    assert (
        '<h2 class="essay-source" title="open-source_grundlagenmodelle.txt">'
        "Open-source grundlagenmodelle</h2>" in essay_html((text,))
    )


def test_a_thumb_on_an_answer_is_a_vote_on_the_question_before_it() -> None:
    history: list[dict[str, Any]] = [
        {"role": "user", "content": "Wer hat geklagt?"},
        {"role": "assistant", "content": '<span class="status status-answered">x</span> ...'},
        {"role": "user", "content": [{"type": "text", "text": "Was kostet es?"}]},
        {
            "role": "assistant",
            "content": [{"type": "text", "text": '<span class="status status-silent">y</span>'}],
        },
    ]
    vote = vote_on(history, 3, False, "session-1")
    assert vote is not None
    assert (vote.question, vote.status, vote.helpful) == ("Was kostet es?", "silent", False)
    assert vote.answer_id == chat_answer_id("session-1", 3) != chat_answer_id("session-2", 3)
    first = vote_on(history, 1, True, "session-1")
    assert first is not None and (first.question, first.helpful) == ("Wer hat geklagt?", True)
    # A thumb on a question, out of range, or taken back names no answer.
    for index, liked in ((2, True), (9, True), ((1, 2), True), (1, None), (1, "Like")):
        assert vote_on(history, index, liked, "session-1") is None


def test_the_chat_reads_earlier_questions_in_gradio_6s_message_shape() -> None:
    history: list[dict[str, Any]] = [
        {"role": "user", "content": [{"type": "text", "text": "Was hat Meta gemacht?"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "Das sagt der Text dazu:"}]},
        {"role": "user", "content": "Und dann?"},
        {"role": "user", "content": [{"type": "file", "file": {"path": "x.png"}}]},
    ]
    assert user_questions(history) == ["Was hat Meta gemacht?", "Und dann?"]
