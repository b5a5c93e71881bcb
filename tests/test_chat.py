"""The chat page as built: escaped full text headed by titles, votes read from clicks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from bot.feedback.given import AnswersGiven
from bot.feedback.records import Asked, Status
from bot.ingest.texts import Text
from bot.languages import LANGUAGES
from bot.settings import Settings
from bot.web.chat import chat_answer_id, user_questions, vote_on
from bot.web.essay import essay_html
from bot.web.heading import chat_heading, heading_html, owner_title
from bot.web.widget import widget_page


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


def test_a_thumb_on_an_answer_votes_on_the_bots_own_record_of_it() -> None:
    given = AnswersGiven()
    asked_at = datetime.now(UTC)
    for message, question, status in (
        (1, "Wer hat geklagt?", "answered"),
        (3, "Was kostet es?", "silent"),
    ):
        answer_id = chat_answer_id("session-1", message)
        given.keep(Asked(answer_id, asked_at, question, "de", cast("Status", status)))
    vote = vote_on(given, 3, False, "session-1")
    assert vote is not None
    assert (vote.question, vote.status, vote.helpful) == ("Was kostet es?", "silent", False)
    assert vote.answer_id == chat_answer_id("session-1", 3) != chat_answer_id("session-2", 3)
    first = vote_on(given, 1, True, "session-1")
    assert first is not None and (first.question, first.helpful) == ("Wer hat geklagt?", True)
    # A thumb on a question, out of range, in another conversation, or taken back names
    # no answer the bot gave.
    for index, liked, session in (
        (2, True, "session-1"),
        (9, True, "session-1"),
        ((1, 2), True, "session-1"),
        (1, True, "session-2"),
        (1, None, "session-1"),
        (1, "Like", "session-1"),
    ):
        assert vote_on(given, index, liked, session) is None


def test_the_chat_keeps_its_newest_answers_up_to_a_bound() -> None:
    given = AnswersGiven(most=3)
    for n in range(5):
        given.keep(Asked(f"answer-{n}", datetime.now(UTC), f"Frage {n}?", "de", "answered"))
    assert len(given) == 3
    assert given.get("answer-1") is None and given.get("answer-4") is not None


def test_the_chat_reads_earlier_questions_in_gradio_6s_message_shape() -> None:
    history: list[dict[str, Any]] = [
        {"role": "user", "content": [{"type": "text", "text": "Was hat Meta gemacht?"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "Das sagt der Text dazu:"}]},
        {"role": "user", "content": "Und dann?"},
        {"role": "user", "content": [{"type": "file", "file": {"path": "x.png"}}]},
    ]
    assert user_questions(history) == ["Was hat Meta gemacht?", "Und dann?"]


def test_the_chat_is_headed_by_the_owners_words_else_the_texts_title_else_a_plain_one() -> None:
    essay = Text("essay.txt", "Offene Modelle\nDer erste Absatz sagt, was der Text will.\n")
    handbook = Text("handbuch.txt", "Die Kantine öffnet um acht Uhr und schließt um drei.\n")
    english = Text("notes.txt", "The canteen opens at eight and closes at three.\n")
    plain = Settings()
    assert chat_heading(plain, (essay,))[0] == "Offene Modelle"
    assert chat_heading(plain, (essay, handbook)) == (
        "Fragen an den Text",
        LANGUAGES["de"].widget.chat_intro,
    )
    assert chat_heading(plain, (english, english))[0] == "Questions about the text"
    assert owner_title(plain, (essay, handbook)) == ""  # the widget says it in its own words
    owned = Settings(title="  Unser\n Handbuch ", intro="Fragen zur Kantine.")
    assert chat_heading(owned, (essay, handbook)) == ("Unser Handbuch", "Fragen zur Kantine.")
    assert owner_title(owned, (essay,)) == "Unser Handbuch"


def test_the_owners_title_and_intro_are_text_never_markup() -> None:
    owned = Settings(title='<img src=x onerror="alert(1)"> & Co', intro="<script>x</script>")
    html = heading_html(owned, (Text("a.txt", "Ein Satz, der endet.\n"),))
    assert html == (
        '<h1 class="chat-title">&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; Co</h1>\n'
        '<p class="chat-intro">&lt;script&gt;x&lt;/script&gt;</p>'
    )
    page = widget_page('"><script>alert(1)</script>').decode()
    assert 'data-title="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in page
    assert "<script>alert(1)" not in page
