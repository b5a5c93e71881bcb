"""Answers render as quotes in which only the bot's own markup is live."""

from __future__ import annotations

import re

import pytest
from markdown_it import MarkdownIt

from bot.answer.markdown import anchor, escape, quote_markdown
from bot.ingest.passages import split_passages
from bot.ingest.texts import Text

render = MarkdownIt("commonmark").render


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "**bold** _it_ `code`",
        "# heading",
        "- list item",
        "1986. war ein Jahr",
        "> quote",
        "a & b &amp; c",
        "$$x^2$$",
        "| a | b |",
    ],
)
def test_escaped_text_renders_as_the_same_characters(hostile: str) -> None:
    html = render(escape(hostile)).strip()
    assert re.fullmatch(r"<p>(.*)</p>", html, re.S), html
    inner = re.fullmatch(r"<p>(.*)</p>", html, re.S).group(1)  # type: ignore[union-attr]
    unescaped = (
        inner.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
    )
    assert unescaped == hostile
    assert "<script" not in html and "<img" not in html and "<a " not in html


def test_a_quote_names_its_place_links_to_it_and_bolds_the_highlight() -> None:
    text = Text("essay.txt", "Titel\nErster Satz hier. Zweiter <b>Satz</b> dort.\n")
    passage = split_passages(text)[0]
    markdown = quote_markdown(
        "Das sagt der Text dazu:", ((passage, passage.sentences[1:]),), paragraph_label="Absatz"
    )
    html = render(markdown)
    assert '<a href="#essay-p1">Absatz 1 · Titel</a>' in html
    assert "<blockquote>" in html
    assert "<strong>Zweiter &lt;b&gt;Satz&lt;/b&gt; dort.</strong>" in html
    assert "Erster Satz hier." in html


def test_anchors_are_stable_html_ids() -> None:
    assert anchor("open-source-grundlagenmodelle.txt", 8) == "open-source-grundlagenmodelle-p8"
    assert anchor("Über uns (2024).md", 1) == "über-uns-2024-p1"


@pytest.mark.parametrize(
    "text",
    ["see https://evil.example/login now", "www.evil.example", "mail a@b.example", "HTTP://X.Y"],
)
def test_bare_urls_in_the_text_do_not_become_links_in_gfm_renderers(text: str) -> None:
    # Gradio's chat renders GitHub-flavoured Markdown, which links bare URLs and addresses.
    html = MarkdownIt("gfm-like").render(escape(text))
    assert "<a " not in html
    assert html.strip() == f"<p>{text}</p>"
