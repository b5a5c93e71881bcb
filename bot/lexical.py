"""The lexical signal: BM25 over passages with German Snowball stemming.

Names ("Getty Images", "LLaMA", "Cohere") and rare words are where a dense model is
weakest and word matching strongest. bm25s does the scoring; PyStemmer the stemming.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_GERMAN

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy.typing as npt

__all__ = ["Lexical", "build_lexical"]

# Questions come in German and English; neither language's function words carry meaning.
_STOPWORDS = sorted({*STOPWORDS_GERMAN, *STOPWORDS_EN})


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("german")


def _tokens(texts: Sequence[str]) -> list[list[str]]:
    tokenized = bm25s.tokenize(
        list(texts),
        stopwords=_STOPWORDS,
        stemmer=_stemmer().stemWords,
        return_ids=False,
        show_progress=False,
    )
    return [list(tokens) for tokens in tokenized]


@dataclass(frozen=True)
class Lexical:
    model: bm25s.BM25
    size: int

    def scores(self, text: str) -> npt.NDArray[np.float32]:
        """BM25 score of every passage for `text`, in passage order."""
        (tokens,) = _tokens([text])
        if not tokens:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.model.get_scores(tokens), dtype=np.float32)


def build_lexical(passages: Sequence[str]) -> Lexical:
    model = bm25s.BM25()
    model.index(_tokens(passages), show_progress=False)
    return Lexical(model, len(passages))
