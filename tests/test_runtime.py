"""The model run by ONNX Runtime without torch gives the vectors sentence-transformers with
torch gives, reads text as sentence-transformers reads it, and says so in its identity."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from bot import Engine
from bot.embed.embedder import OnnxEmbedder, TorchEmbedder
from bot.embed.model import load_model, model_identity, resolve_model
from bot.ingest.passages import split_passages

QUESTIONS = [
    "Mit welcher Klage muss sich Stability AI auseinandersetzen?",
    "Who released Stable Diffusion as open source?",
    "Wann hat die Kantine geöffnet?",
    "asdf qwer zxcv",
    "  Leerzeichen am Rand\u00a0und\tTabs  ",
    "",
]


@pytest.fixture(scope="module")
def torch_embedder(engine: Engine) -> TorchEmbedder:
    model = load_model(engine.settings.model, engine.settings.model_cache, "torch")
    assert isinstance(model, TorchEmbedder)
    return model


def test_the_onnx_export_encodes_as_torch_does(
    engine: Engine, torch_embedder: TorchEmbedder
) -> None:
    assert engine.settings.runtime == "onnx"
    assert isinstance(engine.model, OnnxEmbedder)
    passages = [p.text for text in engine.texts for p in split_passages(text)]
    long = " ".join(passages)  # past the model's 512 tokens: cut where torch cuts it
    for side, texts in (("queries", QUESTIONS), ("documents", [*passages, long])):
        a = getattr(engine.model, f"encode_{side}")(texts)
        b = getattr(torch_embedder, f"encode_{side}")(texts)
        assert a.shape == b.shape == (len(texts), 384)
        assert float(np.min(np.sum(a * b, axis=1))) >= 0.999
        assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)


def test_a_text_is_tokenized_as_sentence_transformers_tokenizes_it(
    engine: Engine, torch_embedder: TorchEmbedder
) -> None:
    from tokenizers import Tokenizer

    directory = resolve_model(engine.settings.model, engine.settings.model_cache)
    ours = Tokenizer.from_file(f"{directory}/tokenizer.json")
    ours.enable_truncation(512)
    texts = [f"query: {q}" for q in QUESTIONS] + ["passage: " + "Wort " * 700]
    features = torch_embedder.model.preprocess(texts)
    for row, text in enumerate(texts):
        expected = [
            t
            for t, m in zip(
                features["input_ids"][row], features["attention_mask"][row], strict=True
            )
            if m
        ]
        assert ours.encode(text).ids == [int(t) for t in expected]


def test_both_runtimes_count_the_tokens_the_model_reads_and_report_them_as_encoded(
    engine: Engine, torch_embedder: TorchEmbedder
) -> None:
    passages = [p.text for text in engine.texts for p in split_passages(text)]
    texts = [*passages, *(f"Satz {n}." for n in range(40)), "Wort " * 700, "", "\u00a0und\tTabs "]
    counted = engine.model.count_tokens(texts)
    assert counted == torch_embedder.count_tokens(texts)
    # Each text at least its start, end and prompt tokens; the long one cut at 512.
    assert 5 * len(texts) < counted < 512 * len(texts)
    assert engine.model.count_tokens(["Wort " * 700]) == 512
    reported: list[int] = []

    class Bar:
        def update(self, n: int) -> None:
            reported.append(n)

    engine.model.encode_documents(texts, progress=Bar())
    assert sum(reported) == counted
    assert len(reported) > 1  # a batch at a time, so the time left moves as it goes


def test_a_batch_gives_each_text_the_vector_it_gets_alone(engine: Engine) -> None:
    together = engine.model.encode_queries(QUESTIONS)
    alone = np.vstack([engine.model.encode_queries([q]) for q in QUESTIONS])
    assert float(np.min(np.sum(together * alone, axis=1))) >= 0.9999


def test_answering_and_serving_never_import_torch(engine: Engine) -> None:
    """torch and transformers take seconds to import: not in a process that answers."""
    probe = (
        "import sys; from bot import Settings, ask, load_engine; "
        "from bot.web.app import create_app; "
        f"engine = load_engine(Settings(index_dir={str(engine.settings.index_dir)!r})); "
        "ask('Was ist ein Grundlagenmodell?', engine); create_app(engine); "
        "print('torch' in sys.modules, 'transformers' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False"]


def test_an_index_records_which_runtime_made_its_vectors() -> None:
    onnx, torch = (
        model_identity("multilingual-e5-small", "onnx"),
        model_identity("multilingual-e5-small", "torch"),
    )
    assert onnx != torch
    assert onnx.startswith(torch)
    assert "onnxruntime" in onnx
