"""What one replica needs: questions per second on one core, and memory, for a small and a
large text. The figures docs/deploy.md sizes a deployment by.

Usage: .venv/bin/python benchmarks/sizing.py [--questions N] [--clients N]
Each text's index is built first (a deploy step); then one `essaybot serve` runs on CPU 0
alone, with the question log on, while the clients ask from CPU 1, so the figure is one
core's. Questions differ every time (a known question with a word of the text added), so
no cache sees one twice. Then three replicas of the larger text run side by side, for what
each holds and what they share (RSS and PSS). Prints tables, asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from speed import ESSAYBOT, _distinct, _load, _memory_mb, _ms, _replicas, _serve

PROJECT = Path(__file__).resolve().parent.parent
REFERENCE = PROJECT / "evals" / "texts" / "developers-reference" / "developers-reference-de.md"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    options = parser.parse_args()
    if len(os.sched_getaffinity(0)) < 2:
        sys.exit("needs two CPUs: one for the replica, one for the clients")
    everywhere = os.sched_getaffinity(0)
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        essay = PROJECT / "seeds"
        large = Path(scratch) / "large"
        large.mkdir()
        for text in [*essay.iterdir(), REFERENCE]:
            (large / text.name).write_bytes(text.read_bytes())
        for label, seeds in (("the essay (8 paragraphs)", essay), ("essay + 300 KB manual", large)):
            index = Path(scratch) / f"index-{seeds.name}"
            subprocess.run(
                [str(ESSAYBOT), "index", "--seeds", str(seeds), "--index-dir", str(index)],
                check=True,
                capture_output=True,
            )
            os.sched_setaffinity(0, {1})  # the clients' side, the build had both
            server, url, started = _serve(index, seeds=seeds, cpus={0})
            try:
                questions = _distinct(seeds, options.questions + 200)
                _load(url, options.clients, questions[:200])  # warm
                samples, seconds = _load(url, options.clients, questions[200:])
                rss, pss = _memory_mb(server.pid)
                passages = httpx.get(f"{url}/readyz").json()["index"]["passages"]
            finally:
                server.terminate()
                server.wait(timeout=30)
                os.sched_setaffinity(0, everywhere)
            rows.append((label, passages, len(samples) / seconds, samples, rss, pss, started))
        shared = _replicas(Path(scratch) / f"index-{large.name}", large, 3, 200)
    print(f"\n{options.questions:,} distinct questions per text, {options.clients} clients;")
    print("one replica on one core (CPU 0), the clients on CPU 1, question log on\n")
    columns = ("text", "passages", "q/s", "p50 ms", "p95 ms", "RSS MB", "PSS MB", "start s")
    print(f"{columns[0]:<26}" + "".join(f" {c:>8}" for c in columns[1:]))
    for label, passages, rate, samples, rss, pss, started in rows:
        figures = (rate, _ms(samples, 0.5), _ms(samples, 0.95), rss, pss)
        print(f"{label:<26} {passages:>8}" + "".join(f" {f:>8.1f}" for f in figures), end="")
        print(f" {started:>8.1f}")
    print("\nthree replicas of the second on one machine (CPU 0), each asked 200 questions:")
    print(f"{'replica':<10} {'RSS MB':>8} {'PSS MB':>8}")
    for number, (rss, pss) in enumerate(shared, 1):
        print(f"{number:<10} {rss:>8.1f} {pss:>8.1f}")
    print(f"{'together':<10} {sum(r for r, _ in shared):>8.1f} {sum(p for _, p in shared):>8.1f}")


if __name__ == "__main__":
    main()
