"""What a text is called where readers see it: its own title, not its file name.

A text that opens with a heading (Markdown's `# Title`, or a plain text's short first
line without a closing full stop) is called by it; else by the title the document gives
itself (a PDF's "Debian-Leitfaden für Neue Paketbetreuer"); else by its file name made
readable ("open-source-grundlagenmodelle.txt" -> "Open-source-grundlagenmodelle").
"""

from __future__ import annotations

from functools import lru_cache

from .passages import layout
from .texts import Text

__all__ = ["readable_name", "title"]


def readable_name(source: str) -> str:
    stem = source.rsplit(".", 1)[0] if "." in source.lstrip(".") else source
    words = " ".join(stem.replace("_", " ").split())
    return (words[:1].upper() + words[1:]) or source


@lru_cache(maxsize=64)
def title(text: Text) -> str:
    blocks = layout(text)
    if blocks and blocks[0].kind == "heading":
        heading = blocks[0].text.lstrip(" \t#").strip()
        if heading:
            return heading
    return text.title or readable_name(text.source)
