"""How the vector search and `ask()` scale past any text we have: figures, not tests.

Usage: .venv/bin/python benchmarks/scale.py [--sizes 10000 100000 1000000] [--ask 100000]

1. FAISS flat (exact) against HNSW and IVF at each size: build time, search p50 for one
   question, recall@10 against exact, memory. The vectors are synthetic but lie where
   e5's lie: each is the normalised sum of two of the Developer's Reference's real
   vectors (passages, sentences and windows) and a little noise, so there are as many
   distinct neighbourhoods as pairs, in e5's narrow cone; the questions are the
   evaluation's questions encoded by the real model.
2. `ask()` on an index of `--ask` passages (the manual's passages repeated, their
   vectors made as above, BM25 over all their words), through the real model and the
   path a server takes: HNSW nominates, the nominated are scored in full.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import replace
from pathlib import Path

import faiss
import numpy as np

from bot import Settings, ask, load_engine
from bot.ingest.folder import load_texts
from bot.pipeline import ensure_index
from bot.store.index import EXACT_UP_TO, Index, passage_document, vector_index
from bot.store.lexical import build_lexical

PROJECT = Path(__file__).resolve().parent.parent
MANUAL = PROJECT / "evals" / "texts" / "developers-reference"
QUESTIONS = PROJECT / "evals" / "developers-reference.jsonl"
RNG = np.random.default_rng(7)


def _mixed(pool: np.ndarray, count: int, spread: float = 0.3) -> np.ndarray:
    """`count` vectors, each two random vectors of `pool` added, with Gaussian noise,
    normalised."""
    pairs = RNG.integers(0, len(pool), size=(count, 2))
    out = pool[pairs[:, 0]] + pool[pairs[:, 1]]
    noise = RNG.standard_normal(out.shape).astype(np.float32)
    out += noise * (spread / np.sqrt(pool.shape[1]))
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return np.ascontiguousarray(out, dtype=np.float32)


def _noisy(base: np.ndarray, spread: float = 0.3) -> np.ndarray:
    """Each row of `base` with Gaussian noise, normalised."""
    noise = RNG.standard_normal(base.shape).astype(np.float32)
    out = base + noise * (spread / np.sqrt(base.shape[1]))
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return np.ascontiguousarray(out, dtype=np.float32)


def _ms(samples: list[float]) -> float:
    return 1000 * statistics.median(samples)


def _search_p50(index: faiss.Index, queries: np.ndarray) -> tuple[float, np.ndarray]:
    samples, found = [], []
    for query in queries:
        start = time.perf_counter()
        _, rows = index.search(query[None, :], 10)
        samples.append(time.perf_counter() - start)
        found.append(rows[0])
    return _ms(samples), np.array(found)


def _recall(found: np.ndarray, exact: np.ndarray) -> float:
    return float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, exact, strict=True)]))


def _ivf(vectors: np.ndarray) -> faiss.Index:
    lists = int(4 * np.sqrt(len(vectors)))
    quantizer = faiss.IndexFlatIP(vectors.shape[1])
    ivf = faiss.IndexIVFFlat(quantizer, vectors.shape[1], lists, faiss.METRIC_INNER_PRODUCT)
    sample = vectors[RNG.choice(len(vectors), min(len(vectors), 50 * lists), replace=False)]
    ivf.train(sample)
    ivf.add(vectors)
    return ivf


def _hnsw(vectors: np.ndarray) -> faiss.Index:
    # Whatever EXACT_UP_TO says, the graph the bot would build at this size.
    graph = faiss.IndexHNSWFlat(vectors.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
    graph.hnsw.efConstruction = 80
    graph.add(vectors)
    return graph


def _row(size: int, kind: str, built: float, p50: float, recall: float, mb: float) -> None:
    print(f"{size:>9,}  {kind:<16} {built:>8.1f} {p50:>8.2f} {recall:>9.3f} {mb:>7.0f}")


def vector_search(
    base: np.ndarray, queries: np.ndarray, sizes: list[int], *, ivf: bool = True
) -> None:
    print(f"{'passages':>9}  {'kind':<16} {'build s':>8} {'p50 ms':>8} {'recall@10':>9} {'MB':>7}")
    for size in sizes:
        vectors = _mixed(base, size)
        flat = faiss.IndexFlatIP(vectors.shape[1])
        flat.add(vectors)
        exact_ms, exact = _search_p50(flat, queries)
        megabytes = flat.ntotal * flat.d * 4 / 1e6
        _row(size, "flat (exact)", 0.0, exact_ms, 1.0, megabytes)
        for kind, make in (("HNSW 32", _hnsw), ("IVF", _ivf))[: 2 if ivf else 1]:
            start = time.perf_counter()
            index = make(vectors)
            built = time.perf_counter() - start
            size_mb = len(faiss.serialize_index(index)) / 1e6
            # How deep a search looks: the bot's depth first, then deeper ones.
            for depth in (128, 256, 512, 1024) if kind.startswith("HNSW") else (24, 64):
                if kind.startswith("HNSW"):
                    index.hnsw.efSearch = depth
                else:
                    index.nprobe = depth
                p50, found = _search_p50(index, queries)
                label = f"{kind}/{'ef' if kind.startswith('HNSW') else 'nprobe'} {depth}"
                _row(size, label, built, p50, _recall(found, exact), size_mb)


def _large_index(manual: Index, size: int) -> Index:
    """The manual's passages repeated to `size`, each copy's vectors with noise."""
    source = [i % len(manual.passages) for i in range(size)]
    passages = tuple(replace(manual.passages[j], paragraph=i + 1) for i, j in enumerate(source))
    rows = [0]
    for passage in passages:
        rows.append(rows[-1] + len(passage.sentences))
    bounds = manual.sentence_rows
    repeat = np.concatenate([np.arange(bounds[j], bounds[j + 1]) for j in source])
    pool = np.vstack([manual.passage_vectors, manual.window_vectors, manual.sentence_vectors])
    vectors = _mixed(pool, size)
    windows = _mixed(pool, len(repeat))
    sentences = _noisy(manual.sentence_vectors[repeat])
    assert manual.ceilings is not None
    ceilings = manual.ceilings[:, source]

    start = time.perf_counter()
    index = Index(
        manifest=replace(manual.manifest, passages=size),
        passages=passages,
        vectors=vector_index(vectors),
        window_vectors=windows,
        sentence_vectors=sentences,
        sentence_rows=tuple(rows),
        lexical=build_lexical([passage_document(p) for p in passages]),
        ceilings=np.ascontiguousarray(ceilings),
        window_index=vector_index(windows) if size > EXACT_UP_TO else None,
    )
    print(f"built an index of {size:,} passages in {time.perf_counter() - start:.0f} s")
    return index


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--ask", type=int, default=100_000, help="passages for ask(); 0 skips")
    parser.add_argument("--no-ivf", action="store_true", help="skip IVF (minutes at 1M)")
    args = parser.parse_args()
    settings = Settings()
    engine = load_engine(settings, notify=lambda message: None)
    manual = ensure_index(
        load_texts(MANUAL), engine.model, settings.index_dir / "eval" / "developers-reference"
    )
    lines = QUESTIONS.read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["question"] for line in lines if line.strip()]
    queries = engine.model.encode_queries(questions[:60])
    print(f"vector search, one question, {len(queries)} questions, 2 threads\n")
    pool = np.vstack([manual.passage_vectors, manual.window_vectors, manual.sentence_vectors])
    vector_search(pool, queries, args.sizes, ivf=not args.no_ivf)
    if args.ask:
        large = replace(engine, index=_large_index(manual, args.ask), texts=())
        print()
        # The same questions over the manual itself, in the same run: what scale adds.
        for label, served in (
            (f"{len(manual.passages):,}", replace(engine, index=manual)),
            (f"{args.ask:,}", large),
        ):
            for question in questions[:5]:
                ask(question, served)  # warm: word lists are made on first use
            samples = []
            for question in questions[:60]:
                start = time.perf_counter()
                ask(question, served)
                samples.append(time.perf_counter() - start)
            p95 = 1000 * sorted(samples)[int(0.95 * len(samples))]
            print(f"ask() over {label} passages: p50 {_ms(samples):.1f} ms, p95 {p95:.1f} ms")


if __name__ == "__main__":
    main()
