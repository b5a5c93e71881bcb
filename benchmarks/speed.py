"""Speed figures side by side, in one run, against the floor: a plain sentence-transformers
encode of the same questions with the same model on torch.

Usage: .venv/bin/python benchmarks/speed.py [--questions N] [--medium DIR] [--long DIR]
       [--no-build | --build-only] [--replica-questions N] [--shelf-megabytes MB]
Prints a table, asserts nothing: these machines are noisy, so read ratios from one run.
The HTTP rows go through a real `essaybot serve` on a free loopback port. In order: asking
(the floor, ask(), start, load, the CLI), building (old and new paths on the same texts),
holding (one replica's memory after many questions, three side by side), and a shelf of
manuals indexed whole (`benchmarks/shelf.py`; about an hour for 10 MB).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from bot import Settings, ask, load_engine
from bot.embed.embedder import Embedder, TorchEmbedder
from bot.embed.model import load_model
from bot.ingest.folder import load_texts
from bot.ingest.passages import split_passages
from bot.ingest.texts import Text
from bot.store.index import VIEWS

sys.path.insert(0, str(Path(__file__).resolve().parent))

from shelf import measure as shelf_measure
from shelf import time_left as shelf_time_left

PROJECT = Path(__file__).resolve().parent.parent
ESSAYBOT = Path(sys.executable).with_name("essaybot")
QUESTIONS = [
    "Mit welcher Klage muss sich Stability AI auseinandersetzen?",
    "Was ist ein Grundlagenmodell?",
    "Who released Stable Diffusion as open source?",
    "Was kostet es, ein Grundlagenmodell zu bauen?",
    "What did Meta do?",
    "Wie backe ich einen Apfelkuchen?",
    "Warum ist Geld das größte Hindernis?",
    "Welche Unternehmen bauen Grundlagenmodelle?",
]


def _ms(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return 1000 * ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _times(function: Callable[[str], object], count: int) -> list[float]:
    function(QUESTIONS[0])  # warm
    samples = []
    for i in range(count):
        start = time.perf_counter()
        function(QUESTIONS[i % len(QUESTIONS)])
        samples.append(time.perf_counter() - start)
    return samples


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(
    index_dir: Path,
    *,
    question_log: bool = True,
    seeds: Path | None = None,
    cpus: set[int] | None = None,
) -> tuple[subprocess.Popen[bytes], str, float]:
    """`essaybot serve` on a free port (on `cpus` only, if given): the process, its URL
    and the seconds until it answered."""
    port = _free_port()
    env = {
        **os.environ,
        **({"ESSAYBOT_SEEDS": str(seeds)} if seeds else {}),
        "ESSAYBOT_INDEX_DIR": str(index_dir),
        # The questions asked here are kept beside the index, not in the project's data/.
        "ESSAYBOT_DATA_DIR": str(index_dir / "data"),
        "ESSAYBOT_QUESTION_LOG": str(question_log).lower(),
        # All the benchmark's clients are one address: measure the bot, not the limit.
        "ESSAYBOT_RATE_LIMIT": "",
    }
    start = time.perf_counter()
    server = subprocess.Popen(
        [str(ESSAYBOT), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=None if cpus is None else lambda: os.sched_setaffinity(0, cpus),
    )
    url = f"http://127.0.0.1:{port}"
    while time.perf_counter() - start < 120:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return server, url, time.perf_counter() - start
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    server.kill()
    raise RuntimeError("the server did not become healthy in 120 s")


def _load(url: str, clients: int, questions: Sequence[str]) -> tuple[list[float], float]:
    """`questions` asked by `clients` concurrent clients: latencies and wall time."""

    def worker(offset: int) -> list[float]:
        samples = []
        with httpx.Client(base_url=url, timeout=60) as client:
            for question in questions[offset::clients]:
                start = time.perf_counter()
                reply = client.post("/api/ask", json={"question": question})
                reply.raise_for_status()
                samples.append(time.perf_counter() - start)
        return samples

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(worker, range(clients)))
    return [s for r in results for s in r], time.perf_counter() - start


def _cycle(count: int) -> list[str]:
    return [QUESTIONS[i % len(QUESTIONS)] for i in range(count)]


def _distinct(seeds: Path, count: int) -> list[str]:
    """`count` questions that differ every time (a known question with a word of the
    texts added), so no cache sees one twice."""
    text = " ".join(p.read_text(encoding="utf-8") for p in seeds.iterdir())
    words = sorted({w.strip('.,;:!?„“"()*#`') for w in text.split() if len(w) > 4})
    rng = random.Random(13)
    return [f"{QUESTIONS[i % len(QUESTIONS)]} {rng.choice(words)}" for i in range(count)]


_PEAK = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


# `essaybot index` as it built before issue 23: every text's strings in one call of the
# model, in batches of 32 whatever their length.
_OLD_BUILD = (
    "import sys; import bot.embed.embedder as e, bot.pipeline as p; "
    "e.BATCH_TOKENS = p.STRINGS_PER_CALL = 10**9; "
    "from bot.cli import cli; sys.argv[0] = 'essaybot'; cli()"
)


def _index_build(seeds: Path, path: str, keep: Path | None = None) -> tuple[float, float, int]:
    """`essaybot index` into an empty directory by the `path` ("old" or "new"): seconds,
    peak resident MB, passages. The index is kept in `keep`, if given."""
    command = [sys.executable, "-c", _OLD_BUILD] if path == "old" else [str(ESSAYBOT)]
    with tempfile.TemporaryDirectory() as directory:
        env = dict(os.environ)
        start = time.perf_counter()
        # A parent of its own, so the peak is this build's, not an earlier server's.
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                _PEAK,
                *command,
                "index",
                "--json",
                "--seeds",
                str(seeds),
                "--index-dir",
                directory,
            ],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - start
        if keep is not None:
            shutil.copytree(directory, keep)
    manifest, peak = done.stdout.rsplit("\n", 2)[:2]
    return seconds, int(peak) / 1024, int(json.loads(manifest)["passages"])


def _tokens(texts: tuple[Text, ...], model: Embedder) -> tuple[int, int]:
    """Tokens a build encodes for `texts` (each text's distinct strings, prompt and all),
    and tokens of their passages' own words."""
    encoded = of_text = 0
    for text in texts:
        passages = split_passages(text)
        strings = {s: None for view in VIEWS.values() for s in view.strings(passages)}
        encoded += model.count_tokens(list(strings))
        words = [p.text for p in passages]
        of_text += model.count_tokens(words) - model.count_tokens([""]) * len(words)
    return encoded, of_text


def _runs(command: list[str], count: int) -> list[float]:
    """Seconds each of `count` runs of `command` took, start to exit."""
    seconds = []
    for _ in range(count):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        seconds.append(time.perf_counter() - start)
    return seconds


def _memory_mb(pid: int) -> tuple[float, float]:
    """Resident and proportional (shared pages split among the processes mapping them)."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value, *_ = line.split()
        fields[name.rstrip(":")] = int(value) / 1024
    return fields["Rss"], fields["Pss"]


def _replicas(index: Path, seeds: Path, count: int, questions: int) -> list[tuple[float, float]]:
    """RSS and PSS of each of `count` replicas serving one index (on CPU 0, the clients on
    CPU 1), each asked `questions` distinct questions: what they share (the memory-mapped
    index, the program's own files) PSS splits among them."""
    everywhere = os.sched_getaffinity(0)
    servers = []
    try:
        for _ in range(count):  # the question log off: one SQLite file, several writers
            servers.append(_serve(index, seeds=seeds, cpus={0}, question_log=False))
        os.sched_setaffinity(0, {1} if len(everywhere) > 1 else everywhere)
        for _, url, _ in servers:
            _load(url, 8, _distinct(seeds, questions))
        return [_memory_mb(server.pid) for server, _, _ in servers]
    finally:
        os.sched_setaffinity(0, everywhere)
        for server, _, _ in servers:
            server.terminate()
            server.wait(timeout=30)


class _Rows:
    """The table's rows, each also told on stderr as it is measured: the whole run takes
    more than an hour, and a row measured is not lost to a later one that fails."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str]] = []

    def add(self, label: str, figure: str, note: str = "") -> None:
        self.rows.append((label, figure, note))
        print(f"{label}: {figure}  {note}", file=sys.stderr, flush=True)

    def print(self, heading: str) -> None:
        width = max(len(r[0]) for r in self.rows)
        print(f"{heading}\n")
        for label, figure, note in self.rows:
            print(f"{label:<{width}}  {figure:>24}  {note}")


def _asking(rows: _Rows, settings: Settings, questions: int) -> None:
    """The floor, the bot's encode and ask(), the server's start and load, and the CLI."""
    torch_model = load_model(settings.model, settings.model_cache, "torch")
    assert isinstance(torch_model, TorchEmbedder)
    plain = torch_model.model
    floor = statistics.median(_times(lambda q: plain.encode_query([q]), questions))
    rows.add("floor: sentence-transformers encode, torch", f"{floor * 1000:.1f} ms", "1.00x")

    def against_floor(label: str, seconds: float) -> None:
        rows.add(label, f"{seconds * 1000:.1f} ms", f"{seconds / floor:.2f}x floor")

    against_floor(
        "the bot's encode, torch",
        statistics.median(_times(lambda q: torch_model.encode_queries([q]), questions)),
    )
    engine = load_engine(settings, notify=lambda message: None)
    against_floor(
        f"the bot's encode, {settings.runtime}",
        statistics.median(_times(lambda q: engine.model.encode_queries([q]), questions)),
    )
    against_floor(
        f"ask(), {settings.runtime}",
        statistics.median(_times(lambda q: ask(q, engine), questions)),
    )
    start = time.perf_counter()
    engine.model.encode_queries([QUESTIONS[i % len(QUESTIONS)] for i in range(64)])
    batch = 64 / (time.perf_counter() - start)
    rows.add("encode, batches of 32", f"{batch:.0f} q/s", f"{batch * floor:.2f}x floor q/s")

    with tempfile.TemporaryDirectory() as directory:
        server, url, cold = _serve(Path(directory))  # builds the index, then serves
        server.terminate()
        server.wait(30)
        server, url, warm = _serve(Path(directory))
        try:
            rows.add("cold start, index built: serve to healthy", f"{warm:.1f} s", "goal 2 s")
            rows.add("first start, index to build: serve to healthy", f"{cold:.1f} s")
            one_p50 = 0.0
            for clients in (1, 4, 16, 64):
                samples, wall = _load(url, clients, _cycle(max(questions, clients * 8)))
                p50, p95, p99 = (_ms(samples, q) for q in (0.5, 0.95, 0.99))
                one_p50 = one_p50 or p50
                rows.add(
                    f"HTTP POST /api/ask, {clients} client(s): p50 / p95 / p99",
                    f"{p50:.1f} / {p95:.1f} / {p99:.1f} ms",
                    f"{p50 / 1000 / floor:.2f}x floor; {len(samples) / wall:.0f} q/s = "
                    f"{len(samples) / wall * floor:.2f}x floor q/s; p99 "
                    f"{p99 / one_p50:.1f}x one-client p50",
                )
        finally:
            server.terminate()
            server.wait(30)
        # What keeping every question costs: the same load with the question log off.
        server, url, _ = _serve(Path(directory), question_log=False)
        try:
            samples, wall = _load(url, 16, _cycle(max(questions, 128)))
            rows.add(
                "HTTP POST /api/ask, 16 clients, question log off: p50 / p99",
                f"{_ms(samples, 0.5):.1f} / {_ms(samples, 0.99):.1f} ms",
                f"{len(samples) / wall:.0f} q/s = {len(samples) / wall * floor:.2f}x floor q/s",
            )
            # The command line as a client: its own start is most of it.
            client = [str(ESSAYBOT), "ask", "--server", url, QUESTIONS[0]]
            rows.add(
                "essaybot ask --server URL from the shell (median of 5)",
                f"{statistics.median(_runs(client, 5)):.2f} s",
                "goal 0.3 s",
            )
        finally:
            server.terminate()
            server.wait(30)
        env = {**os.environ, "ESSAYBOT_INDEX_DIR": directory}
        local = [str(ESSAYBOT), "ask", QUESTIONS[0]]
        seconds = []
        for _ in range(5):
            start = time.perf_counter()
            subprocess.run(local, env=env, check=True, capture_output=True)
            seconds.append(time.perf_counter() - start)
        rows.add(
            "essaybot ask from the shell, no server (median of 5)",
            f"{statistics.median(seconds):.2f} s",
            "goal 1 s",
        )


def _building(
    rows: _Rows, model: Embedder, folders: list[tuple[str, Path, str]], keep: Path
) -> None:
    """Tokens encoded, and old and new build paths on the same texts; the last folder's
    new index is kept in `keep`."""
    for number, (label, folder, goal) in enumerate(folders, 1):
        texts = load_texts(folder)
        size = sum(len(t.content.encode()) for t in texts) // 1000
        encoded, of_text = _tokens(texts, model)
        rows.add(
            f"tokens encoded for {label} ({size} KB)",
            f"{encoded:,} for {of_text:,}",
            f"{encoded / of_text:.2f} per token of text (goal 1.3)",
        )
        for path in ("old", "new"):
            kept = keep if path == "new" and number == len(folders) else None
            seconds, peak, passages = _index_build(folder, path, kept)
            rows.add(
                f"index build, {label} ({size} KB, {passages} passages), {path} path",
                f"{seconds:.1f} s",
                f"peak {peak:.0f} MB (essaybot index, model load included)"
                + (f"; goal {goal}" if path == "new" and goal else ""),
            )


def _holding(rows: _Rows, index: Path, seeds: Path, questions: int) -> None:
    """What one replica holds after `questions` distinct questions, and three side by side."""
    if not index.is_dir():
        subprocess.run(
            [str(ESSAYBOT), "index", "--seeds", str(seeds), "--index-dir", str(index)],
            check=True,
            capture_output=True,
        )
    name = seeds.name
    ((rss, pss),) = _replicas(index, seeds, 1, questions)
    rows.add(
        f"one replica ({name}) after {questions:,} questions: RSS / PSS",
        f"{rss:.0f} / {pss:.0f} MB",
        "goal 400 MB",
    )
    three = _replicas(index, seeds, 3, 200)
    rows.add(
        f"three replicas ({name}), 200 questions each: RSS / PSS together",
        f"{sum(r for r, _ in three):.0f} / {sum(p for _, p in three):.0f} MB",
        "each: " + ", ".join(f"{r:.0f} / {p:.0f}" for r, p in three),
    )


def _shelving(rows: _Rows, megabytes: float, shelf: Path) -> None:
    """A shelf of Debian's German manuals indexed whole (`benchmarks/shelf.py`)."""
    figures = shelf_measure(megabytes, shelf)
    label = f"a {figures['megabytes']:.1f} MB shelf ({figures['texts']:,} files, "
    label += f"{figures['passages']:,} passages)"
    rows.add(
        f"{label}: read and index",
        f"{(figures['read_s'] + figures['index_s']) / 60:.1f} min",
        f"read {figures['read_s']:.0f} s, index {figures['index_s']:.0f} s",
    )
    rows.add(
        f"{label}: tokens encoded",
        f"{figures['tokens_encoded']:,}",
        f"{figures['tokens_encoded'] / figures['tokens_of_text']:.2f} per token of text",
    )
    rows.add(
        f"{label}: peak memory",
        f"{figures['peak_mb']:,} MB",
        f"goal 1,500 MB; {figures['model_mb']} MB the model loaded",
    )
    for near, foretold, took in shelf_time_left(figures):
        rows.add(
            f"{label}: time left, told at {near} %",
            f"{foretold:.0f} s",
            f"the encoding took {took:.0f} s ({(foretold - took) / took:+.0%})",
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=80, help="questions per figure")
    parser.add_argument(
        "--long",
        type=Path,
        default=PROJECT / "evals" / "texts" / "developers-reference",
        help="a directory with a long text, for the index build figure",
    )
    parser.add_argument(
        "--medium",
        type=Path,
        default=PROJECT / "evals" / "texts" / "maint-guide",
        help="a directory with a text of middling length, for the index build figure",
    )
    parser.add_argument("--no-build", action="store_true", help="skip the index build rows")
    parser.add_argument("--build-only", action="store_true", help="the index build rows alone")
    parser.add_argument(
        "--replica-questions",
        type=int,
        default=1000,
        help="questions one replica is asked before its memory is read (0: no memory rows)",
    )
    parser.add_argument(
        "--shelf-megabytes",
        type=float,
        default=10.0,
        help="text of the shelf to index (0: no shelf rows; 10 MB take about an hour)",
    )
    parser.add_argument("--shelf", type=Path, default=PROJECT / "artifacts" / "shelf")
    args = parser.parse_args()
    settings = Settings()
    rows = _Rows()
    model: Embedder = load_model(settings.model, settings.model_cache, settings.runtime)
    if not args.build_only:
        _asking(rows, settings, args.questions)
    with tempfile.TemporaryDirectory() as scratch:
        long_index = Path(scratch) / "long-index"
        if not args.no_build:
            folders = [
                ("the essay", settings.seeds, ""),
                ("a manual", args.medium, "15 s"),
                ("a long text", args.long, "25 s"),
            ]
            _building(rows, model, folders, long_index)
        if not args.build_only and args.replica_questions:
            _holding(rows, long_index, args.long, args.replica_questions)
    if not args.build_only and args.shelf_megabytes:
        _shelving(rows, args.shelf_megabytes, args.shelf)
    rows.print(f"{settings.model}, runtime {settings.runtime}, {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
