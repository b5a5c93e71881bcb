"""What turns text into vectors: one interface, two runtimes behind it.

Everything that encodes (the index build, the refusal ceilings, a question) holds an
`Embedder` and nothing else, so which runtime runs the model is decided once, where the
model is loaded (model.py). `TorchEmbedder` is sentence-transformers as it comes, the
reference. `OnnxEmbedder` runs the same pipeline (prompt, tokenizer, transformer, mean
pooling, normalisation) on ONNX Runtime without importing torch: a process that only
answers starts in about a second instead of five, and a question costs a third.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from .runtime import WORD_CODES, WORD_INPUT, WORD_SCALES
from .word_table import WordTable

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    import numpy.typing as npt
    from sentence_transformers import SentenceTransformer

    from .._types import Matrix

__all__ = ["Embedder", "OnnxEmbedder", "Progress", "TorchEmbedder", "UnsupportedPipeline"]

# Documents are encoded longest first in batches of this many: each batch pads to its
# longest text, so texts of like length share a batch and little is spent on padding.
DOCUMENT_BATCH = 32
# ... and of at most this many tokens, padding included: the attention of 32 texts of 512
# tokens holds 400 MB at once. Encoding the Developer's Reference, a process peaked at
# 968 MB with batches of 32 and at 655 MB with this, in the same time (75 s).
BATCH_TOKENS = 4096


class Progress(Protocol):
    """Told how many tokens were encoded: a build's one bar over all its texts."""

    def update(self, n: int) -> object: ...


class Embedder(Protocol):
    """Normalised vectors for questions and for the passages they are matched against.

    e5 reads a question and a passage differently ("query: " and "passage: " prompts),
    so the two sides are two methods, never one with a flag to forget.
    """

    @property
    def identity(self) -> str:
        """What made the vectors, recorded in an index's manifest: an index built with
        other weights or another runtime is stale."""
        ...

    def encode_queries(self, texts: Sequence[str]) -> Matrix: ...

    def encode_documents(
        self, texts: Sequence[str], *, progress: Progress | None = None
    ) -> Matrix: ...

    def count_tokens(self, texts: Sequence[str]) -> int:
        """How many tokens `encode_documents` would feed the model for `texts`: what a
        progress bar counts, so that its time left holds for texts long and short."""
        ...


class UnsupportedPipeline(ValueError):
    """The model's sentence-transformers pipeline has a part `OnnxEmbedder` does not run."""


@dataclass(frozen=True)
class TorchEmbedder:
    """sentence-transformers with torch: the reference the ONNX export is checked against."""

    model: SentenceTransformer
    identity: str

    def encode_queries(self, texts: Sequence[str]) -> Matrix:
        vectors = self.model.encode_query(
            list(texts), normalize_embeddings=True, convert_to_numpy=True, batch_size=32
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_documents(self, texts: Sequence[str], *, progress: Progress | None = None) -> Matrix:
        vectors = self.model.encode_document(
            list(texts),
            normalize_embeddings=True,
            convert_to_numpy=True,
            batch_size=DOCUMENT_BATCH,
        )
        if progress is not None:
            progress.update(self.count_tokens(texts))
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def count_tokens(self, texts: Sequence[str]) -> int:
        prompts = self.model.prompts
        prompt = prompts.get("document") or prompts.get("passage") or ""
        # Cut where the model cuts: also keeps transformers from warning of long texts.
        cut = {"truncation": True, "max_length": self.model.max_seq_length}
        ids = self.model.tokenizer([prompt + t for t in texts], **cut)["input_ids"]
        return sum(len(row) for row in ids)


@dataclass(frozen=True)
class _Pipeline:
    """The parts of a sentence-transformers directory that shape a vector."""

    query_prompt: str
    document_prompt: str
    max_tokens: int
    pooling: str  # "mean" or "cls"
    normalize: bool
    pad_token: str


def read_pipeline(directory: Path) -> _Pipeline:
    """What sentence-transformers would do around the transformer of the model in
    `directory`; anything this module does not reproduce exactly is refused."""
    modules = json.loads((directory / "modules.json").read_text(encoding="utf-8"))
    kinds = [str(m["type"]).rsplit(".", 1)[-1] for m in modules]
    if kinds[:2] != ["Transformer", "Pooling"] or kinds[2:] not in ([], ["Normalize"]):
        raise UnsupportedPipeline(f"modules {kinds}")
    pooling = json.loads(
        (directory / modules[1]["path"] / "config.json").read_text(encoding="utf-8")
    )
    modes = [
        key.removeprefix("pooling_mode_").removesuffix("_tokens")
        for key, on in pooling.items()
        if key.startswith("pooling_mode_") and on is True
    ]
    mode = pooling.get("pooling_mode") or (modes[0] if len(modes) == 1 else None)
    if mode not in ("mean", "cls"):
        raise UnsupportedPipeline(f"pooling {pooling}")
    settings = _json_or_empty(directory / "config_sentence_transformers.json")
    prompts = settings.get("prompts") or {}
    bert = _json_or_empty(directory / "sentence_bert_config.json")
    if bert.get("do_lower_case"):
        raise UnsupportedPipeline("lower-casing")
    tokenizer = _json_or_empty(directory / "tokenizer_config.json")
    config = _json_or_empty(directory / "config.json")
    limits = [
        bert.get("max_seq_length"),
        tokenizer.get("model_max_length"),
        config.get("max_position_embeddings"),
    ]
    return _Pipeline(
        query_prompt=str(prompts.get("query", "")),
        document_prompt=str(prompts.get("document", prompts.get("passage", ""))),
        max_tokens=min(int(n) for n in limits if isinstance(n, int) and 0 < n < 1_000_000),
        pooling=mode,
        normalize=kinds[2:] == ["Normalize"],
        pad_token=str(tokenizer.get("pad_token") or ""),
    )


def _json_or_empty(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


class OnnxEmbedder:
    """The model's ONNX export with the model's own tokenizer, pooled as
    sentence-transformers pools: the same vectors without torch in the process."""

    def __init__(self, directory: Path, export: Path, identity: str) -> None:
        import onnxruntime

        self.identity = identity
        self._pipeline = read_pipeline(directory)
        self._ids, pad = _tokenizer(directory / "tokenizer.json", self._pipeline, export.parent)
        # Padding is masked out of attention and pooling; the model's own id keeps the
        # arithmetic the same as sentence-transformers'.
        self._pad = pad or 0
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3  # warnings about unused initialisers are noise
        # ONNX Runtime's arena keeps the largest batch's memory for good: one batch of 32
        # long passages (a build in the server, the folder watch) left a process at 802 MB
        # instead of 438 MB. Without it questions and builds ran as fast here.
        options.enable_cpu_mem_arena = False
        self._session = onnxruntime.InferenceSession(
            str(export), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}
        # The word-embedding table, when the export keeps it outside the graph.
        self._words = (
            WordTable(export.parent / WORD_CODES, export.parent / WORD_SCALES)
            if WORD_INPUT in self._inputs
            else None
        )

    def encode_queries(self, texts: Sequence[str]) -> Matrix:
        return self._encode([self._pipeline.query_prompt + t for t in texts])

    def encode_documents(self, texts: Sequence[str], *, progress: Progress | None = None) -> Matrix:
        encodings = self._ids([self._pipeline.document_prompt + t for t in texts])
        vectors = np.empty((len(texts), self.dimension), dtype=np.float32)
        for rows in _batches([len(ids) for ids in encodings]):
            vectors[rows] = self._run([encodings[i] for i in rows])
            if progress is not None:
                progress.update(sum(len(encodings[i]) for i in rows))
        _give_back_freed_memory()
        return vectors

    def count_tokens(self, texts: Sequence[str]) -> int:
        return sum(
            len(ids) for ids in self._ids([self._pipeline.document_prompt + t for t in texts])
        )

    @property
    def dimension(self) -> int:
        return int(self._session.get_outputs()[0].shape[-1])

    def _encode(self, texts: list[str]) -> Matrix:
        if not texts:
            return np.empty((0, self.dimension), dtype=np.float32)
        return self._run(self._ids(texts))

    def _run(self, ids: list[list[int]]) -> Matrix:
        width = max(len(row) for row in ids)
        tokens = np.full((len(ids), width), self._pad, dtype=np.int64)
        mask = np.zeros((len(ids), width), dtype=np.int64)
        for i, row in enumerate(ids):
            tokens[i, : len(row)] = row
            mask[i, : len(row)] = 1
        feeds: dict[str, npt.NDArray[Any]] = {
            "input_ids": tokens,
            "attention_mask": mask,
            "token_type_ids": np.zeros_like(tokens),
        }
        if self._words is not None:
            feeds[WORD_INPUT] = self._words.lookup(tokens)
        feeds = {name: value for name, value in feeds.items() if name in self._inputs}
        (hidden,) = self._session.run(["last_hidden_state"], feeds)
        if self._pipeline.pooling == "cls":
            pooled = hidden[:, 0]
        else:
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        if self._pipeline.normalize:
            pooled = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return np.ascontiguousarray(pooled, dtype=np.float32)


def _give_back_freed_memory() -> None:
    """Hand the heap's free pages back to the system. The batches' buffers are freed but
    glibc keeps them: after encoding 3,000 strings of the Developer's Reference a process
    stayed at 306 MB, and at 179 MB with this (a replica that built its index at start or
    in the folder watch keeps no build's memory). Nothing to do off glibc."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _batches(lengths: Sequence[int]) -> list[list[int]]:
    """Rows of like length batched together, the longest batch and the shortest taken in
    turn: a token of a 512-token text costs 1.5 times one of a 64-token text (attention),
    so longest first would make a progress bar's time left far too long at the start."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches: list[list[int]] = []
    start = 0
    while start < len(order):
        size = max(1, min(DOCUMENT_BATCH, BATCH_TOKENS // max(1, lengths[order[start]])))
        batches.append(order[start : start + size])
        start += size
    return [batches[i // 2] if i % 2 == 0 else batches[-1 - i // 2] for i in range(len(batches))]


def _tokenizer(
    path: Path, pipeline: _Pipeline, keep: Path
) -> tuple[Callable[[list[str]], list[list[int]]], int | None]:
    """The model's tokenizer as a function from texts to ids (truncated as the model
    reads them), and the padding id. A multilingual Unigram vocabulary is read by
    `unigram.py` in a third of the memory and time (its quick form kept in `keep`, beside
    the model's export); any other by `tokenizers`."""
    from .unigram import read

    unigram = read(path, keep)
    if unigram is not None:
        limit = pipeline.max_tokens
        return (lambda texts: unigram.encode_batch(texts, limit)), unigram.token_to_id(
            pipeline.pad_token
        )
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.enable_truncation(pipeline.max_tokens)
    tokenizer.no_padding()
    return (lambda texts: [e.ids for e in tokenizer.encode_batch(texts)]), tokenizer.token_to_id(
        pipeline.pad_token
    )
