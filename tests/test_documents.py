"""Documents as page owners have them: PDF, Word, OpenDocument and HTML, made from the
handbook's Markdown by real converters, read as well as the Markdown itself, each quote
with the pages it stands on; a file that cannot be read is named with why, and the others
are served."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import lxml.html
import pypdfium2
import pytest
from click.testing import CliRunner
from playwright.sync_api import Browser, expect

from bot import Settings, load_engine
from bot.answer.ask import ask
from bot.answer.markdown import quote_markdown
from bot.cli import cli
from bot.ingest.folder import read_folder
from bot.ingest.formats import read_document
from bot.ingest.formats.pdf import Hyphens, join_lines
from bot.ingest.passages import Passage, layout, split_passages
from bot.ingest.texts import Text
from bot.ingest.titles import title
from bot.web.essay import essay_html

from .conftest import ESSAY, HANDBOOK, PROJECT
from .support.browser import guarded_page
from .support.documents import HEADER, locked, long_pdf, make_documents, pandoc, print_pdf
from .support.server import Server, running_server

MARKDOWN = HANDBOOK / "handbuch.md"
FORMATS = ("html", "docx", "odt", "epub", "pdf")


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory, browser: Browser) -> dict[str, Path]:
    return make_documents(MARKDOWN, tmp_path_factory.mktemp("documents"), browser)


def _plain(text: str) -> str:
    """A paragraph's words, list bullets aside (a PDF's are drawn, not written)."""
    return " ".join(re.sub(r"(?m)^\s*(?:[-*•]|\d+[.)])\s+", "", text).split())


def _texts(tmp_path: Path, files: dict[str, Path]) -> Path:
    """A texts folder of a page owner's, holding copies of `files` under their names."""
    seeds = tmp_path / "texts"
    seeds.mkdir()
    for name, source in files.items():
        (seeds / name).write_bytes(source.read_bytes())
    return seeds


def _markdown_passages() -> tuple[Passage, ...]:
    return split_passages(Text(MARKDOWN.name, MARKDOWN.read_text(encoding="utf-8")))


@pytest.mark.browser
@pytest.mark.parametrize("kind", FORMATS)
def test_each_format_gives_the_markdowns_paragraphs_under_the_same_headings(
    documents: dict[str, Path], kind: str
) -> None:
    read = {_plain(p.text): p.headings for p in split_passages(read_document(documents[kind]))}
    expected = {_plain(p.text): p.headings for p in _markdown_passages()}
    missing = [text[:80] for text in expected if text not in read]
    assert missing == []
    moved = [text[:80] for text, headings in expected.items() if read[text] != headings]
    assert moved == []
    assert len(read) == len(expected)  # nothing more: no header, footer or page number


@pytest.mark.browser
def test_a_presentation_gives_each_slides_paragraphs_under_its_title_with_its_number(
    documents: dict[str, Path],
) -> None:
    """pandoc makes a slide of each section; a list's items are its paragraphs there."""
    read = split_passages(read_document(documents["pptx"]))
    slides = {_plain(p.text): (p.section, p.pages, p.unit) for p in read}
    expected = [p for p in _markdown_passages() if "\n" not in p.text]
    assert [slides[_plain(p.text)][0] for p in expected] == [p.section for p in expected]
    numbers = [int(p.pages[0]) for p in read]
    assert numbers == sorted(numbers) and numbers[0] == 2  # the title slide says nothing
    assert {unit for *_, unit in slides.values()} == {"slide"}
    # Cited by its slide, and opened in the bot's full text (a deck has no viewer link).
    quoted = quote_markdown(
        "Das sagt der Text dazu:", ((read[0], ()),), paragraph_label="Absatz", slide_label="Folie"
    )
    assert " — handbuch.pptx, Folie 2\n\n> " in quoted and "files/" not in quoted


@pytest.mark.browser
def test_a_pdf_passage_names_its_pages_as_printed_without_running_header_or_footer(
    documents: dict[str, Path],
) -> None:
    passages = split_passages(read_document(documents["pdf"]))
    assert all(p.pages for p in passages)
    assert not [p for p in passages if HEADER in p.text or re.search(r"Seite \d+ von", p.text)]
    firsts = [int(p.pages[0]) for p in passages]
    assert firsts == sorted(firsts) and firsts[0] == 1 and firsts[-1] >= 8
    # Paragraphs that run over a page break are one passage each, on both pages.
    over = [p for p in passages if len(p.pages) == 2]
    assert over and all(int(p.pages[1]) == int(p.pages[0]) + 1 for p in over)


def test_a_hyphen_at_a_line_end_is_judged_by_how_the_document_writes_the_word() -> None:
    words = frozenset({"debian-bezogene", "fahrradstellplätze"})
    hyphens = Hyphens(words, joins=True)
    assert join_lines(["für Debian-", "bezogene Zwecke"], hyphens) == "für Debian-bezogene Zwecke"
    assert join_lines(["die Fahrrad-", "stellplätze"], hyphens) == "die Fahrradstellplätze"
    # Written neither way elsewhere: as the document's other breaks go.
    assert join_lines(["non-", "free"], Hyphens(words, joins=False)) == "non-free"
    assert join_lines(["Umklei-", "den"], Hyphens(words, joins=True)) == "Umkleiden"


def test_a_word_broken_at_a_line_end_is_joined_and_a_real_hyphen_kept() -> None:
    assert join_lines(["Die Fahrrad-", "stellplätze liegen im Hof."]) == (
        "Die Fahrradstellplätze liegen im Hof."
    )
    assert join_lines(["Das Debian-", "System startet."]) == "Das Debian-System startet."
    assert (
        join_lines(["Trekking-, Stadt- und", "Lastenräder"]) == "Trekking-, Stadt- und Lastenräder"
    )
    assert join_lines(["an handbuch@brenner-", "voss.example schreiben"]) == (
        "an handbuch@brenner-voss.example schreiben"
    )
    assert join_lines(["Bitte mitbringen:", "• den Ausweis", "• die Steuer-ID"]) == (
        "Bitte mitbringen:\n• den Ausweis\n• die Steuer-ID"
    )
    # A browser breaks after any hyphen; only between letters can it be hyphenation.
    assert join_lines(["für die Intel-i386-", "Plattformen"]) == "für die Intel-i386-Plattformen"
    assert join_lines(['die "Testing"-', "Distribution"]) == 'die "Testing"-Distribution'
    assert join_lines(["an 123-", "done@bugs.debian.org"]) == "an 123-done@bugs.debian.org"
    assert join_lines(["auf ftp-", "master.debian.org"], Hyphens(frozenset({"ftpmaster"}))) == (
        "auf ftp-master.debian.org"
    )
    assert join_lines(["Sie sich -", "falls Sie"]) == "Sie sich - falls Sie"
    # A number starts an item only in its list's count.
    assert join_lines(["bullseye (Debian", "11) Stable ist"]) == "bullseye (Debian 11) Stable ist"
    assert join_lines(["Schritte:", "1. lesen", "2. fragen"]) == "Schritte:\n1. lesen\n2. fragen"


@pytest.mark.browser
def test_a_pdf_with_only_an_owner_password_opens(
    documents: dict[str, Path], tmp_path: Path
) -> None:
    owner_only = read_document(locked(documents["pdf"], tmp_path / "owner.pdf", user=""))
    plain = read_document(documents["pdf"])
    assert (owner_only.content, owner_only.marks) == (plain.content, plain.marks)


@pytest.fixture(scope="module")
def bad_folder(
    tmp_path_factory: pytest.TempPathFactory, documents: dict[str, Path], browser: Browser
) -> Path:
    """The handbook as HTML beside every kind of file that cannot be read."""
    folder = tmp_path_factory.mktemp("bad-folder")
    (folder / "handbuch.html").write_bytes(documents["html"].read_bytes())
    # A scan: the page's text as a picture only, printed to PDF.
    picture = folder.parent / "scan.png"
    page = browser.new_page()
    page.goto(documents["html"].as_uri())
    page.screenshot(path=str(picture))
    page.close()
    scan_page = folder.parent / "scan.html"
    scan_page.write_text(f'<!doctype html><img src="{picture.as_uri()}" width="700">')
    print_pdf(browser, scan_page, folder / "scan.pdf", running=False)
    locked(documents["pdf"], folder / "locked.pdf", user="reader-secret")
    data = documents["pdf"].read_bytes()
    (folder / "truncated.pdf").write_bytes(data[: len(data) // 3])
    with (
        zipfile.ZipFile(folder / "bomb.docx", "w", zipfile.ZIP_DEFLATED) as bomb,
        bomb.open("word/document.xml", "w") as part,
    ):
        for _ in range(300):  # 300 MB of zeros, packed into a few hundred KB
            part.write(b"\0" * 2**20)
    (folder / "script.html").write_text(
        "<!doctype html><html><body><script>document.write('Hallo')</script></body></html>"
    )
    (folder / "report.docx").write_bytes(data)  # a PDF under another name
    (folder / "notes.csv").write_text("Tag,Zeit\nMontag,7 Uhr\n")
    return folder


@pytest.mark.browser
def test_each_bad_file_is_named_with_why_and_the_others_are_served(bad_folder: Path) -> None:
    folder = read_folder(bad_folder)
    assert [text.source for text in folder.texts] == ["handbuch.html"]
    reasons = {skipped.name: skipped.reason for skipped in folder.skipped}
    assert "no text layer" in reasons["scan.pdf"] and "run OCR first" in reasons["scan.pdf"]
    assert "needs a password" in reasons["locked.pdf"]
    assert "damaged or cut short" in reasons["truncated.pdf"]
    assert "far more than a document holds" in reasons["bomb.docx"]
    assert "no text to quote" in reasons["script.html"]
    assert "not a readable Word file" in reasons["report.docx"]
    assert "not a kind of file the bot reads" in reasons["notes.csv"]
    assert len(reasons) == 7


@pytest.mark.browser
def test_a_quote_from_a_pdf_says_its_page_in_the_answer(
    documents: dict[str, Path], tmp_path: Path
) -> None:
    seeds = _texts(tmp_path, {"handbuch.pdf": documents["pdf"]})
    engine = load_engine(
        Settings(seeds=seeds, index_dir=tmp_path / "index"), notify=lambda message: None
    )
    answer = ask("Wann fährt der Werksbus zwischen den Standorten?", engine)
    best = answer.passages[0]
    assert "Werksbus" in best.text and best.page == "1"
    # The citation names the document and the page, and opens the original there:
    # "... — [Handbuch ..., S. 1](files/handbuch.pdf#page=1)".
    assert best.opens == "files/handbuch.pdf#page=1"
    cited = r" — \[[^\n]+, S\. 1\]\(files/handbuch\.pdf#page=1\)\n\n> "
    assert re.search(cited, answer.markdown), answer.markdown[:400]
    assert answer.to_json()["passages"][0]["page"] == "1"
    # Read back from disk (a restart, a replica), the quote still knows its page.
    reloaded = load_engine(
        Settings(seeds=seeds, index_dir=tmp_path / "index"), notify=lambda message: None
    )
    again = ask("Wann fährt der Werksbus zwischen den Standorten?", reloaded).passages[0]
    assert (again.page, again.opens) == ("1", "files/handbuch.pdf#page=1")


@pytest.mark.browser
def test_a_quote_from_a_web_page_opens_it_at_its_sections_own_anchor(
    documents: dict[str, Path], tmp_path: Path
) -> None:
    seeds = _texts(tmp_path, {"handbuch.html": documents["html"]})
    engine = load_engine(
        Settings(seeds=seeds, index_dir=tmp_path / "index"), notify=lambda message: None
    )
    best = ask("Wann fährt der Werksbus zwischen den Standorten?", engine).passages[0]
    assert "Werksbus" in best.text and best.opens is not None
    anchor = best.opens.removeprefix("files/handbuch.html#")
    # pandoc gave the heading above the paragraph that id; the link opens there.
    page = lxml.html.fromstring(documents["html"].read_bytes())
    (heading,) = page.xpath(f"//*[@id='{anchor}']")
    assert heading.text_content().strip() == best.section


def test_a_web_pages_anchors_are_found_as_wikis_and_generators_write_them(
    tmp_path: Path,
) -> None:
    page = tmp_path / "wiki.html"
    page.write_text(
        "<html><body><main>"
        '<h2><span class="mw-headline" id="Kantine">Kantine</span></h2><p>Mittags offen.</p>'
        '<section id="parken"><h2>Parken</h2><ul><li>Tor 2</li></ul></section>'
        '<h2 id="bus">Bus</h2><p>Um 7 Uhr.</p><h2>Ohne Anker</h2><p>Nichts.</p>'
        "</main></body></html>",
        encoding="utf-8",
    )
    passages = split_passages(read_document(page))
    assert [(p.text, p.anchor) for p in passages] == [
        ("Mittags offen.", "Kantine"),
        ("• Tor 2", "parken"),
        ("Um 7 Uhr.", "bus"),
        ("Nichts.", ""),
    ]


@pytest.mark.browser
@pytest.mark.server
def test_the_index_lists_each_file_and_the_server_names_the_skipped(
    bad_folder: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    args = ["index", "--seeds", str(bad_folder), "--index-dir", str(index)]
    built = CliRunner().invoke(cli, args)
    assert built.exit_code == 0, built.output
    lines = built.stderr.splitlines()
    table = lines[next(i for i, line in enumerate(lines) if line.startswith("file ")) :]
    assert re.match(r"file\s+format\s+pages\s+passages\s+problem$", table[0])
    assert re.match(r"handbuch\.html\s+HTML\s+-\s+68$", table[1])
    assert re.search(r"locked\.pdf\s+PDF\s+-\s+-\s+it needs a password", built.stderr)
    assert "notes.csv" in built.stderr and "7 file(s)" not in built.stderr
    strict = CliRunner().invoke(cli, [*args, "--strict"])
    assert strict.exit_code == 1
    assert "7 file(s) could not be read (see the table); the others are indexed" in strict.stderr
    with running_server(tmp_path, "--seeds", str(bad_folder), "--index-dir", str(index)) as bot:
        health = httpx.get(f"{bot.url}/healthz", timeout=10).json()
    skipped = {entry["file"]: entry["reason"] for entry in health["skipped"]}
    assert sorted(skipped) == sorted(
        [
            "scan.pdf",
            "locked.pdf",
            "truncated.pdf",
            "bomb.docx",
            "script.html",
            "report.docx",
            "notes.csv",
        ]
    )
    assert health["passages"] == 68


@pytest.mark.server
@pytest.mark.browser
def test_a_quotes_link_opens_the_original_pdf_at_its_page_and_nothing_else_is_served(
    documents: dict[str, Path], tmp_path: Path
) -> None:
    seeds = _texts(tmp_path, {"handbuch.pdf": documents["pdf"]})
    (seeds / "notes.csv").write_text("not served\n")
    (seeds / ".draft.pdf").write_bytes(documents["pdf"].read_bytes())
    (seeds / "leak.pdf").symlink_to("/etc/passwd")
    question = {"question": "Wie lange dauert die Werksführung?"}
    index = tmp_path / "index"
    with running_server(tmp_path, "--seeds", str(seeds), "--index-dir", str(index)) as bot:
        best = httpx.post(f"{bot.url}/api/ask", json=question, timeout=60).json()["passages"][0]
        path, _, page = best["opens"].partition("#page=")
        served = httpx.get(f"{bot.url}/{path}", timeout=30)
        refused = [
            httpx.get(f"{bot.url}/files/{name}", timeout=30).status_code
            for name in ("notes.csv", ".draft.pdf", "leak.pdf", "..%2Fpyproject.toml", "%2e%2e")
        ]
    assert path == "files/handbuch.pdf" and page == best["page"]
    assert served.status_code == 200 and served.headers["content-type"] == "application/pdf"
    assert served.content == documents["pdf"].read_bytes()
    # The page the link opens holds the quote: a viewer's #page counts from 1.
    sheet = pypdfium2.PdfDocument(served.content)[int(page) - 1]
    printed = " ".join(sheet.get_textpage().get_text_range().replace("\ufffe", "-").split())
    assert " ".join(best["text"].split(". ")[0].split()) in printed
    assert refused == [404] * 5


@pytest.mark.server
@pytest.mark.browser
def test_in_the_widget_a_pdf_quotes_link_opens_the_pdf_at_its_page(
    documents: dict[str, Path], browser: Browser, tmp_path: Path
) -> None:
    seeds = _texts(tmp_path, {"handbuch.pdf": documents["pdf"]})
    index = tmp_path / "index"
    with (
        running_server(tmp_path, "--seeds", str(seeds), "--index-dir", str(index)) as bot,
        guarded_page(browser, viewport={"width": 390, "height": 844}) as (page, blocked),
    ):
        page.goto(bot.url + "/widget?lang=de")
        page.get_by_role("textbox", name="Frage").fill("Wie lange dauert die Werksführung?")
        page.get_by_role("textbox", name="Frage").press("Enter")
        cited = page.locator(".answer a.title").first
        expect(cited).to_contain_text(re.compile(r", S\. \d+$"), timeout=60_000)
        printed = cited.inner_text().rsplit(" ", 1)[1]
        with page.context.expect_page() as opened:
            cited.click()
        viewer = opened.value
        viewer.wait_for_load_state()
        assert viewer.url == f"{bot.url}/files/handbuch.pdf#page={printed}"
        assert blocked.urls == []


@pytest.mark.server
@pytest.mark.browser
def test_a_pdf_dropped_into_the_folder_of_a_running_server_is_answered(
    documents: dict[str, Path], tmp_path: Path
) -> None:
    seeds = _texts(tmp_path, {"essay.txt": ESSAY})
    index = tmp_path / "index"
    question = {"question": "Wie lange dauert die Werksführung?"}

    def healthy(bot: Server, wanted: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        deadline = time.monotonic() + 120
        while True:
            health: dict[str, Any] = httpx.get(f"{bot.url}/healthz", timeout=10).json()
            if wanted(health) or time.monotonic() > deadline:
                return health
            time.sleep(0.5)

    with running_server(tmp_path, "--seeds", str(seeds), "--index-dir", str(index)) as bot:
        before = healthy(bot, lambda health: True)
        silent = httpx.post(f"{bot.url}/api/ask", json=question, timeout=60).json()
        assert silent["status"] != "answered"
        (seeds / "handbuch.pdf").write_bytes(documents["pdf"].read_bytes())
        after = healthy(bot, lambda health: health["passages"] > before["passages"])
        assert after["index"]["build"] != before["index"]["build"]
        answered = httpx.post(f"{bot.url}/api/ask", json=question, timeout=60).json()
        assert answered["status"] == "answered"
        assert answered["passages"][0]["source"] == "handbuch.pdf"
        (seeds / "handbuch.pdf").unlink()
        gone = healthy(bot, lambda health: health["passages"] == before["passages"])
        assert gone["passages"] == before["passages"]
    log = bot.output.read_text()
    assert log.count("The texts folder") == 2


def _book_page(passages: tuple[Passage, ...]) -> str:
    """A page set as a book is: two columns, paragraphs marked by an indent and no gap,
    headings bold in the body's size; the handbook's sections without lists."""
    sections: dict[str, list[str]] = {}
    for passage in passages:
        if "\n" not in passage.text and passage.section:
            sections.setdefault(passage.section, []).append(passage.text)
    body = "".join(
        f"<h2>{title}</h2>" + "".join(f"<p>{text}</p>" for text in texts)
        for title, texts in sections.items()
    )
    style = (
        "body{font:11pt serif;margin:0} main{column-count:2;column-gap:2em}"
        "p{margin:0;text-indent:1.5em;text-align:justify} h2+p{text-indent:0}"
        "h2{font-size:11pt;font-weight:bold;margin:.8em 0 .2em}"
    )
    return f'<!doctype html><html lang="de"><style>{style}</style><main>{body}</main></html>'


@pytest.mark.browser
@pytest.mark.parametrize("outline", [False, True], ids=["by-type", "by-bookmarks"])
def test_a_two_column_book_page_reads_in_order_with_its_paragraphs_and_headings(
    browser: Browser, tmp_path: Path, outline: bool
) -> None:
    expected = [p for p in _markdown_passages() if "\n" not in p.text and p.section]
    html = tmp_path / "buch.html"
    html.write_text(_book_page(_markdown_passages()), encoding="utf-8")
    pdf = print_pdf(browser, html, tmp_path / "buch.pdf", running=True, outline=outline)
    read = split_passages(read_document(pdf))
    assert [p.text for p in read] == [p.text for p in expected]  # no line taken for an item
    assert [p.section for p in read] == [p.section for p in expected]


@pytest.mark.browser
def test_the_full_text_marks_where_each_page_of_a_pdf_begins_and_opens_it_there(
    documents: dict[str, Path],
) -> None:
    html = essay_html((read_document(documents["pdf"]),))
    marks = re.findall(r'<div class="page-mark"><a href="([^"]+)"[^>]*>S\. (\d+)</a></div>', html)
    pages = [int(page) for _, page in marks]
    assert pages == list(range(1, pages[-1] + 1)) and pages[-1] >= 8
    assert all(link == f"files/handbuch.pdf#page={page}" for link, page in marks)
    # A deck's slides are marked as slides, with nothing to open.
    deck = essay_html((read_document(documents["pptx"]),))
    assert '<div class="page-mark">Folie 2</div>' in deck and "files/" not in deck


@pytest.mark.browser
def test_a_pdf_of_two_pages_leaves_its_running_header_out_too(
    browser: Browser, tmp_path: Path
) -> None:
    """The essay printed: two pages, each with the header and footer, which repeat on
    both and are left out as on a long document. Where a page break falls after a
    sentence in ragged type, the paragraph may be read as two: it cannot be told there."""
    essay = Text(ESSAY.name, ESSAY.read_text(encoding="utf-8"))
    body = "".join(
        f"<h2>{block.text}</h2>" if block.kind == "heading" else f"<p>{block.text}</p>"
        for block in layout(essay)
    )
    html = tmp_path / "essay.html"
    html.write_text(f'<!doctype html><html lang="de"><body>{body}</body></html>', encoding="utf-8")
    read = read_document(print_pdf(browser, html, tmp_path / "essay.pdf"))
    assert {page for mark in read.marks for page in mark.pages} == {"1", "2"}
    passages = [_plain(p.text) for p in split_passages(read)]
    expected = [_plain(p.text) for p in split_passages(essay)]
    assert " ".join(passages) == " ".join(expected)  # every word, in order, nothing more
    assert len(expected) <= len(passages) <= len(expected) + 1  # one page break


LONG_MANUAL_READ = """
import json, sys
def peak_mb():
    # This process's own high-water mark: getrusage's ru_maxrss keeps the parent's across
    # exec (a pytest process with the model loaded), /proc's VmHWM starts anew.
    status = open("/proc/self/status").read().split("VmHWM:")[1]
    return int(status.split()[0]) // 1024
from pathlib import Path
from bot.ingest.formats import read_document
from bot.ingest.passages import split_passages
passages = split_passages(read_document(Path(sys.argv[1])))
print(json.dumps({
    "passages": len(passages),
    "pages": sorted({page for p in passages for page in p.pages}, key=int)[-1],
    "header": sum("Betriebshandbuch" in p.text for p in passages),
    "peak_mb": peak_mb(),
}))
"""


def test_a_ten_thousand_page_pdf_is_read_whole_in_bounded_memory(tmp_path: Path) -> None:
    """Read page by page: 10,000 pages (7 MB of PDF, 3 MB of text) are read to the last
    page with their running header left out, in about 200 MB at the peak (a reader that
    held every page's objects would need several times that)."""
    manual = long_pdf(tmp_path / "manual.pdf", 10_000, vocabulary_from=MARKDOWN)
    run = subprocess.run(
        [sys.executable, "-c", LONG_MANUAL_READ, str(manual)],
        capture_output=True,
        text=True,
        check=True,
    )
    read = json.loads(run.stdout)
    assert read["passages"] >= 9_900 and read["pages"] == "10000"
    assert read["header"] == 0
    assert read["peak_mb"] < 400, read


# The handbook cut in five, each part in a format of its own, and a question each part
# answers: what a page owner's folder looks like.
MIXED = {
    "anreise.pdf": (1, 38, "Wann fährt der Werksbus zwischen den Standorten?"),
    "kantine.docx": (39, 66, "Wann hat die Kantine geöffnet?"),
    "it.odt": (67, 108, "Wie lang muss mein Passwort sein?"),
    "sicherheit.html": (109, 144, "Welche Sicherheitsschuhe brauche ich in der Produktion?"),
    "kontakte.md": (145, 999, "Wer ist meine Ansprechpartnerin in der Personalabteilung?"),
}


@pytest.fixture(scope="module")
def mixed_folder(tmp_path_factory: pytest.TempPathFactory, browser: Browser) -> Path:
    work = tmp_path_factory.mktemp("mixed")
    folder = work / "texts"
    folder.mkdir()
    lines = MARKDOWN.read_text(encoding="utf-8").splitlines()
    for name, (first, last, _) in MIXED.items():
        part = work / (name.rsplit(".", 1)[0] + ".md")
        part.write_text("\n".join(lines[first - 1 : last]) + "\n", encoding="utf-8")
        kind = name.rsplit(".", 1)[1]
        if kind == "md":
            made = part
        elif kind == "pdf":
            made = print_pdf(browser, pandoc(part, part.with_suffix(".html"), "-s"), work / name)
        else:
            made = pandoc(part, work / name, *(("-s",) if kind == "html" else ()))
        (folder / name).write_bytes(made.read_bytes())
    return folder


@pytest.mark.server
@pytest.mark.browser
@pytest.mark.parametrize("name", list(MIXED))
def test_in_a_folder_of_every_format_the_widget_quotes_each_and_opens_it_at_the_place(
    mixed_folder: Path, browser: Browser, tmp_path: Path, name: str
) -> None:
    """A PDF opens at its page, a web page at its section's anchor; a Word, OpenDocument
    or Markdown text at the passage in the bot's own full text."""
    index = mixed_folder.parent / "index"  # built by the first, read by the others
    question = MIXED[name][2]
    with (
        running_server(tmp_path, "--seeds", str(mixed_folder), "--index-dir", str(index)) as bot,
        guarded_page(browser, viewport={"width": 390, "height": 844}) as (page, blocked),
    ):
        best = httpx.post(f"{bot.url}/api/ask", json={"question": question}, timeout=60).json()
        assert best["status"] == "answered" and best["passages"][0]["source"] == name
        page.goto(bot.url + "/widget?lang=de")
        page.get_by_role("textbox", name="Frage").fill(question)
        page.get_by_role("textbox", name="Frage").press("Enter")
        answer = page.locator(".answer").first
        expect(answer.locator(".text").first).to_be_visible(timeout=60_000)
        opens = best["passages"][0]["opens"]
        link = answer.locator("a.title" if opens else ".where a").first
        if name.endswith(".pdf"):
            expect(link).to_contain_text(re.compile(r", S\. \d+$"))
        with page.context.expect_page() as opened:
            link.click()
        shown = opened.value
        shown.wait_for_load_state()
        if opens:  # the original itself, at its page or its section
            assert shown.url == f"{bot.url}/{opens}"
        else:  # the bot's full text, at the passage
            assert shown.url == f"{bot.url}/#{best['passages'][0]['anchor']}"
        fragment = shown.url.partition("#")[2]
        if not name.endswith(".pdf"):  # the place the link names is on the page it opens
            expect(shown.locator(f"[id='{fragment}']")).to_have_count(1, timeout=30_000)
        shown.close()
        # The chat cites the same place, and its links open it the same way.
        page.goto(bot.url + "/")
        page.locator("#question textarea").fill(question)
        page.locator("#question textarea").press("Enter")
        quoted = page.locator(".message-row blockquote").first
        expect(quoted).to_be_visible(timeout=60_000)
        target = f"{bot.url}/{opens}" if opens else f"{bot.url}/#{best['passages'][0]['anchor']}"
        href = opens or f"#{best['passages'][0]['anchor']}"
        cited = page.locator(f".message-row a[href='{href}']").first
        expect(cited).to_be_visible()
        if opens:
            with page.context.expect_page() as opened:
                cited.click()
            assert opened.value.url == target
        assert blocked.urls == []


def test_a_document_without_an_opening_heading_is_called_by_its_own_title(
    tmp_path: Path,
) -> None:
    page = tmp_path / "kantine-2025.html"
    page.write_text(
        "<html><head><title>Kantine: Öffnungszeiten</title></head>"
        "<body><p>Montags bis freitags von 11:30 bis 14 Uhr.</p></body></html>",
        encoding="utf-8",
    )
    assert title(read_document(page)) == "Kantine: Öffnungszeiten"  # UTF-8, not declared
    page.write_bytes(
        '<html><head><meta charset="windows-1252"><title>Kantine: Öffnungszeiten</title>'
        "</head><body><p>Montags.</p></body></html>".encode("cp1252")
    )
    assert title(read_document(page)) == "Kantine: Öffnungszeiten"  # as it declares
    for placeholder in ("Microsoft Word - Dokument1", "handbuch.docx", "Untitled", " "):
        page.write_text(
            f"<html><head><title>{placeholder}</title></head><body><p>Montags.</p></body></html>",
            encoding="utf-8",
        )
        assert title(read_document(page)) == "Kantine-2025", placeholder
    # A real PDF that opens with its title page, not a heading: its own title.
    guide = read_document(PROJECT / "evals/texts/maint-guide/maint-guide.de.pdf")
    assert title(guide) == "Debian-Leitfaden für Neue Paketbetreuer"
    # A heading at the top is the title a reader sees first: it wins.
    page.write_text(
        "<html><head><title>Intranet</title></head><body><h1>Kantine</h1><p>Mo-Fr.</p></body>",
        encoding="utf-8",
    )
    assert title(read_document(page)) == "Kantine"


@pytest.mark.browser
def test_a_list_over_a_page_break_stays_with_its_lead_in_and_a_colon_alone_leads_in_no_list(
    browser: Browser, tmp_path: Path
) -> None:
    """A browser draws a list's bullets and sets its items in: an item on the next page
    goes on with the list (one after its lead-in at the page's foot too, or a list in a
    list), each item starts a line where the one before stopped short, and a paragraph
    after a colon at the text's edge is one of its own (an example that stood between
    them left out)."""
    kinds = ("den neuen", "den alten", "den blauen", "den roten", "den grünen", "den kleinen")
    nouns = ("Ausweis", "Vertrag", "Schlüssel", "Laptop", "Kalender", "Stift", "Becher", "Ordner")
    things = [f"{kind} {noun} aus dem Büro im Erdgeschoss" for kind in kinds for noun in nouns]
    inner = "".join(f"<li>Raum {n}</li>" for n in range(1, 4))
    items = "".join(f"<li>{thing}</li>" for thing in things[:30])
    items += f"<li>diese Räume:<ul>{inner}</ul></li>"
    items += "".join(f"<li>{thing}</li>" for thing in things[30:])
    body = (
        "<p>Am ersten Tag melden Sie sich am Empfang.</p>"
        f"<p>Bitte bringen Sie Folgendes mit:</p><ul>{items}</ul>"
        "<p>Ein Beispiel zeigt es:</p>"
        "<p>Der Ausweis liegt am Empfang bereit, sobald Sie sich angemeldet haben.</p>"
    )
    html = tmp_path / "liste.html"
    html.write_text(f'<!doctype html><html lang="de"><body>{body}</body></html>', encoding="utf-8")
    read = split_passages(read_document(print_pdf(browser, html, tmp_path / "liste.pdf")))
    texts = [_plain(p.text) for p in read]
    listed = " ".join(["Bitte bringen Sie Folgendes mit:", *things[:30], "diese Räume:"])
    listed += " " + " ".join([*(f"Raum {n}" for n in range(1, 4)), *things[30:]])
    assert texts == [
        "Am ersten Tag melden Sie sich am Empfang.",
        listed,
        "Ein Beispiel zeigt es:",
        "Der Ausweis liegt am Empfang bereit, sobald Sie sich angemeldet haben.",
    ]
    assert len(read[1].pages) == 2  # it runs over a page break
    # Each item on a line of its own, as the other formats have it (its bullet was drawn).
    assert read[1].text.count("\n• ") == len(things) + 4


@pytest.mark.browser
def test_a_bold_heading_in_the_bodys_size_may_ask_quote_or_wrap(
    browser: Browser, tmp_path: Path
) -> None:
    """Headings a browser prints bold in the body's size: a question, a quoted name, and
    one too long for a line, each heads the paragraph after it."""
    wrapped = (
        "Entfernen Sie die Markierungen in vollständigen Übersetzungen, wenn Sie Tipp- und "
        "Rechtschreibfehler korrigieren"
    )
    heads = ("Was gilt am ersten Tag?", 'Das Feld "Type"', wrapped)
    texts = ("Sie melden sich am Empfang.", "Es nennt die Art.", "Das gilt für jede Datei.")
    body = "<h1>Handbuch</h1><p>Willkommen im Haus.</p>" + "".join(
        f"<h4>{head}</h4><p>{text}</p>" for head, text in zip(heads, texts, strict=True)
    )
    html = tmp_path / "titel.html"
    html.write_text(f'<!doctype html><html lang="de"><body>{body}</body></html>', encoding="utf-8")
    pdf = print_pdf(browser, html, tmp_path / "titel.pdf", running=False)
    read = split_passages(read_document(pdf))
    assert [(p.text, p.headings) for p in read] == [
        ("Willkommen im Haus.", ("Handbuch",)),
        *((text, ("Handbuch", head)) for head, text in zip(heads, texts, strict=True)),
    ]
