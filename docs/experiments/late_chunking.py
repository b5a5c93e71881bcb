"""Experiment (issue 23, section 1): late chunking against separate encodes, on every eval set.

Each passage document ("passage: " + heading path + text) is encoded once; sentence and
window vectors are mean-pooled from the token states of their character spans. Passages
over 512 tokens are encoded in overlapping chunks; each token keeps the state of the chunk
where it stands farthest from an edge.

Usage (from the project folder): .venv/bin/python docs/experiments/late_chunking.py MODE [SET ...]
MODE: separate | late | late-windows | sumwin | window-sentences; WITH_HEAD=1 pools the start token and prompt too;
WEIGHTED=1 weighs sumwin's sentences by their token counts.
An experiment, not part of the bot: it reads the ONNX embedder's private parts.
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from tokenizers import Tokenizer

from bot.embed.model import load_model
from bot.evaluation import evaluate_set, format_reports, load_cases, load_sets
from bot.ingest.folder import load_texts
from bot.ingest.passages import Passage, introduction, split_passages
from bot.pipeline import build_index, manifest_for
from bot.search.refusal import ceilings
from bot.settings import Settings
from bot.store.index import (
    EXACT_UP_TO,
    VIEWS,
    Index,
    passage_document,
    sentence_rows,
    vector_index,
)
from bot.store.lexical import build_lexical

PROJECT = Path(__file__).resolve().parents[2]
MAX = 512
STRIDE = 384
counted = {"tokens": 0}
import os

WITH_HEAD = bool(os.environ.get("WITH_HEAD"))


def spans(
    passage: Passage, doc: str
) -> tuple[list[list[tuple[int, int]]], list[list[tuple[int, int]]]]:
    """Character spans in `doc` of each sentence and each window (a list of ranges)."""
    shift = len(doc) - len(passage.text)
    assert doc.endswith(passage.text)
    sentences = passage.sentences
    sent = [[(s.start - passage.start + shift, s.end - passage.start + shift)] for s in sentences]
    wins = []
    for i in range(len(sentences)):
        first, last = sentences[max(0, i - 1)], sentences[min(len(sentences) - 1, i + 1)]
        ranges = [(first.start - passage.start + shift, last.end - passage.start + shift)]
        intro = introduction(passage, i)
        if intro is not None and intro.start < first.start:
            ranges.append((intro.start - passage.start + shift, intro.end - passage.start + shift))
        wins.append(ranges)
    return sent, wins


def token_states(
    model: Any, docs: list[str]
) -> list[tuple[np.ndarray, list[tuple[int, int]], int]]:
    """Per doc: token states (n, d), char offsets in doc, prompt length in chars."""
    prompt = model._pipeline.document_prompt
    tok = Tokenizer.from_file(str(model._tokenizer_path))
    tok.no_truncation()
    tok.no_padding()
    encodings = tok.encode_batch([prompt + d for d in docs])
    prompt_ids = tok.encode(prompt).ids[1:-1]
    cls, sep = encodings[0].ids[0], encodings[0].ids[-1]
    # chunks: (doc, content slice a:b)
    jobs: list[tuple[int, int, int, list[int]]] = []
    for i, e in enumerate(encodings):
        ids = e.ids
        if len(ids) <= MAX:
            jobs.append((i, 0, len(ids), ids))
            continue
        content = ids[1 + len(prompt_ids) : -1]
        width = MAX - 2 - len(prompt_ids)
        a = 0
        while True:
            b = min(a + width, len(content))
            jobs.append((i, a, b, [cls, *prompt_ids, *content[a:b], sep]))
            if b == len(content):
                break
            a += STRIDE
    order = sorted(range(len(jobs)), key=lambda j: -len(jobs[j][3]))
    hidden: dict[int, np.ndarray] = {}
    for start in range(0, len(order), 32):
        rows = order[start : start + 32]
        width = max(len(jobs[j][3]) for j in rows)
        tokens = np.full((len(rows), width), model._pad, dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for r, j in enumerate(rows):
            ids = jobs[j][3]
            tokens[r, : len(ids)] = ids
            mask[r, : len(ids)] = 1
        counted["tokens"] += int(mask.sum())
        feeds = {
            "input_ids": tokens,
            "attention_mask": mask,
            "token_type_ids": np.zeros_like(tokens),
        }
        if model._words is not None:  # the word table kept beside the graph
            feeds["word_embeddings"] = model._words.lookup(tokens)
        feeds = {k: v for k, v in feeds.items() if k in model._inputs}
        (out,) = model._session.run(["last_hidden_state"], feeds)
        for r, j in enumerate(rows):
            hidden[j] = out[r, : len(jobs[j][3])]
    result = []
    for i, e in enumerate(encodings):
        mine = [j for j in range(len(jobs)) if jobs[j][0] == i]
        if len(mine) == 1 and jobs[mine[0]][2] == len(e.ids) and len(e.ids) <= MAX:
            states = hidden[mine[0]]
        else:
            n = len(e.ids)
            states = np.zeros((n, hidden[mine[0]].shape[1]), dtype=np.float32)
            best = np.full(n, -1.0)
            head = 1 + len(prompt_ids)
            for j in mine:
                _, a, b, ids = jobs[j]
                h = hidden[j]
                # head tokens (cls + prompt) from the first chunk
                if a == 0:
                    states[:head] = h[:head]
                    states[-1] = h[-1]
                for k in range(b - a):
                    centrality = min(k, b - a - 1 - k)
                    if centrality > best[head + a + k]:
                        best[head + a + k] = centrality
                        states[head + a + k] = h[head + k]
        result.append((states, e.offsets, e.special_tokens_mask, len(prompt)))
    return result


def pool(
    states: np.ndarray,
    offsets: list[tuple[int, int]],
    special: list[int],
    plen: int,
    ranges: list[tuple[int, int]],
) -> np.ndarray:
    pick = [
        t
        for t, (s, e) in enumerate(offsets)
        if not special[t] and e > s and any(a <= s - plen and e - plen <= b for a, b in ranges)
    ]
    if not pick:  # a span inside one token
        pick = [
            t
            for t, (s, e) in enumerate(offsets)
            if not special[t] and any(s - plen < b and e - plen > a for a, b in ranges)
        ]
    if WITH_HEAD:
        head = [t for t, (s, e) in enumerate(offsets) if special[t] or e <= plen]
        pick = sorted(set(pick) | set(head))
    v = states[pick].mean(axis=0)
    return v / np.linalg.norm(v)


def late_index(texts: tuple, model: Any, mode: str) -> Index:
    passages = tuple(p for text in texts for p in split_passages(text))
    docs = [passage_document(p) for p in passages]
    t0 = time.perf_counter()
    states = token_states(model, docs)
    pvecs, svecs, wvecs = [], [], []
    for p, doc, (h, offsets, special, plen) in zip(passages, docs, states, strict=True):
        v = h.mean(axis=0)
        pvecs.append(v / np.linalg.norm(v))
        sent, wins = spans(p, doc)
        svecs += [pool(h, offsets, special, plen, r) for r in sent]
        wvecs += [pool(h, offsets, special, plen, r) for r in wins]
    vectors = np.asarray(pvecs, dtype=np.float32)
    windows = np.asarray(wvecs, dtype=np.float32)
    if mode == "late":
        sentences = np.asarray(svecs, dtype=np.float32)
    else:  # late-windows: bare sentences encoded apart, as today
        strings = VIEWS["sentences"].strings(passages)
        distinct = list(dict.fromkeys(strings))
        enc = model.encode_documents(distinct)
        counted["tokens"] += sum(
            len(e.ids) for e in model._tokenizer.encode_batch(["passage: " + s for s in distinct])
        )
        row = {s: i for i, s in enumerate(distinct)}
        sentences = enc[[row[s] for s in strings]]
    print(f"  encoded in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return assembled(texts, model, passages, vectors, windows, sentences)


def sum_windows_index(texts: tuple, model: Any) -> Index:
    """Sentences and passages encoded apart; each window the sum of its sentences'
    vectors (weighted by their token counts), normalised: no window is encoded."""
    passages = tuple(p for text in texts for p in split_passages(text))
    docs = [passage_document(p) for p in passages]
    sents = [s.text for p in passages for s in p.sentences]
    distinct = list(dict.fromkeys(docs + sents))
    enc = model.encode_documents(distinct)
    lengths = {
        t: len(e.ids)
        for t, e in zip(
            distinct, model._tokenizer.encode_batch(["passage: " + t for t in distinct])
        )
    }
    counted["tokens"] += sum(lengths.values())
    row = {t: i for i, t in enumerate(distinct)}
    vectors = enc[[row[d] for d in docs]]
    sentences = enc[[row[t] for t in sents]]
    weighted = bool(__import__("os").environ.get("WEIGHTED"))
    wins = []
    for p in passages:
        ss = p.sentences
        for i in range(len(ss)):
            members = list(range(max(0, i - 1), min(len(ss), i + 2)))
            intro = introduction(p, i)
            if intro is not None and ss.index(intro) not in members:
                members.append(ss.index(intro))
            v = sum(
                enc[row[ss[j].text]] * (lengths[ss[j].text] if weighted else 1.0) for j in members
            )
            wins.append(v / np.linalg.norm(v))
    windows = np.asarray(wins, dtype=np.float32)
    return assembled(texts, model, passages, vectors, windows, sentences)


def assembled(
    texts: tuple,
    model: Any,
    passages: tuple,
    vectors: np.ndarray,
    windows: np.ndarray,
    sentences: np.ndarray,
) -> Index:
    """An index of these vectors, with its refusal ceilings measured on them."""
    manifest = replace(
        manifest_for(texts, model.identity),
        dimension=int(vectors.shape[1]),
        passages=len(passages),
        sentences=len(sentences),
    )
    index = Index(
        manifest=manifest,
        passages=passages,
        vectors=vector_index(vectors),
        window_vectors=windows,
        sentence_vectors=sentences,
        sentence_rows=sentence_rows(passages),
        lexical=build_lexical(VIEWS["passages"].strings(passages)),
        window_index=(vector_index(windows) if len(passages) > EXACT_UP_TO else None),
    )
    return replace(index, ceilings=ceilings(index, model))


def window_sentences_index(texts: tuple, model: Any) -> Index:
    """Passages and windows encoded apart, as today; each sentence's vector pooled from the
    encode of its own window (the sentence with its neighbours), not encoded alone."""
    passages = tuple(p for text in texts for p in split_passages(text))
    docs = [passage_document(p) for p in passages]
    windows, spans = [], []
    for p in passages:
        ss = p.sentences
        for i in range(len(ss)):
            first, last = ss[max(0, i - 1)], ss[min(len(ss) - 1, i + 1)]
            window = p.text[first.start - p.start : last.end - p.start]
            shift = 0
            intro = introduction(p, i)
            if intro is not None and intro.start < first.start:
                window = f"{intro.text}\n{window}"
                shift = len(intro.text) + 1
            windows.append(window)
            spans.append([(ss[i].start - first.start + shift, ss[i].end - first.start + shift)])
    distinct = list(dict.fromkeys(docs))
    enc = model.encode_documents(distinct)
    row = {t: i for i, t in enumerate(distinct)}
    vectors = enc[[row[d] for d in docs]]
    counted["tokens"] += sum(
        len(e.ids) for e in model._tokenizer.encode_batch(["passage: " + d for d in distinct])
    )
    wdistinct = list(dict.fromkeys(windows))
    states = token_states(model, wdistinct)
    wrow = {t: i for i, t in enumerate(wdistinct)}
    wvecs, svecs = [], []
    for w, span in zip(windows, spans, strict=True):
        h, offsets, special, plen = states[wrow[w]]
        v = h.mean(axis=0)
        wvecs.append(v / np.linalg.norm(v))
        svecs.append(pool(h, offsets, special, plen, span))
    window_vectors = np.asarray(wvecs, dtype=np.float32)
    sentences = np.asarray(svecs, dtype=np.float32)
    return assembled(texts, model, passages, vectors, window_vectors, sentences)


def main() -> None:
    mode, chosen = sys.argv[1], sys.argv[2:]
    settings = Settings()
    model = load_model(settings.model, settings.model_cache, settings.runtime)
    model._tokenizer_path = (
        Path(
            __import__("bot.embed.model", fromlist=["resolve_model"]).resolve_model(
                settings.model, settings.model_cache
            )
        )
        / "tokenizer.json"
    )
    # For counting tokens as the model reads them (the embedder keeps no `tokenizers` object).
    model._tokenizer = Tokenizer.from_file(str(model._tokenizer_path))
    model._tokenizer.enable_truncation(512)
    sets = load_sets(PROJECT / "evals" / "sets.json", chosen, seeds=PROJECT / "seeds")
    reports = []
    for eval_set in sets:
        texts = load_texts(eval_set.texts)
        counted["tokens"] = 0
        t0 = time.perf_counter()
        if mode == "sumwin":
            index = sum_windows_index(texts, model)
        elif mode == "window-sentences":
            index = window_sentences_index(texts, model)
        elif mode == "separate":
            strings = [
                s
                for name in VIEWS
                for s in VIEWS[name].strings(tuple(p for t in texts for p in split_passages(t)))
            ]
            distinct = list(dict.fromkeys(strings))
            counted["tokens"] = sum(
                min(512, len(e.ids))
                for e in model._tokenizer.encode_batch(["passage: " + s for s in distinct])
            )
            index = build_index(texts, model)
        else:
            index = late_index(texts, model, mode)
        text_tokens = sum(
            len(e.ids)
            for e in model._tokenizer.encode_batch(
                [p.text for t in texts for p in split_passages(t)]
            )
        )
        print(
            f"{eval_set.name} {mode}: {time.perf_counter() - t0:.1f} s, {counted['tokens']} tokens encoded, {text_tokens} tokens of passage text, ratio {counted['tokens'] / text_tokens:.2f}",
            flush=True,
        )
        rows, _ = evaluate_set(
            eval_set.name,
            index,
            model,
            load_cases(eval_set.questions),
            threshold=settings.threshold,
            selection=(settings.max_quotes, settings.margin),
        )
        reports += rows[:2]
    print(format_reports(reports), flush=True)


if __name__ == "__main__":
    main()
