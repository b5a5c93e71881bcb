"""A shelf of manuals indexed whole: minutes, peak memory, and how true the time left was.

Usage: .venv/bin/python benchmarks/shelf.py [--megabytes 10] [--shelf DIR]
(`benchmarks/speed.py` runs it too, beside its other figures.)
Makes the shelf once (in artifacts/shelf/, or DIR): Debian's German manuals as their
packages ship them, PDF and HTML (`apt-get download`, then `dpkg -x`; the Debian FAQ is
left out, it is kept for checks this project never sees). A manual that comes as HTML and
as PDF of the same name keeps its HTML; LilyPond's one-page editions of its manuals,
which repeat its many-page ones, are left out. Then files in name order are taken until
their text reaches the size asked for, and `essaybot index`'s pipeline builds the index
in a process of its own with the real model and its progress bar, read as it goes.
Prints the figures; asserts nothing. 10 MB take about an hour on two cores.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "debian-edu-doc-de",
    "debian-reference-de",
    "developers-reference-de",
    "gimp-help-de",
    "lilypond-doc-html-de",
    "linuxcnc-doc-de",
    "maint-guide-de",
)

_BUILD = """
import json, sys, time
from pathlib import Path
from bot import Settings
from bot.embed.model import load_model
from bot.ingest.folder import load_folder
from bot.pipeline import build_and_save

def peak_mb():
    # This process's own high-water mark (getrusage's ru_maxrss keeps the parent's).
    return int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) // 1024

class Counted:
    # The model, counting the tokens it encodes as it tells the progress bar.
    def __init__(self, inner):
        self.inner, self.identity, self.tokens = inner, inner.identity, 0
    def encode_queries(self, texts):
        return self.inner.encode_queries(texts)
    def count_tokens(self, texts):
        return self.inner.count_tokens(texts)
    def encode_documents(self, texts, *, progress=None):
        return self.inner.encode_documents(texts, progress=Tee(self, progress))

class Tee:
    def __init__(self, counted, bar):
        self.counted, self.bar = counted, bar
    def update(self, n):
        self.counted.tokens += n
        if self.bar is not None:
            self.bar.update(n)

settings = Settings(seeds=Path(sys.argv[1]), index_dir=Path(sys.argv[2]))
model = Counted(load_model(settings.model, settings.model_cache, settings.runtime))
loaded = peak_mb()
started = time.perf_counter()
texts = load_folder(settings.seeds).texts
read = time.perf_counter() - started
index = build_and_save(texts, model, settings.index_dir, progress=True)
texts_tokens = model.inner.count_tokens([p.text for p in index.passages])
alone = model.inner.count_tokens([""]) * len(index.passages)  # start, prompt, end
print(json.dumps({
    "texts": len(texts),
    "characters": sum(len(t.content) for t in texts),
    "megabytes": sum(len(t.content.encode()) for t in texts) / 1e6,
    "passages": len(index.passages),
    "sentences": len(index.sentence_vectors),
    "read_s": read,
    "index_s": time.perf_counter() - started - read,
    "tokens_encoded": model.tokens,
    "tokens_of_text": texts_tokens - alone,
    "model_mb": loaded,
    "peak_mb": peak_mb(),
}))
"""

# tqdm's line: "Encoding:  12%|#2  | 1.23M/10.2M [01:02<07:40, 19.8ktoken/s]"
_BAR = re.compile(r"(\d+)%\|[^|]*\|\s*\S+\s*\[(?:(\d+):)?(\d+):(\d+)<(?:(\d+):)?(\d+):(\d+)")


def make_shelf(shelf: Path) -> Path:
    """The manuals' files, flat in `shelf/texts`, made once."""
    texts = shelf / "texts"
    if texts.is_dir() and any(texts.iterdir()):
        return texts
    debs, unpacked = shelf / "debs", shelf / "unpacked"
    debs.mkdir(parents=True, exist_ok=True)
    subprocess.run(["apt-get", "download", *PACKAGES], cwd=debs, check=True)
    for deb in sorted(debs.glob("*.deb")):
        subprocess.run(["dpkg", "-x", str(deb), str(unpacked)], check=True)
    texts.mkdir(parents=True, exist_ok=True)
    for path in sorted(unpacked.rglob("*")):
        if path.suffix not in (".html", ".pdf") or "big-page" in path.name:
            continue
        if path.suffix == ".pdf" and path.with_suffix(".html").exists():
            continue
        name = "_".join(path.relative_to(unpacked / "usr" / "share").parts)
        shutil.copy(path, texts / name)
    return texts


def _seconds(hours: str | None, minutes: str, seconds: str) -> int:
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)


def measure(megabytes: float, shelf: Path) -> dict[str, Any]:
    """Index the shelf's first `megabytes` of text in a process of its own: its figures,
    `whole_s` (the run, start to end) and `told` (per percent of the bar, the end it
    foretold, in seconds)."""
    sys.path.insert(0, str(PROJECT))
    from bot.ingest.folder import read_folder

    every = make_shelf(shelf)
    with tempfile.TemporaryDirectory() as work:
        chosen = Path(work) / "texts"
        chosen.mkdir()
        size = 0
        for text in read_folder(every).texts:
            if size >= megabytes * 1e6:
                break
            shutil.copy(every / text.source, chosen / text.source)
            size += len(text.content.encode())
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-c", _BUILD, str(chosen), str(Path(work) / "index")],
            cwd=PROJECT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert process.stderr is not None and process.stdout is not None
        told: dict[int, float] = {}
        for line in re.split(r"[\r\n]", process.stderr.read()):
            match = _BAR.search(line)
            if match:
                done = int(match.group(1))
                elapsed = _seconds(*match.group(2, 3, 4))
                left = _seconds(*match.group(5, 6, 7))
                told.setdefault(done, elapsed + left)
        figures: dict[str, Any] = json.loads(process.stdout.read())
        process.wait()
        figures["whole_s"] = time.monotonic() - started
    figures["told"] = told
    return figures


def time_left(figures: dict[str, Any]) -> list[tuple[int, float, float]]:
    """How true the bar's time left was: at about 5, 10, 25, 50 and 75 % of the encoding,
    the end it foretold and the true one, in seconds."""
    told: dict[int, float] = figures["told"]
    encoding = max(told.get(100, 0.0), 1.0)
    rows = []
    for percent in (5, 10, 25, 50, 75):
        near = min(told, key=lambda p: abs(p - percent), default=None)
        if near is not None:
            rows.append((near, told[near], encoding))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=10.0)
    parser.add_argument("--shelf", type=Path, default=PROJECT / "artifacts" / "shelf")
    options = parser.parse_args()
    figures = measure(options.megabytes, options.shelf)
    print(f"shelf            {figures['texts']} files, {figures['megabytes']:.1f} MB of text")
    print(f"passages         {figures['passages']:,} ({figures['sentences']:,} sentences)")
    print(f"read             {figures['read_s']:.0f} s")
    print(f"index            {figures['index_s']:.0f} s ({figures['index_s'] / 60:.1f} min)")
    print(
        f"tokens encoded   {figures['tokens_encoded']:,} for {figures['tokens_of_text']:,} of"
        f" text ({figures['tokens_encoded'] / figures['tokens_of_text']:.2f} per token)"
    )
    print(f"peak memory      {figures['peak_mb']} MB ({figures['model_mb']} MB the model loaded)")
    print(f"whole run        {figures['whole_s']:.0f} s")
    print("time left as the bar told it, against the encoding's true end:")
    for near, foretold, took in time_left(figures):
        print(f"  at {near:3d} %: foretold {foretold:5.0f} s, took {took:5.0f} s")


if __name__ == "__main__":
    main()
