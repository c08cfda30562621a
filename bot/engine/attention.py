"""Attention as BERT Lens shows it: a word's rows layer by layer, one layer's token matrix, every
head at once, and attention rollout; with [CLS]/[SEP] hidden, rows are rescaled over what is shown."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.engine.forward import Analysis
from bot.engine.query import MEAN_OF_HEADS, HeadChoice
from bot.engine.tokens import TokenizedSentence
from bot.engine.words import WordSpan

SINK_SHARE = 0.5  # [CLS]/[SEP] taking at least this share of a word's attention is worth a tip


def keep_columns(sentence: TokenizedSentence, hide_special: bool) -> np.ndarray:
    """Token indices to show: all real tokens, minus [CLS]/[SEP] when specials are hidden.

    [PAD] never appears here because an analysis is always of one unpadded sentence.
    """
    keep = [
        i
        for i, (framing, mask) in enumerate(zip(sentence.framing, sentence.attention_mask, strict=True))
        if mask and not (hide_special and framing)
    ]
    return np.asarray(keep, dtype=np.intp)


def renormalise(rows: np.ndarray) -> np.ndarray:
    """Rescale the last axis to sum to 1 (after dropping columns); all-zero rows stay zero."""
    total = rows.sum(axis=-1, keepdims=True)
    return np.divide(rows, total, out=np.zeros_like(rows), where=total > 0)


@dataclass(frozen=True)
class Attended:
    index: int  # token index in the sentence
    token: str
    weight: float


@dataclass(frozen=True, eq=False)
class WordRows:
    """What a word view draws: one row per layer over the shown tokens (``columns``), for the heads
    combined (``rows`` [layer, column]) and per head (``per_head`` [layer, head, column])."""

    analysis: Analysis
    span: WordSpan
    heads: HeadChoice
    layer: int  # 0-based, the layer a caption talks about
    hide_special: bool
    columns: np.ndarray  # token indices shown
    per_head: np.ndarray  # [layer, head, column]
    rows: np.ndarray  # [layer, column]

    @property
    def tokens(self) -> list[str]:
        return [self.analysis.sentence.tokens[i] for i in self.columns]

    def ranked(self, k: int, layer: int | None = None) -> list[tuple[int, int]]:
        """(column, token index) of the k largest cells of a layer's row (default: the selected
        layer), largest first, the word's own tokens aside; k <= 0 gives none, not every token."""
        row = self.rows[self.layer if layer is None else layer]
        own = set(self.span.token_indices)
        picked: list[tuple[int, int]] = []
        for c in np.argsort(-row, kind="stable"):
            if len(picked) >= k:
                break
            if int(self.columns[c]) not in own:
                picked.append((int(c), int(self.columns[c])))
        return picked


@dataclass(frozen=True, eq=False)
class WordAttention(WordRows):
    """Where one word looks, layer by layer, over the shown tokens.

    ``rows[l, c]`` is the weight from the word to token ``columns[c]`` in layer ``l`` (0-based),
    combined over heads by ``heads`` and averaged over the word's pieces; with specials hidden the
    [CLS]/[SEP] columns are dropped and each row rescaled to sum to 1 (except a max over heads,
    which is not a distribution and is shown as is).
    """

    def top(self, k: int = 5, layer: int | None = None) -> list[Attended]:
        """The k most attended tokens in a layer (default: the selected one), the word itself aside."""
        row = self.rows[self.layer if layer is None else layer]
        tokens = self.analysis.sentence.tokens
        return [Attended(index, tokens[index], float(row[c])) for c, index in self.ranked(k, layer)]

    def sink_share(self) -> float | None:
        """What [CLS]/[SEP] take in the selected layer, when it is at least half and they are shown:
        worth telling users, since it washes out every other colour."""
        if self.hide_special:
            return None
        share = self.special_share()
        return share if share >= SINK_SHARE else None

    def special_share(self, layer: int | None = None) -> float:
        """What [CLS]/[SEP] take in the row as shown (mean over heads, or the one head): their share.
        For a max over heads, which is no distribution, the largest such cell instead."""
        row = self.rows[self.layer if layer is None else layer]
        special = self.special_columns()
        if not special:
            return 0.0
        values = row[special]
        return float(values.max() if self.heads.agg == "max" else values.sum())

    def special_columns(self) -> list[int]:
        """Positions, among the shown columns, of the tokens the tokenizer added."""
        framing = self.analysis.sentence.framing
        return [c for c, index in enumerate(self.columns) if framing[int(index)]]


def word_rows(attentions: np.ndarray, token_indices: Sequence[int]) -> np.ndarray:
    """[layer, head, to]: the attention rows of the word's pieces, averaged over pieces."""
    return attentions[:, :, list(token_indices), :].mean(axis=2)


def word_attention(
    analysis: Analysis,
    span: WordSpan,
    *,
    heads: HeadChoice = MEAN_OF_HEADS,
    layer: int | None = None,
    hide_special: bool = False,
) -> WordAttention:
    columns = keep_columns(analysis.sentence, hide_special)
    per_head = word_rows(analysis.attentions, span.token_indices)
    combined = heads.apply(per_head, axis=1)[:, columns]
    per_head = per_head[:, :, columns]
    if hide_special:
        per_head = renormalise(per_head)
        if heads.is_distribution:
            combined = renormalise(combined)
    return WordAttention(
        analysis=analysis,
        span=span,
        heads=heads,
        layer=analysis.num_layers - 1 if layer is None else layer,
        hide_special=hide_special,
        columns=columns,
        per_head=per_head,
        rows=combined,
    )


def layer_matrix(
    analysis: Analysis, layer: int, heads: HeadChoice, *, hide_special: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """[from, to] attention for one layer combined over heads, and the token indices of its axes."""
    keep = keep_columns(analysis.sentence, hide_special)
    matrix = heads.apply(analysis.attentions[layer], axis=0)[np.ix_(keep, keep)]
    if hide_special and heads.is_distribution:
        matrix = renormalise(matrix)
    return matrix, keep


def all_heads(analysis: Analysis, *, hide_special: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """[layer, head, from, to] restricted to the shown tokens, each row renormalised when hiding."""
    keep = keep_columns(analysis.sentence, hide_special)
    matrices = analysis.attentions[:, :, keep][:, :, :, keep]
    if hide_special:
        matrices = renormalise(matrices)
    return matrices, keep


def rollout(attentions: np.ndarray) -> np.ndarray:
    """Attention rollout (Abnar & Zuidema, 2020): how much each input token flows into each position.

    Ã_l = rownorm(mean_heads(A_l) + I) accounts for the residual connection; R_1 = Ã_1 and
    R_l = Ã_l · R_{l-1}. Returns [layer, from, to] with R after each layer; rows sum to 1.
    """
    layers, _, tokens, _ = attentions.shape
    identity = np.eye(tokens, dtype=np.float64)
    result = np.empty((layers, tokens, tokens), dtype=np.float64)
    current = identity
    for layer in range(layers):
        mixed = attentions[layer].astype(np.float64).mean(axis=0) + identity
        mixed /= mixed.sum(axis=-1, keepdims=True)
        current = mixed @ current
        result[layer] = current
    return result


def word_rollout(
    analysis: Analysis, span: WordSpan, *, layer: int | None = None, hide_special: bool = False
) -> WordAttention:
    """The word's rollout row after each layer, shaped like a WordAttention (heads are always mixed)."""
    columns = keep_columns(analysis.sentence, hide_special)
    rolled = analysis.rollout()[:, list(span.token_indices), :].mean(axis=1)[:, columns]
    if hide_special:
        rolled = renormalise(rolled)
    rows = rolled.astype(np.float32)
    return WordAttention(
        analysis=analysis,
        span=span,
        heads=MEAN_OF_HEADS,
        layer=analysis.num_layers - 1 if layer is None else layer,
        hide_special=hide_special,
        columns=columns,
        per_head=rows[:, None, :],
        rows=rows,
    )
