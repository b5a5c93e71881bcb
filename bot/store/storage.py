"""Where an index lives on disk, and how a new one replaces it without a gap.

    index/
      CURRENT                 names the live build, replaced atomically
      build-<time>-<id>/      manifest.json, passages.json, passages.faiss, *.npy
      vectors/                each text's vectors by content (vector_cache.py)
      .lock                   held by whoever builds

A build is written whole into a directory of its own and becomes live only when
`CURRENT` names it: a reader (a server, a replica on a read-only mount) always sees one
complete build, a running server can switch to the next one when it appears, and a
build that is killed or fails leaves the live one as it was. The previous build is kept
until the next one, for a reader that resolved `CURRENT` just before it changed.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import tempfile
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import faiss
import numpy as np
from filelock import FileLock

from ..errors import IndexCorrupt, IndexMissing, IndexStale, IndexUnwritable
from ..ingest.passages import Passage, Sentence
from .index import (
    CEILING_ROWS,
    EXACT_UP_TO,
    VIEWS,
    Index,
    Manifest,
    passage_document,
    searching,
    sentence_rows,
)
from .lexical import build_lexical
from .vector_cache import VectorCache

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import TextIO

    from ..ingest.texts import Text

__all__ = [
    "index_lock",
    "live_build",
    "load_index",
    "save_index",
    "unwritable",
    "vector_cache",
    "verbatim",
]

_CURRENT = "CURRENT"
_BUILD = re.compile(r"build-[0-9TZ]+-[0-9a-z_]+")
_STAGING = ".building-"
_MANIFEST = "manifest.json"
_PASSAGES = "passages.json"
_VECTORS = "passages.faiss"
_CEILINGS = "ceilings.npy"
# Every view's vectors but the passages' (the FAISS index) as "<view>.npy".
_MATRICES = {f"{name}.npy": view.field for name, view in VIEWS.items() if name != "passages"}
# Only for texts above index.EXACT_UP_TO passages.
_WINDOW_INDEX = "windows.faiss"
_FILES = (_MANIFEST, _PASSAGES, _VECTORS, _CEILINGS, *_MATRICES)


def live_build(directory: Path) -> Path | None:
    """The build `CURRENT` names, if there is one."""
    try:
        name = (directory / _CURRENT).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    build = directory / name
    return build if _BUILD.fullmatch(name) and build.is_dir() else None


def vector_cache(directory: Path) -> VectorCache:
    return VectorCache(directory / "vectors")


def index_lock(directory: Path) -> FileLock:
    """One builder at a time: two builds must not both prune what the other wrote."""
    directory.mkdir(parents=True, exist_ok=True)
    return FileLock(str(directory / ".lock"))


def save_index(index: Index, directory: Path) -> Path:
    """Write `index` as a new build and make it the live one; call under `index_lock`.

    Returns the build's directory. Builds older than the one it replaces go, and so do
    the leftovers of builds that were killed halfway.
    """
    if index.ceilings is None:
        raise ValueError("an index is saved with its refusal ceilings")
    directory.mkdir(parents=True, exist_ok=True)
    previous = live_build(directory)
    _remove_leftovers(directory, keep={previous})
    staging = Path(tempfile.mkdtemp(dir=directory, prefix=_STAGING))
    try:
        _write_faiss(index.vectors, staging / _VECTORS)
        if index.window_index is not None:
            _write_faiss(index.window_index, staging / _WINDOW_INDEX)
        matrices = {name: getattr(index, field) for name, field in _MATRICES.items()}
        for name, matrix in {**matrices, _CEILINGS: index.ceilings}.items():
            with (staging / name).open("wb") as file:
                np.save(file, matrix, allow_pickle=False)  # straight from the array
        with (staging / _PASSAGES).open("w", encoding="utf-8") as file:
            _write_passages(index.passages, file)
        manifest = json.dumps(asdict(index.manifest), ensure_ascii=False, indent=2)
        (staging / _MANIFEST).write_text(manifest, encoding="utf-8")
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        build = directory / f"build-{stamp}-{staging.name.removeprefix(_STAGING).lower()}"
        staging.chmod(0o755)
        staging.rename(build)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _write_atomically(directory / _CURRENT, build.name + "\n")
    _remove_leftovers(directory, keep={build, previous})
    return build


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _remove_leftovers(directory: Path, keep: set[Path | None]) -> None:
    """Builds other than `keep`, killed builds' staging directories and temporary files,
    and the files of the single-directory layout before format 5."""
    for path in directory.iterdir():
        stale_build = _BUILD.fullmatch(path.name) and path not in keep
        killed = path.name.startswith((_STAGING, f".{_CURRENT}."))
        if path.is_dir() and (stale_build or path.name.startswith(_STAGING)):
            shutil.rmtree(path, ignore_errors=True)
        elif killed or path.name in _FILES or path.name.lstrip(".").startswith(_FILES):
            path.unlink(missing_ok=True)


def _write_faiss(index: faiss.Index, path: Path) -> None:
    """Written by Python a block at a time: a failed write is an OSError with its errno (a
    full disk says so), where faiss.write_index to a path raises a bare RuntimeError; and
    no copy of the whole is made, which for a shelf's window graph is hundreds of MB."""
    with path.open("wb") as file:
        faiss.write_index(index, faiss.PyCallbackIOWriter(file.write))  # type: ignore[attr-defined]


def _write_passages(passages: Sequence[Passage], file: TextIO) -> None:
    """The passages as one JSON list, written a passage at a time: the whole list as
    dictionaries, and its text, would be several times the passages in memory."""
    file.write("[")
    for number, passage in enumerate(passages):
        file.write(",\n" if number else "\n")
        file.write(json.dumps(asdict(passage), ensure_ascii=False))
    file.write("\n]\n")


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
        pages=tuple(str(page) for page in data["pages"]),
        sheet=int(data["sheet"]),
        unit="slide" if data["unit"] == "slide" else "page",
        anchor=str(data["anchor"]),
    )


def load_index(directory: Path, expected: Manifest) -> Index:
    """Read the live index in `directory`, refusing one built for anything but
    `expected`. Reads only: a read-only index directory serves."""
    build = live_build(directory)
    if build is None:
        raise IndexMissing(path=directory)
    try:
        manifest = Manifest(**json.loads((build / _MANIFEST).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError) as exc:
        raise IndexCorrupt(path=directory, reason=f"unreadable manifest: {exc}") from exc
    differs = manifest.differs_from(expected)
    if differs:
        raise IndexStale(path=directory, differs=differs)
    for name in _FILES:
        # A pipe or device in place of a file would block the reader forever.
        if not (build / name).is_file():
            raise IndexCorrupt(path=directory, reason=f"{name} is missing or not a regular file")
    try:
        passages = tuple(
            _passage_from(p) for p in json.loads((build / _PASSAGES).read_text(encoding="utf-8"))
        )
        vectors = _read_vectors(build / _VECTORS)
        # Mapped, not read: replicas on one machine share one copy in the page cache,
        # and a large text's vectors cost no start-up time.
        views = {
            field: np.load(build / name, allow_pickle=False, mmap_mode="r")
            for name, field in _MATRICES.items()
        }
        bank_ceilings = np.load(build / _CEILINGS, allow_pickle=False)
        window_index = (
            faiss.read_index(str(build / _WINDOW_INDEX)) if len(passages) > EXACT_UP_TO else None
        )
    except Exception as exc:  # numpy, faiss and json fail in many ways on damaged files
        reason = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
        raise IndexCorrupt(path=directory, reason=reason) from exc
    rows = sentence_rows(passages)
    if not (
        vectors.ntotal == len(passages) == manifest.passages
        and vectors.d == manifest.dimension
        and all(m.shape == (rows[-1], manifest.dimension) for m in views.values())
        and all(m.dtype == np.float32 for m in views.values())
        and bank_ceilings.shape == (len(CEILING_ROWS), len(passages))
        and bank_ceilings.dtype == np.float32
        and bool(np.isfinite(bank_ceilings).all())
        and (window_index is None or window_index.ntotal == rows[-1])
    ):
        raise IndexCorrupt(path=directory, reason="its files do not agree with each other")
    return Index(
        manifest=manifest,
        passages=passages,
        vectors=vectors,
        sentence_rows=rows,
        lexical=build_lexical([passage_document(p) for p in passages]),
        ceilings=bank_ceilings,
        build=build.name,
        window_index=window_index,
        **views,
    )


def _read_vectors(path: Path) -> faiss.Index:
    # Mapped, as the matrices are; a file that is not a FAISS index raises here.
    return searching(faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC))


def verbatim(index: Index, texts: tuple[Text, ...], directory: Path) -> Index:
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


def unwritable(directory: Path, exc: OSError) -> IndexUnwritable:
    return IndexUnwritable(
        path=directory,
        reason=exc.strerror or type(exc).__name__,
        disk_full=exc.errno in (errno.ENOSPC, errno.EDQUOT),
    )
