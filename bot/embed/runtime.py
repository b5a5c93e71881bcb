"""The same model run by ONNX Runtime: about three times faster per question on a CPU.

sentence-transformers' own ONNX backend cannot be installed beside transformers 5 (its
optimum dependency pins transformers below 4.58), so the export is done here, once per
model, into the model cache: torch's exporter with eager attention (so that ONNX Runtime
can fuse it), the word-embedding table taken out of the graph in 8 bits, ONNX Runtime's
BERT graph optimiser, then 8-bit weight-only quantisation of the matrix multiplications
(MatMulNBits, blocks of 32), which keeps the vectors within a cosine of 0.9999 of torch's.
embedder.OnnxEmbedder runs it with the model's own tokenizer, prompts and pooling.

The word-embedding table is most of a multilingual model (e5-small: 250k tokens x 384,
384 MB of its 424 MB export). In 8 bits, a scale per block of 32, it is 108 MB, kept
beside a 40 MB graph and read a row at a time (word_table.py): a session loads in 0.3 s
(1.5 to 2.4 s with the table in 32 bits, 0.5 s in 8 bits inside the graph), and a process
that has encoded 174 questions is resident in 191 MB, tokenizer included (289 MB with the
table inside the graph or mapped into memory). The vectors are those of the table inside
the graph, bit for bit, within a cosine of 0.9999 of torch's.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "ONNX_RECIPE",
    "WORD_CODES",
    "WORD_INPUT",
    "WORD_SCALES",
    "Runtime",
    "export_onnx",
    "onnx_path",
    "remove_older_exports",
]

Runtime = Literal["onnx", "torch"]

# Part of an index's model identity: a changed recipe gives other vectors.
ONNX_RECIPE = (
    "onnxruntime, fused attention, 8-bit weights (MatMulNBits, block 32), "
    "8-bit word embeddings (blocks of 32), r2"
)
# How the export is laid out in its directory; a new layout is a new directory, while the
# vectors, and so the indexes made with them, stay valid. 2: the word table beside the graph.
_LAYOUT = 2
# Beside model.onnx: the word-embedding table's 8-bit codes and their scales.
WORD_CODES = "word_embeddings.int8.npy"
WORD_SCALES = "word_embeddings.scale.npy"
# The graph's input for the looked-up rows, [batch, sequence, width] in 32 bits.
WORD_INPUT = "word_embeddings"
# A Gather of a table this long is the word embedding (a vocabulary, not positions).
_VOCABULARY_AT_LEAST = 10_000
# Each run of this many numbers of a token's embedding has its own 8-bit scale.
_EMBEDDING_BLOCK = 32
_OPSET = 17
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def onnx_path(model_dir: Path, cache: Path) -> Path:
    """Where the export of the model in `model_dir` lives: in the model cache, named by
    the directory and the recipe, so neither a shipped wheel nor a user's directory is
    written to, and a new rebuild (a new directory) gets a new export."""
    made_by = f"{model_dir.resolve()}\n{ONNX_RECIPE}\nlayout {_LAYOUT}"
    key = hashlib.sha256(made_by.encode()).hexdigest()[:16]
    return cache / "onnx" / f"{model_dir.name}-{key}" / "model.onnx"


def export_onnx(
    model_dir: Path, target: Path, *, notify: Callable[[str], None] = lambda message: None
) -> Path:
    """Export, optimise and quantise the transformer in `model_dir` into `target`, unless
    another process already did; written to a temporary file and renamed, so a killed
    export leaves nothing half-written where the loader looks."""
    from filelock import FileLock

    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if target.is_file():
            return target
        notify(f"Exporting {model_dir.name} for ONNX Runtime into {target.parent} (once) ...")
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".exporting-") as staging:
            plain = Path(staging) / "plain.onnx"
            config = _export_plain(model_dir, plain)
            _quantise_embeddings(plain)
            optimised = _optimise(plain, config)
            quantised = Path(staging) / "model.onnx"
            _quantise(optimised, quantised)
            for table in (WORD_CODES, WORD_SCALES):  # before the graph: it is what is looked for
                if (Path(staging) / table).is_file():
                    os.replace(Path(staging) / table, target.parent / table)
            os.replace(quantised, target)
        remove_older_exports(target)
    return target


def remove_older_exports(current: Path) -> None:
    """Exports of the same model by another recipe (an upgrade changed it): 150 to 430 MB
    each, never read again. A process still running on one keeps what it opened."""
    model_dir_name = current.parent.name.rsplit("-", 1)[0]
    older = re.compile(rf"{re.escape(model_dir_name)}-[0-9a-f]{{16}}")
    for export in current.parent.parent.iterdir():
        if export != current.parent and older.fullmatch(export.name) and export.is_dir():
            shutil.rmtree(export, ignore_errors=True)


def _export_plain(model_dir: Path, target: Path) -> Any:
    import torch
    from transformers import AutoModel, AutoTokenizer

    # Eager attention: the SDPA kernel exports as ops ONNX Runtime cannot fuse.
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    sample = tokenizer(
        ["query: eins", "passage: zwei drei vier"], padding=True, return_tensors="pt"
    )
    ids, mask = sample["input_ids"], sample["attention_mask"]
    types = sample.get("token_type_ids", torch.zeros_like(ids))

    class _Backbone(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    axes = {name: {0: "batch", 1: "sequence"} for name in (*_INPUTS, "last_hidden_state")}
    # The exporter warns about index ops with negative indices, which BERT does not use.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _Backbone(),
            (ids, mask, types),
            str(target),
            input_names=list(_INPUTS),
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=_OPSET,
            dynamo=False,
        )
    return model.config


def _quantise_embeddings(path: Path) -> None:
    """Take the word-embedding lookup out of the graph: the table is written beside it in
    8 bits, symmetric, a scale per block of 32 numbers (`WORD_CODES`, `WORD_SCALES`), and
    the graph reads the looked-up rows as an input (`WORD_INPUT`). The embedder reads the
    rows of a batch's tokens from the file itself (word_table.py), so no process holds
    the table and replicas on one machine share it in the page cache."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(path))
    graph = model.graph
    tables = {i.name: i for i in graph.initializer if len(i.dims) == 2}
    lookups = [
        n
        for n in graph.node
        if n.op_type == "Gather"
        and n.input[0] in tables
        and tables[n.input[0]].dims[0] >= _VOCABULARY_AT_LEAST
    ]
    if len(lookups) != 1:  # not the graph this knows: leave it whole, in 32 bits
        return
    (lookup,) = lookups
    table = numpy_helper.to_array(tables[lookup.input[0]]).astype(np.float32)
    rows, width = table.shape
    if width % _EMBEDDING_BLOCK:
        return
    blocks = table.reshape(rows, width // _EMBEDDING_BLOCK, _EMBEDDING_BLOCK)
    scale = np.abs(blocks).max(axis=2) / 127.0
    scale[scale == 0] = 1.0
    codes = np.clip(np.rint(blocks / scale[:, :, None]), -127, 127).astype(np.int8)
    np.save(path.parent / WORD_CODES, codes.reshape(rows, width))
    np.save(path.parent / WORD_SCALES, scale.astype(np.float32))
    graph.initializer.remove(tables[lookup.input[0]])
    graph.node.remove(lookup)
    for node in graph.node:
        for k, name in enumerate(node.input):
            if name == lookup.output[0]:
                node.input[k] = WORD_INPUT
    graph.input.append(
        helper.make_tensor_value_info(WORD_INPUT, TensorProto.FLOAT, ["batch", "sequence", width])
    )
    used = {name for node in graph.node for name in node.input}
    for unused in [i for i in graph.input if i.name not in used]:
        graph.input.remove(unused)
    onnx.save(model, str(path))


def _optimise(plain: Path, config: Any) -> Any:
    import onnx
    from onnxruntime.transformers.optimizer import optimize_model

    if config.model_type != "bert":  # the fusions below know BERT's graph
        return onnx.load(str(plain))
    optimised = optimize_model(
        str(plain),
        model_type="bert",
        num_heads=config.num_attention_heads,
        hidden_size=config.hidden_size,
    )
    return optimised.model


def _quantise(model: Any, target: Path) -> None:
    import logging

    from onnxruntime.quantization.matmul_nbits_quantizer import (
        DefaultWeightOnlyQuantConfig,
        MatMulNBitsQuantizer,
    )

    logging.getLogger("onnxruntime.quantization").setLevel(logging.WARNING)  # one line a layer
    quantizer = MatMulNBitsQuantizer(
        model,
        algo_config=DefaultWeightOnlyQuantConfig(
            block_size=32, is_symmetric=True, accuracy_level=4, bits=8
        ),
    )
    quantizer.process()
    quantizer.model.save_model_to_file(str(target), use_external_data_format=False)
