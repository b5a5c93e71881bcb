"""Each format as good as Markdown: every evaluation text made into HTML, Word, OpenDocument
(pandoc) and PDF (Chromium printing the HTML with a running header and footer), read back
by the bot, indexed and evaluated on its labelled questions, beside the Markdown version.

A question's answer is a paragraph of the Markdown version; in another format the same
paragraph is found by its words (a PDF draws its list bullets instead of writing them, so
bullets aside). A paragraph the format lost or split counts as a miss, not as skipped.
Also how fast each reader reads: pages (or paragraphs) per second.

    .venv/bin/python benchmarks/formats.py            # every text; about 15 minutes
    .venv/bin/python benchmarks/formats.py --set handbook
Needs pandoc (make converters) and Chromium (make browser).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))  # the converters the tests use (tests/support/documents.py)

from bot import Settings  # noqa: E402
from bot.embed.model import load_model  # noqa: E402
from bot.evaluation import Case, evaluate_set, load_cases, load_sets  # noqa: E402
from bot.ingest.folder import load_texts  # noqa: E402
from bot.ingest.formats import read_document  # noqa: E402
from bot.ingest.passages import Passage, layout, split_passages  # noqa: E402
from bot.ingest.texts import Text  # noqa: E402
from bot.pipeline import ensure_index  # noqa: E402
from tests.support.browser import chromium, driver  # noqa: E402
from tests.support.documents import pandoc, print_pdf  # noqa: E402

MADE_FROM_MARKDOWN = ["essay", "developers-reference", "handbook"]
FORMATS = ("markdown", "html", "docx", "odt", "epub", "pdf")


def as_markdown(text: Text) -> str:
    """A text as Markdown, headings as `##` lines: the version the formats are made from."""
    blocks = []
    for block in layout(text):
        blocks.append(f"## {block.text}" if block.kind == "heading" else block.text)
    return "\n\n".join(blocks) + "\n"


def plain(text: str) -> str:
    """A paragraph's words: no list bullets (a PDF draws its own), no Markdown markup (the
    other formats show what it stands for)."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # [words](link)
    text = re.sub(r"(?m)^\s*(?:[-*•]|\d+[.)])\s+", "", text)
    return " ".join(re.sub(r"[*_`]", "", text).split())


def convert(markdown: Path, kind: str, directory: Path, browser: object) -> Path:
    stem = directory / markdown.stem
    if kind == "markdown":
        return markdown
    if kind == "pdf":
        html = convert(markdown, "html", directory, browser)
        return print_pdf(browser, html, stem.with_suffix(".pdf"))  # type: ignore[arg-type]
    # A page title for the browser's tab, not a title block over the text.
    extra: tuple[str, ...] = ()
    if kind == "html":
        extra = ("-s", "-M", "lang=de", "-M", f"pagetitle={markdown.stem}")
    elif kind == "epub":  # an e-book has a title; its title page is no paragraph of the text
        extra = ("-M", f"title={markdown.stem}")
    return pandoc(markdown, stem.with_suffix(f".{kind}"), *extra)


def found_in(original: dict[int, str], passages: tuple[Passage, ...]) -> dict[int, int]:
    """Each labelled paragraph as the format numbers it: the passage of the same words, or
    the one that holds them (a list a Markdown text sets apart joins its lead-in in the
    other formats, as the readers keep lists with the line that leads into them)."""
    by_words = {plain(p.text): p.paragraph for p in passages}
    numbers = {}
    for number, words in original.items():
        if words in by_words:
            numbers[number] = by_words[words]
            continue
        holding = [p.paragraph for p in passages if words and words in plain(p.text)]
        if holding:
            numbers[number] = holding[0]
    return numbers


def relabel(
    cases: tuple[Case, ...], numbers: dict[int, int], texts: dict[int, str]
) -> tuple[Case, ...]:
    """The cases with their answers as the format numbers the same paragraphs (-1: lost,
    a miss). A mark the format's paragraph does not hold word for word (its Markdown
    markup rendered) cannot be judged there and is dropped, for that format alone."""
    relabelled = []
    for case in cases:
        answers = tuple(numbers.get(a, -1) for a in case.answers)
        held = [texts.get(a, "") for a in answers]
        marks = tuple(m for m in case.marks if any(m in text for text in held))
        relabelled.append(replace(case, answers=answers, marks=marks))
    return tuple(relabelled)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", action="append", dest="sets", default=[])
    parser.add_argument("--formats", default=",".join(FORMATS))
    args = parser.parse_args()
    settings = Settings()
    model = load_model(settings.model, settings.model_cache, settings.runtime)
    work = Path(tempfile.mkdtemp(prefix="essaybot-formats-"))
    rows = []
    with driver() as playwright, chromium(playwright) as browser:
        # The texts written as Markdown or plain text, which the formats are made from.
        chosen = args.sets or MADE_FROM_MARKDOWN
        for eval_set in load_sets(PROJECT / "evals" / "sets.json", chosen, seeds=settings.seeds):
            (text,) = load_texts(eval_set.texts)
            markdown = work / eval_set.name / f"{eval_set.name}.md"
            markdown.parent.mkdir(parents=True)
            # A Markdown text as it is; a plain one with its headings made `##` lines.
            written = text.content if text.source.endswith(".md") else as_markdown(text)
            markdown.write_text(written, encoding="utf-8")
            # The labels name paragraphs of the original, found in each format by their words.
            original = {p.paragraph: plain(p.text) for p in split_passages(text)}
            cases = load_cases(eval_set.questions)
            for kind in args.formats.split(","):
                made = convert(markdown, kind, markdown.parent, browser)
                started = time.perf_counter()
                read = (
                    Text(made.name, made.read_text(encoding="utf-8"))
                    if kind == "markdown"
                    else read_document(made)
                )
                seconds = time.perf_counter() - started
                passages = split_passages(read)
                numbers = found_in(original, passages)
                units = len({m.sheet for m in read.marks if m.sheet}) or len(passages)
                index = ensure_index(
                    (read,), model, work / "index" / eval_set.name / kind, progress=False
                )
                reports, _ = evaluate_set(
                    eval_set.name,
                    index,
                    model,
                    relabel(cases, numbers, {p.paragraph: p.text for p in passages}),
                    threshold=settings.threshold,
                    selection=(settings.max_quotes, settings.margin),
                )
                bot = reports[0].metrics
                rows.append(
                    {
                        "text": eval_set.name,
                        "format": kind,
                        "paragraphs": f"{len(numbers)}/{len(original)}",
                        "tune R@1": bot["tune"].r_at_1,
                        "tune R@3": bot["tune"].r_at_3,
                        "held-out R@1": bot["heldout"].r_at_1,
                        "held-out R@3": bot["heldout"].r_at_3,
                        "marks": bot["heldout"].marked,
                        "read/s": "-"
                        if kind == "markdown"
                        else f"{units / seconds:.0f} {'pages' if kind == 'pdf' else 'paras'}",
                    }
                )
                print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    head = list(rows[0])
    print("  ".join(f"{h:>12}" for h in head))
    for row in rows:
        cells = [f"{v:.2f}" if isinstance(v, float) else str(v) for v in row.values()]
        print("  ".join(f"{c:>12}" for c in cells))


if __name__ == "__main__":
    main()
