"""The texts the bot quotes, read from the seeds directory exactly as written."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import SeedsClash, SeedsMissing, SeedUnreadable

__all__ = ["SUFFIXES", "Text", "load_texts", "slug", "texts_digest"]

SUFFIXES = (".txt", ".md")


@dataclass(frozen=True)
class Text:
    """One source file; `source` is its file name, which every quote names."""

    source: str
    content: str


def slug(source: str) -> str:
    """The name a text's paragraph links start with: "Über KI.md" -> "über-ki".

    Letters and digits of any script are kept, so German or Japanese file names stay apart.
    """
    return re.sub(r"[\W_]+", "-", source.rsplit(".", 1)[0].lower()).strip("-") or "text"


def load_texts(seeds: Path) -> tuple[Text, ...]:
    """Read every .txt and .md file in `seeds`, sorted by name so passage order is stable."""
    if not seeds.is_dir():
        raise SeedsMissing(path=seeds, reason="not a directory")
    texts = []
    for path in sorted(seeds.iterdir()):
        if path.suffix.lower() not in SUFFIXES or not path.is_file():
            continue
        try:
            content = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise SeedUnreadable(path=path, reason=f"not UTF-8: {exc.reason}") from exc
        except OSError as exc:  # no permission, a broken link, an I/O error
            raise SeedUnreadable(path=path, reason=exc.strerror or str(exc)) from exc
        # Offsets count from the text after a BOM and with CRLF normalised, so quote
        # offsets mean the same on every platform; quotes stay verbatim.
        content = content.removeprefix("\ufeff").replace("\r\n", "\n")
        if content.strip():
            texts.append(Text(source=path.name, content=content))
    if not texts:
        raise SeedsMissing(path=seeds, reason="no non-empty .txt or .md file")
    _refuse_shared_slugs(seeds, texts)
    return tuple(texts)


def _refuse_shared_slugs(seeds: Path, texts: list[Text]) -> None:
    """Two texts whose links would look alike ("essay.txt", "Essay.md") cannot both be
    linked to, so the bot refuses to start rather than link quotes to the wrong text."""
    seen: dict[str, str] = {}
    for text in texts:
        other = seen.setdefault(slug(text.source), text.source)
        if other != text.source:
            raise SeedsClash(seeds / other, seeds / text.source, slug(text.source))


def texts_digest(texts: tuple[Text, ...]) -> str:
    """A hash over names and contents: the index is stale when it changes."""
    digest = hashlib.sha256()
    for text in texts:
        for part in (text.source, text.content):
            data = part.encode("utf-8")
            digest.update(len(data).to_bytes(8, "big"))
            digest.update(data)
    return digest.hexdigest()
