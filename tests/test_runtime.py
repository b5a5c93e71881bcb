"""The model run by ONNX Runtime gives the vectors torch gives, and says so in its identity."""

from __future__ import annotations

import numpy as np

from bot import Engine
from bot.model import encode_documents, encode_queries, load_model, model_identity
from bot.passages import split_passages

QUESTIONS = [
    "Mit welcher Klage muss sich Stability AI auseinandersetzen?",
    "Who released Stable Diffusion as open source?",
    "Wann hat die Kantine geöffnet?",
    "asdf qwer zxcv",
]


def test_the_onnx_export_encodes_as_torch_does(engine: Engine) -> None:
    assert engine.settings.runtime == "onnx"
    onnx = engine.model
    torch = load_model(engine.settings.model, engine.settings.model_cache, "torch")
    assert type(onnx[0].model).__name__ == "OnnxBackbone"
    assert type(torch[0].model).__name__ != "OnnxBackbone"
    passages = [p.text for text in engine.texts for p in split_passages(text)]
    for encode, texts in ((encode_queries, QUESTIONS), (encode_documents, passages)):
        a, b = encode(onnx, texts), encode(torch, texts)
        assert a.shape == b.shape
        assert float(np.min(np.sum(a * b, axis=1))) >= 0.999


def test_an_index_records_which_runtime_made_its_vectors() -> None:
    onnx, torch = (
        model_identity("multilingual-e5-small", "onnx"),
        model_identity("multilingual-e5-small", "torch"),
    )
    assert onnx != torch
    assert onnx.startswith(torch)
    assert "onnxruntime" in onnx
