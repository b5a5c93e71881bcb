"""Resident memory of one server over 10,000 questions in a row.

Usage: .venv/bin/python benchmarks/memory.py [--questions N] [--clients N]
A real `essaybot serve` on a free loopback port, its question log on (SQLite in a
temporary data directory), asked questions that differ every time (a known question with
a word of the text added), so no cache sees the same question twice. Prints the server's
resident memory after a warm-up and then every quarter; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from speed import _distinct, _load, _serve

PROJECT = Path(__file__).resolve().parent.parent


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=8)
    options = parser.parse_args()
    questions = _distinct(PROJECT / "seeds", 500 + options.questions)
    with tempfile.TemporaryDirectory() as data:
        # Its own index and data directory (built there once), no rate limit.
        server, url, _ = _serve(Path(data))
        try:

            def ask(count: int) -> None:
                asking = questions[:count]
                del questions[:count]
                _load(url, options.clients, asking)

            ask(500)  # warm: the model's buffers, the thread pools, the database
            rows = [("after 500 to warm up", 0, _rss_mb(server.pid))]
            start = time.perf_counter()
            quarter = options.questions // 4
            for step in range(1, 5):
                ask(quarter)
                rows.append((f"after {step * quarter:,} more", step * quarter, _rss_mb(server.pid)))
            seconds = time.perf_counter() - start
        finally:
            server.terminate()
            server.wait(timeout=30)
    base = rows[0][2]
    print(f"\n{options.questions:,} questions, {options.clients} clients, {seconds:.0f} s")
    print(f"{'':<24} {'resident MB':>12} {'growth MB':>10}")
    for label, _, rss in rows:
        print(f"{label:<24} {rss:>12.1f} {rss - base:>+10.1f}")


if __name__ == "__main__":
    main()
