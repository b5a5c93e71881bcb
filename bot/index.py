"""The FAISS index of passage vectors, persisted with its passages and a manifest.

The manifest records what built the index (texts hash, model, library and format
versions); an index whose record differs from what would be built now is stale and is
refused, never silently used.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import faiss
import numpy as np
from filelock import FileLock

from .errors import IndexCorrupt, IndexMissing, IndexStale, IndexUnwritable, SeedsMissing
from .lexical import Lexical, build_lexical, letter_words, word_start
from .model import encode_documents
from .passages import Passage, Sentence, introduction, split_passages
from .refusal import CEILING_ROWS, bank_digest, ceilings
from .texts import Text, texts_digest

if TYPE_CHECKING:
    from collections.abc import Callable

    from sentence_transformers import SentenceTransformer

    from ._types import Matrix

__all__ = [
    "FORMAT",
    "Index",
    "Manifest",
    "build_index",
    "ensure_index",
    "index_lock",
    "load_index",
    "manifest_for",
    "passage_document",
    "save_index",
    "sentence_windows",
]

# Bump when the passage splitting or the stored layout changes: old indexes become stale.
FORMAT = 4

_MANIFEST = "manifest.json"
_PASSAGES = "passages.json"
_VECTORS = "passages.faiss"
_SENTENCES = "sentences.npy"
_WINDOWS = "windows.npy"
_CEILINGS = "ceilings.npy"
# Between the headings of a path: "Handbuch \u203a Kantine".
_PATH_SEPARATOR = " \u203a "
_FILES = (_MANIFEST, _PASSAGES, _VECTORS, _SENTENCES, _WINDOWS, _CEILINGS)


def _versions() -> dict[str, str]:
    return {name: version(name) for name in ("essaybot", "sentence-transformers", "faiss-cpu")}


@dataclass(frozen=True)
class Manifest:
    """What built an index; `identity` is the part that must match to reuse it."""

    format: int
    texts_sha256: str
    model: str
    versions: dict[str, str]
    # The generic questions the refusal ceilings were measured with (refusal.py).
    bank_sha256: str = ""
    dimension: int = 0
    passages: int = 0
    sentences: int = 0
    built_at: str = ""

    def identity(self) -> dict[str, object]:
        return {
            "format": self.format,
            "texts": self.texts_sha256,
            "model": self.model,
            "library versions": self.versions,
            "generic questions": self.bank_sha256,
        }

    def differs_from(self, other: Manifest) -> tuple[str, ...]:
        mine, theirs = self.identity(), other.identity()
        return tuple(key for key in mine if mine[key] != theirs[key])


def manifest_for(texts: tuple[Text, ...], model_identity: str) -> Manifest:
    """The identity an index built now from `texts` with this model would carry."""
    return Manifest(
        format=FORMAT,
        texts_sha256=texts_digest(texts),
        model=model_identity,
        versions=_versions(),
        bank_sha256=bank_digest(),
    )


@dataclass(frozen=True)
class Index:
    """Passages with three views in vectors, and their words for BM25.

    `vectors` (FAISS) holds one vector per passage; `window_vectors` one per sentence read
    with its neighbours, so "Das Unternehmen ..." still knows who is meant; and
    `sentence_vectors` one per bare sentence, for choosing the sentences to highlight.
    """

    manifest: Manifest
    passages: tuple[Passage, ...]
    vectors: faiss.Index
    window_vectors: Matrix
    sentence_vectors: Matrix
    # Row of each passage's first sentence in the sentence matrices; one extra end marker.
    sentence_rows: tuple[int, ...] = field(default=())
    lexical: Lexical | None = None
    # Per language (refusal.CEILING_ROWS) and passage, the best score a generic question
    # reaches there: what a question must beat to be answered.
    ceilings: Matrix | None = None

    @cached_property
    def word_starts(self) -> frozenset[str]:
        """The first five letters of every word of the text (the whole of a shorter
        word), lower-case: whether a question shares a word with the text, inflected
        ("Kantinen", "Kantine") or not."""
        return frozenset(word_start(w) for p in self.passages for w in letter_words(p.text))

    def sentences_of(self, position: int) -> Matrix:
        return self.sentence_vectors[self._rows(position)]

    def windows_of(self, position: int) -> Matrix:
        return self.window_vectors[self._rows(position)]

    def _rows(self, position: int) -> slice:
        return slice(self.sentence_rows[position], self.sentence_rows[position + 1])


def passage_document(passage: Passage) -> str:
    """What is embedded for a passage: its headings give the paragraph its topic.

    The whole path, not the nearest heading alone: a manual's "Voraussetzungen" is about
    something only its chapter names. On the tuning halves the path lifted the Developer's
    Reference (R@1 0.56 to 0.59) and changed nothing on the essay or the handbook.
    """
    path = _PATH_SEPARATOR.join(passage.headings)
    return f"{path}: {passage.text}" if path else passage.text


def sentence_windows(passage: Passage) -> tuple[str, ...]:
    """Each sentence with the one before and after it, as the text has them; a list item
    also with the sentence that introduces its list ("Bitte bringen Sie Folgendes mit:")."""
    sentences = passage.sentences
    windows = []
    for i in range(len(sentences)):
        first, last = sentences[max(0, i - 1)], sentences[min(len(sentences) - 1, i + 1)]
        window = passage.text[first.start - passage.start : last.end - passage.start]
        intro = introduction(passage, i)
        if intro is not None and intro.start < first.start:
            window = f"{intro.text}\n{window}"
        windows.append(window)
    return tuple(windows)


def _sentence_rows(passages: tuple[Passage, ...]) -> tuple[int, ...]:
    rows = [0]
    for passage in passages:
        rows.append(rows[-1] + len(passage.sentences))
    return tuple(rows)


def build_index(
    texts: tuple[Text, ...],
    model: SentenceTransformer,
    model_identity: str,
    *,
    progress: bool = False,
) -> Index:
    passages = tuple(p for text in texts for p in split_passages(text))
    if not passages:
        names = ", ".join(text.source for text in texts)
        raise SeedsMissing(path=Path(names), reason="only headings, no paragraph to quote")
    documents = [passage_document(p) for p in passages]
    vectors = encode_documents(model, documents, progress=progress)
    sentences = [s.text for p in passages for s in p.sentences]
    sentence_vectors = encode_documents(model, sentences, progress=progress)
    windows = [w for p in passages for w in sentence_windows(p)]
    window_vectors = encode_documents(model, windows, progress=progress)
    # Exact inner product over normalised vectors = cosine; a few thousand passages at most,
    # so a flat index is both exact and fast.
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    manifest = manifest_for(texts, model_identity)
    manifest = Manifest(
        **{
            **asdict(manifest),
            "dimension": int(vectors.shape[1]),
            "passages": len(passages),
            "sentences": len(sentences),
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    )
    index = Index(
        manifest,
        passages,
        flat,
        window_vectors,
        sentence_vectors,
        _sentence_rows(passages),
        build_lexical(documents),
    )
    return replace(index, ceilings=ceilings(index, model))


def _write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _remove_orphans(directory: Path) -> None:
    """Delete the temporary files of a build that was killed halfway.

    Called only under the index lock, when no other build can be writing its own.
    """
    for name in _FILES:
        for orphan in directory.glob(f".{name}.*"):
            orphan.unlink(missing_ok=True)


def save_index(index: Index, directory: Path) -> None:
    """Write every file atomically, the manifest last: a half-written index reads as stale."""
    directory.mkdir(parents=True, exist_ok=True)
    _remove_orphans(directory)
    (directory / _MANIFEST).unlink(missing_ok=True)
    _write_atomically(directory / _VECTORS, lambda p: faiss.write_index(index.vectors, str(p)))
    if index.ceilings is None:
        raise ValueError("an index is saved with its refusal ceilings")
    for name, matrix in (
        (_SENTENCES, index.sentence_vectors),
        (_WINDOWS, index.window_vectors),
        (_CEILINGS, index.ceilings),
    ):
        _write_atomically(directory / name, _bytes_writer(_npy_bytes(matrix)))
    passages = json.dumps([asdict(p) for p in index.passages], ensure_ascii=False, indent=1)
    _write_atomically(directory / _PASSAGES, lambda p: p.write_text(passages, encoding="utf-8"))
    manifest = json.dumps(asdict(index.manifest), ensure_ascii=False, indent=2)
    _write_atomically(directory / _MANIFEST, lambda p: p.write_text(manifest, encoding="utf-8"))


def _bytes_writer(data: bytes) -> Callable[[Path], object]:
    return lambda path: path.write_bytes(data)


def _npy_bytes(array: Matrix) -> bytes:
    import io

    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _passage_from(data: dict[str, Any]) -> Passage:
    return Passage(
        source=str(data["source"]),
        paragraph=int(data["paragraph"]),
        headings=tuple(str(h) for h in data["headings"]),
        text=str(data["text"]),
        start=int(data["start"]),
        end=int(data["end"]),
        sentences=tuple(
            Sentence(str(s["text"]), int(s["start"]), int(s["end"])) for s in data["sentences"]
        ),
        repeats=tuple((int(a), int(b)) for a, b in data.get("repeats", ())),
    )


def load_index(directory: Path, expected: Manifest) -> Index:
    """Read the index in `directory`, refusing one built for anything but `expected`."""
    manifest_path = directory / _MANIFEST
    if not manifest_path.is_file():
        raise IndexMissing(path=directory)
    try:
        manifest = Manifest(**json.loads(manifest_path.read_text(encoding="utf-8")))
    except (ValueError, TypeError) as exc:
        raise IndexCorrupt(path=directory, reason=f"unreadable manifest: {exc}") from exc
    differs = manifest.differs_from(expected)
    if differs:
        raise IndexStale(path=directory, differs=differs)
    for name in _FILES:
        # A pipe or device in place of a file would block the reader forever.
        if not (directory / name).is_file():
            raise IndexCorrupt(path=directory, reason=f"{name} is missing or not a regular file")
    try:
        passages = tuple(
            _passage_from(p)
            for p in json.loads((directory / _PASSAGES).read_text(encoding="utf-8"))
        )
        vectors = faiss.read_index(str(directory / _VECTORS))
        sentence_vectors = np.load(directory / _SENTENCES, allow_pickle=False)
        window_vectors = np.load(directory / _WINDOWS, allow_pickle=False)
        bank_ceilings = np.load(directory / _CEILINGS, allow_pickle=False)
    except Exception as exc:  # numpy, faiss and json fail in many ways on damaged files
        reason = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
        raise IndexCorrupt(path=directory, reason=reason) from exc
    rows = _sentence_rows(passages)
    if not (
        vectors.ntotal == len(passages) == manifest.passages
        and vectors.d == manifest.dimension
        and sentence_vectors.shape == window_vectors.shape == (rows[-1], manifest.dimension)
        and sentence_vectors.dtype == window_vectors.dtype == np.float32
        and bank_ceilings.shape == (len(CEILING_ROWS), len(passages))
        and bank_ceilings.dtype == np.float32
        and bool(np.isfinite(bank_ceilings).all())
    ):
        raise IndexCorrupt(path=directory, reason="its files do not agree with each other")
    lexical = build_lexical([passage_document(p) for p in passages])
    return Index(
        manifest, passages, vectors, window_vectors, sentence_vectors, rows, lexical, bank_ceilings
    )


def index_lock(directory: Path) -> FileLock:
    """One writer at a time: two processes must not interleave an index's files."""
    directory.mkdir(parents=True, exist_ok=True)
    return FileLock(str(directory / ".lock"))


def _verbatim(index: Index, texts: tuple[Text, ...], directory: Path) -> Index:
    """The index, if every stored passage and sentence is still the texts' own words.

    The manifest's hash covers the texts, not the stored passages; an edited
    passages.json would otherwise be quoted as if it were the text.
    """
    contents = {text.source: text.content for text in texts}
    for passage in index.passages:
        content = contents.get(passage.source, "")
        spans = [(passage.text, passage.start, passage.end)]
        spans += [(s.text, s.start, s.end) for s in passage.sentences]
        if any(content[start:end] != words for words, start, end in spans):
            raise IndexCorrupt(
                path=directory, reason=f"¶{passage.paragraph} differs from {passage.source}"
            )
    return index


def ensure_index(
    texts: tuple[Text, ...],
    model: SentenceTransformer,
    model_identity: str,
    directory: Path,
    *,
    progress: bool = False,
    notify: Callable[[str], None] = lambda message: None,
) -> Index:
    """Load the index, or rebuild and save it when it is missing, stale or corrupt."""
    expected = manifest_for(texts, model_identity)
    try:
        # One builder at a time: two servers starting together must not interleave files.
        with index_lock(directory):
            _remove_orphans(directory)
            try:
                return _verbatim(load_index(directory, expected), texts, directory)
            except (IndexMissing, IndexStale, IndexCorrupt) as problem:
                notify(f"{problem.cause}: building it now.")
            index = build_index(texts, model, model_identity, progress=progress)
            save_index(index, directory)
            return index
    except OSError as exc:  # a file where the directory should be, no permission, ...
        raise IndexUnwritable(path=directory, reason=exc.strerror or type(exc).__name__) from exc
