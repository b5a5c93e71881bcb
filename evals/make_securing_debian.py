"""Turn the Securing Debian Manual into evaluation texts whose questions its own authors
wrote: the entries of its FAQ chapter. The German edition is one text, the English edition
another, each asked its own FAQ headings and the other edition's.

Usage (needs Debian's package archive once; the results are committed):

    .venv/bin/python evals/make_securing_debian.py

The package `harden-doc` (GPL-2 or later, see evals/texts/README.md) ships the manual as
Publican HTML in several languages. The German edition, chunk by chunk in reading order
(each page's "next" link), becomes one Markdown file: headings as `#` lines (their level
kept, their section numbers dropped), every paragraph a block with its lists as `- `
lines; program listings and tables are left out, as for the Developer's Reference. The
change history and the changelog are left out: version notes, not prose a reader asks about.

The FAQ chapter's entries are taken out of the text: an entry's heading (a section of that
chapter with paragraphs of its own) is not written, so its paragraphs stand under the
heading of their group, and the heading becomes a labelled question whose answers are the
entry's paragraphs (`answer_quotes`: the first words of each, as many as make them unique
in the text). The other edition's heading of the same section number is the same
question in the other language. Entries alternate between the tuning and the held-out
half, in the order the manual has them, and an entry's German and English questions share
a half.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup
from bs4.element import NavigableString, Tag
from debian_package import unpacked

from bot.ingest.folder import load_texts
from bot.ingest.passages import split_passages

PACKAGE = "harden-doc"
SHARE = Path("usr/share/doc/harden-doc/html")
HERE = Path(__file__).parent


@dataclass(frozen=True)
class Edition:
    """One language's edition: where the package keeps it, and what is made of it."""

    language: str
    share: str
    text: Path
    questions: Path


EDITIONS = (
    Edition(
        "de",
        "de-DE",
        HERE / "texts" / "securing-debian" / "securing-debian-de.md",
        HERE / "securing-debian.jsonl",
    ),
    Edition(
        "en",
        "en-US",
        HERE / "texts" / "securing-debian-en" / "securing-debian-en.md",
        HERE / "securing-debian-en.jsonl",
    ),
)
# A question in the other language than its text is of this kind.
_OTHER_KIND = {"de": "english", "en": "german"}
_SPACE = re.compile(r"\s+")
_NUMBER = re.compile(r"^((?:[A-Z]|\d+)(?:\.\d+)*)\.\s+")
_SKIP = {"pre", "table", "script", "style"}
_LEFT_OUT = ("changelog",)
_SECTIONS = {"section", "chapter", "appendix", "preface"}
_LISTS = {"itemizedlist", "orderedlist"}  # file names of the chunks left out


@dataclass
class Entry:
    """One FAQ entry: its section number, its question, the first words of its paragraphs."""

    number: str
    question: str
    paragraphs: list[str]


def _words(node: Tag) -> str:
    return _SPACE.sub(" ", node.get_text()).strip()


def _paragraph(node: Tag) -> str:
    """A paragraph's words, its lists as `- ` lines after them; listings left out."""
    for unwanted in node.find_all(_SKIP):
        unwanted.decompose()
    lists = [
        n.extract() for n in node.find_all(["ul", "ol"]) if n.find_parent(["ul", "ol"]) is None
    ]
    lines = [_words(node)]
    for listed in lists:
        for item in listed.find_all("li", recursive=False):
            lines.append(f"- {_words(item)}")
    return "\n".join(line for line in lines if line.strip("- "))


def _heading(section: Tag) -> tuple[int, str, str] | None:
    """A section's heading: its level, its section number, its words without the number."""
    heading = section.select_one(
        ":scope > div.titlepage h1, :scope > div.titlepage h2, "
        ":scope > div.titlepage h3, :scope > div.titlepage h4, "
        ":scope > div.titlepage h5, :scope > div.titlepage h6"
    )
    if heading is None:
        return None
    words = _words(heading)
    match = _NUMBER.match(words)
    number = match.group(1) if match else ""
    return int(heading.name[1]), number, words[match.end() :] if match else words


def _blocks(
    node: Tag, faq: bool, blocks: list[str], entries: list[Entry], starts: list[int]
) -> None:
    """The node's content as Markdown blocks in reading order; FAQ entries' headings go to
    `entries` instead of the text. `starts` gets the block at which each section begins."""
    for child in node.children:
        if isinstance(child, NavigableString) or not isinstance(child, Tag):
            continue
        classes: list[str] = list(child.get("class") or [])
        if child.name in _SKIP or "docnav" in classes or child.get("id") == "title":
            continue
        if "titlepage" in classes:
            continue  # written by the section it belongs to
        if child.name == "div" and _SECTIONS & set(classes):
            starts.append(len(blocks))
            found = _heading(child)
            own = child.find_all("div", class_="para", recursive=False)
            if found is not None and faq and own and found[1].count(".") >= 2:
                entry = Entry(found[1], found[2], [])
                entries.append(entry)
                begin, nested = len(blocks), len(starts)
                _blocks(child, faq, blocks, entries, starts)
                # Its own paragraphs, not those of the entries it holds.
                end = starts[nested] if len(starts) > nested else len(blocks)
                entry.paragraphs = blocks[begin:end]
                continue
            if found is not None:
                blocks.append("#" * found[0] + " " + found[2])
            _blocks(child, faq, blocks, entries, starts)
        elif (
            "para" in classes
            or child.name == "p"
            or _LISTS & set(classes)
            or child.name in ("ul", "ol")
        ):
            if text := _paragraph(child):
                blocks.append(text)
        else:
            _blocks(child, faq, blocks, entries, starts)


def _read(page: Path) -> str:
    """A chunk's HTML; Debian compresses the larger ones."""
    if page.exists():
        return page.read_text(encoding="utf-8")
    return gzip.decompress(page.with_name(page.name + ".gz").read_bytes()).decode("utf-8")


def _pages(share: Path) -> list[Path]:
    """The edition's chunks in reading order, from its index through each "next" link."""
    pages, page = [], share / "index.html"
    while True:
        pages.append(page)
        soup = BeautifulSoup(_read(page), "html.parser")
        following = soup.find("link", rel="next")
        if not isinstance(following, Tag):
            return pages
        page = share / str(following["href"]).split("#")[0]


def convert(share: Path) -> tuple[str, list[Entry]]:
    blocks: list[str] = []
    entries: list[Entry] = []
    starts: list[int] = []
    for page in _pages(share):
        if any(part in page.name for part in _LEFT_OUT):
            continue
        soup = BeautifulSoup(_read(page), "html.parser")
        title = soup.find("title")
        faq = (isinstance(title, Tag) and "FAQ" in title.get_text()) or page.name.startswith("ch12")
        body = soup.body
        if body is None:
            raise SystemExit(f"{page}: no body; has the package's layout changed?")
        _blocks(body, faq, blocks, entries, starts)
    return "\n\n".join(blocks) + "\n", entries


def headings(share: Path) -> dict[str, str]:
    """Every section number's heading words in an edition."""
    found = {}
    for page in _pages(share):
        soup = BeautifulSoup(_read(page), "html.parser")
        for section in soup.find_all("div", class_="section"):
            heading = _heading(section)
            if heading is not None and heading[1]:
                found[heading[1]] = heading[2]
    return found


def _quote(paragraph: str, text: str) -> str | None:
    """The paragraph's first words, as many as it takes to be found once in the text;
    None for a paragraph said more than once ("Die kurze Antwort: Nein.")."""
    words = paragraph.split()
    spaced = _SPACE.sub(" ", text)
    for count in range(6, len(words) + 1):
        quote = " ".join(words[:count])
        if spaced.count(quote) == 1:
            return quote
    return None


def cases(
    entries: list[Entry], other: dict[str, str], text: str, language: str, served: str
) -> list[dict[str, Any]]:
    """The labelled questions; `served` is the text as the bot keeps it, without the
    paragraphs it drops as repeats of another ("Some people believe, however, that ...")."""
    found = []
    answered = [
        (
            entry,
            [
                q
                for q in (_quote(p, text) for p in entry.paragraphs)
                if q is not None and q in served
            ],
        )
        for entry in entries
    ]
    # An entry whose every paragraph is said elsewhere too has no answer to name.
    for position, (entry, quotes) in enumerate((e, q) for e, q in answered if q):
        split = "tune" if position % 2 == 0 else "heldout"
        other_language = "en" if language == "de" else "de"
        asked = [(language, entry.question)]
        if entry.number in other:
            asked.append((other_language, other[entry.number]))
        for asked_in, question in asked:
            found.append(
                {
                    "id": f"sd-{entry.number}-{asked_in}",
                    "split": split,
                    "kind": "direct" if asked_in == language else _OTHER_KIND[language],
                    "language": asked_in,
                    "question": question,
                    "history": [],
                    "answer_quotes": quotes,
                }
            )
    return found


def main() -> None:
    with unpacked(PACKAGE) as (root, version):
        for edition in EDITIONS:
            text, entries = convert(root / SHARE / edition.share)
            (other,) = (e for e in EDITIONS if e is not edition)
            edition.text.parent.mkdir(parents=True, exist_ok=True)
            edition.text.write_text(text, encoding="utf-8")
            (served,) = load_texts(edition.text.parent)
            kept = "\n".join(_SPACE.sub(" ", p.text) for p in split_passages(served))
            labelled = cases(
                entries, headings(root / SHARE / other.share), text, edition.language, kept
            )
            edition.questions.write_text(
                "".join(json.dumps(case, ensure_ascii=False) + "\n" for case in labelled),
                encoding="utf-8",
            )
            print(
                f"{edition.text}: {len(text)} characters, {edition.questions}: "
                f"{len(labelled)} questions from {PACKAGE} {version}",
                file=sys.stderr,
            )


if __name__ == "__main__":
    main()
