"""What the document readers share: lists kept with their lead-in, tables as rows."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from .pieces import Piece

__all__ = ["Flow", "table_rows"]


class Flow:
    """Paragraphs as a reader meets them: a list's items join the paragraph before them
    (its lead-in, "Bitte bringen Sie mit:"), one item a line, so an item is quoted with
    what it is an item of. A web page's heading may carry its own anchor; the
    paragraphs under it open there."""

    def __init__(self) -> None:
        self._open: list[str] = []
        self._section = ""  # the anchor of the heading above
        self._anchor = ""  # the anchor of the open paragraph

    def heading(self, text: str, level: int, anchor: str = "") -> Iterator[Piece]:
        yield from self.end()
        if text.strip():
            self._section = anchor
            yield Piece("heading", " ".join(text.split()), level, anchor=anchor)

    def paragraph(self, text: str) -> Iterator[Piece]:
        yield from self.end()
        if text.strip():
            self._open = [text.strip()]
            self._anchor = self._section

    def paragraphs(self, texts: Sequence[str]) -> Iterator[Piece]:
        for text in texts:
            yield from self.paragraph(text)

    def item(self, text: str) -> Iterator[Piece]:
        if text.strip():
            if not self._open:
                self._anchor = self._section
            self._open.append("• " + " ".join(text.split()))
        return iter(())

    def end(self) -> Iterator[Piece]:
        if self._open:
            yield Piece("paragraph", "\n".join(self._open), anchor=self._anchor)
        self._open = []


def table_rows(rows: Sequence[Sequence[str]]) -> list[str]:
    """A table as lines a reader can quote: each row after the first, its cells named by
    the first row's ("Tag: Montag; Öffnungszeit: 7-17 Uhr"); a table of one row, or with
    an empty head, as its cells."""
    cleaned = [
        [" ".join(cell.split()) for cell in row] for row in rows if any(c.strip() for c in row)
    ]
    if not cleaned:
        return []
    head, *body = cleaned
    if not body or not all(head):
        return ["; ".join(cell for cell in row if cell) for row in cleaned]
    lines = []
    for row in body:
        named = [f"{name}: {cell}" for name, cell in zip(head, row, strict=False) if cell]
        lines.append("; ".join(dict.fromkeys(named)))  # merged cells repeat: once each
    return lines
