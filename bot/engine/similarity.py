"""The seed's lesson in numbers: one word in two sentences, the same ids, and how far apart its
contextual vectors drift layer by layer (cosine similarity of hidden states)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.engine.attention import WordAttention, word_attention
from bot.engine.forward import Analysis
from bot.engine.words import WordSpan, find_word


def word_vectors(analysis: Analysis, span: WordSpan) -> np.ndarray:
    """[layer 0..L, dim]: the word's hidden state after each layer, averaged over its pieces."""
    return analysis.hidden_states[:, list(span.token_indices), :].astype(np.float64).mean(axis=1)


def cosine_per_layer(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity of matching rows of two [layer, dim] arrays."""
    norms = np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1)
    return np.divide((a * b).sum(axis=-1), norms, out=np.zeros(a.shape[0]), where=norms > 0)


@dataclass(frozen=True, eq=False)
class Comparison:
    """The seed's lesson: one word in two sentences, same ids, different contextual vectors."""

    a: WordAttention
    b: WordAttention
    cosine: np.ndarray  # [layer 0..L]; 0 is the embedding output

    @property
    def ids_a(self) -> tuple[int, ...]:
        return tuple(self.a.analysis.sentence.input_ids[i] for i in self.a.span.token_indices)

    @property
    def ids_b(self) -> tuple[int, ...]:
        return tuple(self.b.analysis.sentence.input_ids[i] for i in self.b.span.token_indices)

    @property
    def same_ids(self) -> bool:
        return self.ids_a == self.ids_b


def compare_word(
    a: Analysis,
    b: Analysis,
    word: str,
    *,
    occurrence_a: int = 1,
    occurrence_b: int = 1,
    hide_special: bool = False,
) -> Comparison:
    span_a = find_word(a.sentence, word, occurrence_a)
    span_b = find_word(b.sentence, word, occurrence_b)
    return Comparison(
        a=word_attention(a, span_a, hide_special=hide_special),
        b=word_attention(b, span_b, hide_special=hide_special),
        cosine=cosine_per_layer(word_vectors(a, span_a), word_vectors(b, span_b)),
    )
