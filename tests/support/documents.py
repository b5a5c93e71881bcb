"""Documents made by real converters from an evaluation text's Markdown, as a page owner's
would be made: pandoc writes HTML, Word and OpenDocument; Chromium prints the HTML to PDF
with a running header and page footer; qpdf locks a PDF. Nothing here is written by hand.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from .services import unavailable

if TYPE_CHECKING:
    from playwright.sync_api import Browser

HEADER = "Handbuch für neue Mitarbeitende"
# Chromium fills in the page numbers: "Seite 3 von 10".
_HEADER = f'<div style="font-size:8px;width:100%;text-align:center">{HEADER}</div>'
_FOOTER = (
    '<div style="font-size:8px;width:100%;text-align:center">Seite '
    '<span class="pageNumber"></span> von <span class="totalPages"></span></div>'
)


def need(tool: str) -> str:
    """The converter's path; where it is missing, skip (or fail under CI) and say how to get it."""
    found = shutil.which(tool)
    if found is None:
        unavailable(tool, "PATH", FileNotFoundError(f"{tool} is not installed (make converters)"))
    assert found is not None
    return found


def pandoc(markdown: Path, target: Path, *extra: str) -> Path:
    # GitHub's Markdown: a list may follow its lead-in line directly, as in the texts.
    command = [need("pandoc"), "-f", "gfm", str(markdown), "-o", str(target), *extra]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    return target


def print_pdf(
    browser: Browser, html: Path, target: Path, *, running: bool = True, outline: bool = False
) -> Path:
    """The page printed as a reader's browser prints it, A4, with (`running`) a header and
    a footer on each page, and (`outline`) bookmarks from its headings."""
    page = browser.new_page()
    try:
        page.goto(html.as_uri())
        page.pdf(
            path=str(target),
            format="A4",
            outline=outline,
            tagged=outline,
            display_header_footer=running,
            header_template=_HEADER,
            footer_template=_FOOTER,
            margin={"top": "20mm", "bottom": "20mm", "left": "20mm", "right": "20mm"},
        )
    finally:
        page.close()
    return target


def make_documents(markdown: Path, directory: Path, browser: Browser) -> dict[str, Path]:
    """The text as HTML, DOCX, ODT, PPTX, EPUB and PDF, by format."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = directory / markdown.stem
    html = pandoc(
        markdown, stem.with_suffix(".html"), "-s", "-M", "lang=de", "-M", "title=Handbuch"
    )
    return {
        "html": html,
        "docx": pandoc(markdown, stem.with_suffix(".docx")),
        "odt": pandoc(markdown, stem.with_suffix(".odt")),
        "pptx": pandoc(markdown, stem.with_suffix(".pptx")),
        "epub": pandoc(markdown, stem.with_suffix(".epub"), "-M", "title=Handbuch"),
        "pdf": print_pdf(browser, html, stem.with_suffix(".pdf")),
    }


def locked(pdf: Path, target: Path, *, user: str) -> Path:
    """The PDF encrypted by qpdf: with `user` empty, only an owner password is set."""
    command = [need("qpdf"), "--encrypt", user, "owner-secret", "256", "--", str(pdf), str(target)]
    subprocess.run(command, check=True, capture_output=True, timeout=60)
    return target


def long_pdf(target: Path, pages: int, vocabulary_from: Path) -> Path:
    """A manual of `pages` pages made with ReportLab: on each a running header, a heading,
    three numbered rules in the words of a real text (drawn as often as that text uses
    them, so rare words are rare), and the page number as footer."""
    import collections
    import random
    import re

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    counts = collections.Counter(re.findall(r"[^\W\d_]{3,}", vocabulary_from.read_text("utf-8")))
    words, weights = zip(*counts.items(), strict=True)
    rng = random.Random(pages)
    pdf = canvas.Canvas(str(target), pagesize=A4)
    for number in range(1, pages + 1):
        pdf.setFont("Helvetica", 9)
        pdf.drawString(72, 800, "Betriebshandbuch der Beispiel GmbH")
        pdf.setFont("Helvetica-Bold", 14)
        pdf.drawString(72, 760, f"{number}. {' '.join(rng.choices(words, weights, k=3))}")
        pdf.setFont("Helvetica", 11)
        for line in range(3):
            rule = " ".join(rng.choices(words, weights, k=11))
            pdf.drawString(72, 730 - 15 * line, f"Regel {number}.{line + 1}: {rule}.")
        pdf.setFont("Helvetica", 9)
        pdf.drawString(290, 40, str(number))
        pdf.showPage()
    pdf.save()
    return target
