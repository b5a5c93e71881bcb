"""Speed figures side by side, in one run, against the floor: a plain sentence-transformers
encode of the same questions with the same model on torch.

Usage: .venv/bin/python benchmarks/speed.py [--questions N] [--medium DIR] [--long DIR]
       [--no-build | --build-only]
Prints a table, asserts nothing: these machines are noisy, so read ratios from one run.
The HTTP rows go through a real `essaybot serve` on a free loopback port.
"""

from __future__ import annotations

import argparse
import json
import os
import random
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


def _index_build(seeds: Path, path: str) -> tuple[float, float, int]:
    """`essaybot index` into an empty directory by the `path` ("old" or "new"): seconds,
    peak resident MB, passages."""
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
    args = parser.parse_args()
    settings = Settings()
    rows: list[tuple[str, str, str]] = []

    model: Embedder = load_model(settings.model, settings.model_cache, settings.runtime)
    if not args.build_only:
        torch_model = load_model(settings.model, settings.model_cache, "torch")
        assert isinstance(torch_model, TorchEmbedder)
        plain = torch_model.model
        floor = statistics.median(_times(lambda q: plain.encode_query([q]), args.questions))
        rows.append(
            ("floor: sentence-transformers encode, torch", f"{floor * 1000:.1f} ms", "1.00x")
        )

        def against_floor(label: str, seconds: float) -> None:
            rows.append((label, f"{seconds * 1000:.1f} ms", f"{seconds / floor:.2f}x floor"))

        against_floor(
            "the bot's encode, torch",
            statistics.median(_times(lambda q: torch_model.encode_queries([q]), args.questions)),
        )
        engine = load_engine(settings, notify=lambda message: None)
        against_floor(
            f"the bot's encode, {settings.runtime}",
            statistics.median(_times(lambda q: engine.model.encode_queries([q]), args.questions)),
        )
        against_floor(
            f"ask(), {settings.runtime}",
            statistics.median(_times(lambda q: ask(q, engine), args.questions)),
        )
        start = time.perf_counter()
        engine.model.encode_queries([QUESTIONS[i % len(QUESTIONS)] for i in range(64)])
        batch = 64 / (time.perf_counter() - start)
        rows.append(
            ("encode, batches of 32", f"{batch:.0f} q/s", f"{batch * floor:.2f}x floor q/s")
        )

        with tempfile.TemporaryDirectory() as directory:
            server, url, cold = _serve(Path(directory))  # builds the index, then serves
            server.terminate()
            server.wait(30)
            server, url, warm = _serve(Path(directory))
            try:
                rows.append(("cold start, index built: serve to healthy", f"{warm:.1f} s", ""))
                rows.append(("first start, index to build: serve to healthy", f"{cold:.1f} s", ""))
                one_p50 = 0.0
                for clients in (1, 4, 16, 64):
                    samples, wall = _load(url, clients, _cycle(max(args.questions, clients * 8)))
                    p50, p95, p99 = (_ms(samples, q) for q in (0.5, 0.95, 0.99))
                    one_p50 = one_p50 or p50
                    rows.append(
                        (
                            f"HTTP POST /api/ask, {clients} client(s): p50 / p95 / p99",
                            f"{p50:.1f} / {p95:.1f} / {p99:.1f} ms",
                            f"{p50 / 1000 / floor:.2f}x floor; {len(samples) / wall:.0f} q/s = "
                            f"{len(samples) / wall * floor:.2f}x floor q/s; p99 "
                            f"{p99 / one_p50:.1f}x one-client p50",
                        )
                    )
            finally:
                server.terminate()
                server.wait(30)
            # What keeping every question costs: the same load with the question log off.
            server, url, _ = _serve(Path(directory), question_log=False)
            try:
                samples, wall = _load(url, 16, _cycle(max(args.questions, 128)))
                rows.append(
                    (
                        "HTTP POST /api/ask, 16 clients, question log off: p50 / p99",
                        f"{_ms(samples, 0.5):.1f} / {_ms(samples, 0.99):.1f} ms",
                        f"{len(samples) / wall:.0f} q/s = "
                        f"{len(samples) / wall * floor:.2f}x floor q/s",
                    )
                )
                # The command line as a client: its own start is most of it (goal: 0.3 s).
                client = [str(ESSAYBOT), "ask", "--server", url, QUESTIONS[0]]
                rows.append(
                    (
                        "essaybot ask --server URL from the shell (median of 5)",
                        f"{statistics.median(_runs(client, 5)):.2f} s",
                        "goal 0.3 s",
                    )
                )
            finally:
                server.terminate()
                server.wait(30)
            env = {**os.environ, "ESSAYBOT_INDEX_DIR": directory}
            start = time.perf_counter()
            subprocess.run(
                [str(ESSAYBOT), "ask", QUESTIONS[0]], env=env, check=True, capture_output=True
            )
            rows.append(("essaybot ask from the shell", f"{time.perf_counter() - start:.1f} s", ""))

    if not args.no_build:
        folders: list[tuple[str, Path]] = [
            ("the essay", settings.seeds),
            ("a manual", args.medium),
            ("a long text", args.long),
        ]
        for label, folder in folders:
            texts = load_texts(folder)
            size = sum(len(t.content.encode()) for t in texts) // 1000
            encoded, of_text = _tokens(texts, model)
            rows.append(
                (
                    f"tokens encoded for {label} ({size} KB)",
                    f"{encoded:,} for {of_text:,}",
                    f"{encoded / of_text:.2f} per token of text (goal 1.3)",
                )
            )
            for path in ("old", "new"):
                seconds, peak, passages = _index_build(folder, path)
                rows.append(
                    (
                        f"index build, {label} ({size} KB, {passages} passages), {path} path",
                        f"{seconds:.1f} s",
                        f"peak memory {peak:.0f} MB (essaybot index, model load included)",
                    )
                )

    width = max(len(r[0]) for r in rows)
    print(f"{settings.model}, runtime {settings.runtime}, {os.cpu_count()} CPUs\n")
    for label, figure, ratio in rows:
        print(f"{label:<{width}}  {figure:>24}  {ratio}")


if __name__ == "__main__":
    main()
