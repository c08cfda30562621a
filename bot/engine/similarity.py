"""The seed's lesson in numbers: one word in two sentences, the same ids, and how far apart its
contextual vectors drift layer by layer (cosine similarity of hidden states), read against a baseline.

Contextual vectors are anisotropic (Ethayarajh, 2019, "How Contextual are Contextualized Word
Representations?"): in upper layers almost any two tokens have a high cosine, so 0.71 says little on
its own. The baseline band is, per layer, the spread of cosines between the word's vector in sentence A
and the vector of every other token of both sentences: a cosine inside the band is what any token
would get; one above it is the same word recognised across contexts.
"""

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


BAND_PERCENTILES = (10, 50, 90)  # low, median, high: percentiles rather than min/max, one odd token aside


@dataclass(frozen=True, eq=False)
class Baseline:
    """Per layer (0 is the embedding output), the 10th, 50th and 90th percentiles of the cosines
    between the word's vector in sentence A (averaged over its pieces) and each other token's vector:
    every token of both sentences except [CLS]/[SEP] and the word's own pieces in A and in B.
    Tokens, not words: nothing is averaged that the model did not produce as one vector."""

    low: np.ndarray  # [layer 0..L], 10th percentile
    median: np.ndarray  # [layer 0..L]
    high: np.ndarray  # [layer 0..L], 90th percentile
    tokens: int  # how many tokens the band is made of


def baseline_band(a: Analysis, span_a: WordSpan, b: Analysis, span_b: WordSpan) -> Baseline | None:
    """The band for ``span_a``'s vector, or None when neither sentence has another token."""
    word = word_vectors(a, span_a)  # [layer, dim]
    others = [
        analysis.hidden_states[:, [i for i in range(len(analysis.sentence)) if _other(analysis, span, i)], :]
        for analysis, span in ((a, span_a), (b, span_b))
    ]
    vectors = np.concatenate(others, axis=1).astype(np.float64)  # [layer, token, dim]
    if vectors.shape[1] == 0:
        return None
    norms = np.linalg.norm(vectors, axis=-1) * np.linalg.norm(word, axis=-1)[:, None]
    dots = np.einsum("ltd,ld->lt", vectors, word)
    cosines = np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 0)  # [layer, token]
    low, median, high = np.percentile(cosines, BAND_PERCENTILES, axis=1)
    return Baseline(low=low, median=median, high=high, tokens=int(vectors.shape[1]))


def _other(analysis: Analysis, span: WordSpan, index: int) -> bool:
    sentence = analysis.sentence
    return (
        bool(sentence.attention_mask[index])
        and not sentence.framing[index]
        and index not in span.token_indices
    )


@dataclass(frozen=True, eq=False)
class Comparison:
    """The seed's lesson: one word in two sentences, same ids, different contextual vectors."""

    a: WordAttention
    b: WordAttention
    cosine: np.ndarray  # [layer 0..L]; 0 is the embedding output
    baseline: Baseline | None = None  # what any other token's cosine with the word in A looks like

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
        baseline=baseline_band(a, span_a, b, span_b),
    )
