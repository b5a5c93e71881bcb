"""The full text as HTML, each paragraph numbered and addressable for the quotes' links.

gr.HTML renders without sanitising, so every character of the text is escaped here and
the only markup is the skeleton written below.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from ..answer.markdown import anchor, original
from ..ingest.passages import layout
from ..ingest.titles import title

if TYPE_CHECKING:
    from ..ingest.texts import Text

__all__ = ["essay_html"]


def essay_html(
    texts: tuple[Text, ...],
    *,
    repeat_label: str = "Wiederholt Absatz",
    page_label: str = "S.",
    slide_label: str = "Folie",
) -> str:
    parts = ['<div class="essay">']
    for text in texts:
        name = title(text)
        parts.append(f'<h2 class="essay-source" title="{escape(text.source)}">{escape(name)}</h2>')
        shown = ""  # the page (or slide) last marked
        for number, block in enumerate(layout(text)):
            if block.pages and block.pages[0] != shown:
                # Where a document's page begins, as printed; a PDF's opens there.
                shown = block.pages[0]
                label = slide_label if block.unit == "slide" else page_label
                mark = escape(f"{label} {shown}")
                opens = original(text.source, block.sheet)
                if opens:
                    mark = f'<a href="{escape(opens)}" target="_blank" rel="noopener">{mark}</a>'
                parts.append(f'<div class="page-mark">{mark}</div>')
            body = escape(block.text).replace("\n", "<br>")
            if block.kind == "heading":
                if number == 0 and block.text.lstrip("# \t").strip() == name:
                    continue  # the title, shown above

                parts.append(f"<h3>{escape(block.text.lstrip('#').strip())}</h3>")
            elif block.kind == "repeat":
                target = anchor(text.source, block.paragraph or 0)
                parts.append(
                    f'<blockquote class="pull-quote">{body} '
                    f'<a href="#{target}">({repeat_label} {block.paragraph})</a></blockquote>'
                )
            else:
                target = anchor(text.source, block.paragraph or 0)
                parts.append(
                    f'<p id="{target}" class="paragraph">'
                    f'<a class="paragraph-number" href="#{target}">{block.paragraph}</a> '
                    f"{body}</p>"
                )
    parts.append("</div>")
    return "\n".join(parts)
