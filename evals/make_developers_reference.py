"""Turn Debian's German Developer's Reference into an evaluation text for essaybot.

Usage (needs Debian's package archive once; the result is committed):

    .venv/bin/python evals/make_developers_reference.py

The package `developers-reference-de` (GPL-2, like the rest of the Developer's Reference;
see evals/texts/README.md) ships the manual as Sphinx HTML. Its chapters, in the order of
the manual's table of contents, become one Markdown file the bot reads like any seed:
headings as `#` lines (their level kept), every paragraph a block, a list one block of
`- ` lines right after the paragraph that introduces it, definition lists as
`term: definition` lines. Code blocks and tables are left out: they are not prose a
reader asks about, and a quote of a shell snippet answers no question.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, Tag
from debian_package import unpacked

PACKAGE = "developers-reference-de"
SHARE = Path("usr/share/developers-reference/de")
TARGET = Path(__file__).parent / "texts" / "developers-reference" / "developers-reference-de.md"
_SPACE = re.compile(r"\s+")
_SKIP = {"pre", "table", "script", "style"}


def _text(node: Tag) -> str:
    """The node's words on one line: no section numbers, no permalink signs."""
    for unwanted in node.select("span.section-number, a.headerlink"):
        unwanted.decompose()
    for block in node.find_all(["p", "li", "dd", "dt"]):
        block.append(" ")  # blocks inside a list item do not run into each other
    return _SPACE.sub(" ", node.get_text()).strip()


def _list(node: Tag) -> str:
    items = []
    for item in node.find_all("li", recursive=False):
        nested = [n.extract() for n in item.find_all(["ul", "ol"], recursive=False)]
        items.append(f"- {_text(item)}")
        items += [f"  {line}" for n in nested for line in _list(n).splitlines()]
    return "\n".join(items)


def _definitions(node: Tag) -> str:
    lines = []
    for term in node.find_all("dt", recursive=False):
        definition = term.find_next_sibling("dd")
        meaning = _text(definition) if isinstance(definition, Tag) else ""
        lines.append(f"{_text(term)}: {meaning}".rstrip(": "))
    return "\n".join(lines)


def _blocks(node: Tag) -> list[str]:
    """The node's content as Markdown blocks, in reading order."""
    blocks: list[str] = []
    for child in node.children:
        if isinstance(child, NavigableString) or not isinstance(child, Tag):
            continue
        if child.name in _SKIP or "highlight" in " ".join(child.get("class") or []):
            continue
        if re.fullmatch(r"h[1-6]", child.name):
            blocks.append("#" * int(child.name[1]) + " " + _text(child))
        elif child.name == "p":
            if text := _text(child):
                blocks.append(text)
        elif child.name in ("ul", "ol"):
            listed = _list(child)
            # A list belongs to the sentence that introduces it ("Sie brauchen:").
            if blocks and blocks[-1].endswith(":") and not blocks[-1].startswith("#"):
                blocks[-1] += "\n" + listed
            elif listed:
                blocks.append(listed)
        elif child.name == "dl":
            blocks.append(_definitions(child))
        else:  # section, div (admonitions, wrappers), blockquote: their own content
            blocks += _blocks(child)
    return [block for block in blocks if block.strip()]


def convert(share: Path) -> str:
    index = BeautifulSoup((share / "index.html").read_text(encoding="utf-8"), "html.parser")
    chapters = [
        str(a["href"]).split("#")[0]
        for a in index.select("li.toctree-l1 > a.reference.internal")
    ]
    blocks = ["# Debian-Entwicklerreferenz"]
    for chapter in dict.fromkeys(chapters):
        page = BeautifulSoup((share / chapter).read_text(encoding="utf-8"), "html.parser")
        body = page.select_one("div.body")
        if body is None:
            raise SystemExit(f"{chapter}: no div.body; has the package's layout changed?")
        blocks += _blocks(body)
    return "\n\n".join(blocks) + "\n"


def main() -> None:
    with unpacked(PACKAGE) as (root, version):
        text = convert(root / SHARE)
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(text, encoding="utf-8")
    print(f"{TARGET}: {len(text)} characters from {PACKAGE} {version}", file=sys.stderr)


if __name__ == "__main__":
    main()
