"""A texts folder as the bot reads it: plain text and Markdown as written, documents
(PDF, Word, OpenDocument, HTML) through their readers, in the order of their names.

A document that cannot be read is skipped with the reason, and the rest are served: one
damaged PDF must not take a handbook's other files down. A file of another kind is
skipped by name too, so nothing in the folder is silently left out.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import SeedsClash, SeedsMissing
from .formats import DOCUMENT_SUFFIXES, Unreadable, read_document
from .texts import Text, slug

if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    "PLAIN_SUFFIXES",
    "SUFFIXES",
    "Folder",
    "Skipped",
    "load_folder",
    "load_texts",
    "read_folder",
]

log = logging.getLogger(__name__)

PLAIN_SUFFIXES = (".txt", ".md")
SUFFIXES = (*PLAIN_SUFFIXES, *DOCUMENT_SUFFIXES)


@dataclass(frozen=True)
class Skipped:
    """A file of the folder that is not served, and why."""

    name: str
    reason: str


@dataclass(frozen=True)
class Folder:
    texts: tuple[Text, ...]
    skipped: tuple[Skipped, ...] = ()


def read_folder(seeds: Path) -> Folder:
    """Every file in `seeds` read, or skipped with its reason."""
    if not seeds.is_dir():
        raise SeedsMissing(path=seeds, reason="not a directory")
    texts: list[Text] = []
    skipped: list[Skipped] = []
    for path in sorted(seeds.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue  # hidden files (editors' locks and backups) and folders
        if path.is_symlink() and path.resolve().parent != seeds.resolve():
            skipped.append(Skipped(path.name, "a link to a file outside the folder; copy it in"))
            continue
        suffix = path.suffix.lower()
        try:
            if suffix in PLAIN_SUFFIXES:
                text = _plain(path)
                if text.content.strip():
                    texts.append(text)
            elif suffix in DOCUMENT_SUFFIXES:
                texts.append(read_document(path))
            else:
                kinds = ", ".join(SUFFIXES)
                skipped.append(Skipped(path.name, f"not a kind of file the bot reads ({kinds})"))
        except Unreadable as exc:
            skipped.append(Skipped(path.name, exc.reason))
    _refuse_shared_slugs(seeds, texts)
    return Folder(tuple(texts), tuple(skipped))


def load_folder(seeds: Path) -> Folder:
    """The folder to serve: each skipped file logged with its reason, and at least one text
    to answer from (else SeedsMissing says what was found)."""
    folder = read_folder(seeds)
    for skipped in folder.skipped:
        log.warning("Skipped %s: %s.", skipped.name, skipped.reason)
    if not folder.texts:
        raise SeedsMissing(path=seeds, reason=_nothing(folder))
    return folder


def load_texts(seeds: Path) -> tuple[Text, ...]:
    """The texts of `seeds` (load_folder's), for whoever needs no more."""
    return load_folder(seeds).texts


def _nothing(folder: Folder) -> str:
    kinds = ", ".join(SUFFIXES)
    if not folder.skipped:
        return f"no non-empty file of a kind the bot reads ({kinds})"
    why = "; ".join(f"{s.name}: {s.reason}" for s in folder.skipped[:5])
    return f"no file that could be read ({why})"


def _plain(path: Path) -> Text:
    try:
        content = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        # Guessing its encoding could misquote it.
        raise Unreadable(
            f"not UTF-8 text ({exc.reason} at byte {exc.start}): save it as UTF-8"
        ) from exc
    except OSError as exc:  # no permission, a broken link, an I/O error
        raise Unreadable(f"it cannot be read ({exc.strerror or exc})") from exc
    # Offsets count from the text after a BOM and with CRLF normalised, so quote
    # offsets mean the same on every platform; quotes stay verbatim.
    return Text(source=path.name, content=content.removeprefix("\ufeff").replace("\r\n", "\n"))


def _refuse_shared_slugs(seeds: Path, texts: list[Text]) -> None:
    """Two texts whose links would look alike ("essay.txt", "Essay.md") cannot both be
    linked to, so the bot refuses to start rather than link quotes to the wrong text."""
    seen: dict[str, str] = {}
    for text in texts:
        other = seen.setdefault(slug(text.source), text.source)
        if other != text.source:
            raise SeedsClash(seeds / other, seeds / text.source, slug(text.source))
