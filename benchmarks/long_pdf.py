"""A long PDF indexed whole: how long it takes and how much memory it needs at the peak.

Usage: .venv/bin/python benchmarks/long_pdf.py [--pages 10000]
Makes a manual of that many pages with ReportLab (tests/support/documents.py: a running
header, a heading and three rules a page, in the words of the Developer's Reference),
and runs `essaybot index` on a folder holding it alone, in a process of its own, with
the real model. Prints the reading and indexing figures and the process's peak resident
memory; asserts nothing. 10,000 pages take several minutes on two cores.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from tests.support.documents import long_pdf  # noqa: E402

_INDEX = """
import json, sys, time
def peak_mb():
    # This process's own high-water mark (getrusage's ru_maxrss keeps the parent's).
    status = open("/proc/self/status").read().split("VmHWM:")[1]
    return int(status.split()[0]) // 1024
from pathlib import Path
from bot import Settings
from bot.embed.model import load_model
from bot.ingest.folder import load_folder
from bot.pipeline import build_and_save
settings = Settings(seeds=Path(sys.argv[1]), index_dir=Path(sys.argv[2]))
model = load_model(settings.model, settings.model_cache, settings.runtime)
started = time.perf_counter()
texts = load_folder(settings.seeds).texts
read = time.perf_counter() - started
index = build_and_save(texts, model, settings.index_dir)
print(json.dumps({
    "read_s": read,
    "index_s": time.perf_counter() - started - read,
    "passages": len(index.passages),
    "characters": sum(len(t.content) for t in texts),
    "peak_mb": peak_mb(),
}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10_000)
    options = parser.parse_args()
    vocabulary = PROJECT / "evals/texts/developers-reference/developers-reference-de.md"
    with tempfile.TemporaryDirectory() as work:
        texts = Path(work) / "texts"
        texts.mkdir()
        started = time.perf_counter()
        manual = long_pdf(texts / "manual.pdf", options.pages, vocabulary_from=vocabulary)
        made = time.perf_counter() - started
        run = subprocess.run(
            [sys.executable, "-c", _INDEX, str(texts), str(Path(work) / "index")],
            capture_output=True,
            text=True,
            check=True,
            cwd=PROJECT,
        )
        figures = json.loads(run.stdout.strip().splitlines()[-1])
        size = manual.stat().st_size
    print(f"{options.pages:,}-page PDF, {size / 2**20:.1f} MB, made in {made:.0f} s")
    text_mb, read_s = figures["characters"] / 2**20, figures["read_s"]
    print(f"text             {text_mb:.1f} MB, {figures['passages']:,} passages")
    print(f"read             {read_s:.0f} s ({options.pages / read_s:.0f} pages/s)")
    print(f"encode and index {figures['index_s']:.0f} s")
    print(f"peak memory      {figures['peak_mb']:.0f} MB (the model included)")


if __name__ == "__main__":
    main()
