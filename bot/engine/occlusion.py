""" "Does it matter?": take one token out of the sentence, run the model again, and measure how far the
word's contextual vector moves at every layer: ``1 - cosine(v_before[l], v_after[l])``, l = 0..L, with
the word's vector averaged over its pieces as ``similarity.word_vectors`` does.

Two experiments, both chosen from the attention row the word view shows (same layer, same heads
combination, [CLS]/[SEP] and the word's own pieces aside): the token the word attends to most, and the
one it attends to least. High attention and a small shift is the lesson: weight is not influence.

A token is taken out at the level of ids, never by editing the text, so every other token stays exactly
as the tokenizer cut it (removing characters could re-tokenize the neighbours):

- masked: its id is replaced by the tokenizer's mask token ([MASK], <mask>). The length and every
  position stay, so the word keeps its token indices and the embedding layer's shift is 0.
- deleted: its id is dropped (when the tokenizer has no mask token, or when asked). The tokens after it
  move one position left: the word's indices after it shift by one, and positions change from there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from bot.engine.attention import word_attention
from bot.engine.errors import InvalidChoice
from bot.engine.forward import Analysis
from bot.engine.model import LoadedModel
from bot.engine.query import MEAN_OF_HEADS, HeadChoice
from bot.engine.similarity import cosine_per_layer, word_vectors
from bot.engine.tokens import encode
from bot.engine.words import WordSpan

Method = Literal["auto", "mask", "delete"]
METHODS: tuple[str, ...] = ("auto", "mask", "delete")
Which = Literal["top", "least"]


@dataclass(frozen=True, eq=False)
class Removal:
    """One token taken out and what it did to the word."""

    which: Which  # "top": the most attended token; "least": the least attended one
    index: int  # the token's index in the original sentence
    token: str
    weight: float  # its weight in the row the choice was made from (as the word view shows it)
    method: Literal["masked", "deleted"]
    tokens_after: tuple[str, ...]  # what the model read instead
    word_indices_after: tuple[int, ...]  # the word's token indices in that input
    shift: np.ndarray  # [layer 0..L]: 1 - cosine of the word's vector before and after; 0 is embeddings


@dataclass(frozen=True, eq=False)
class Occlusion:
    analysis: Analysis
    span: WordSpan
    heads: HeadChoice
    layer: int  # 0-based: the layer whose attention row chose the tokens
    hide_special: bool
    method: Literal["masked", "deleted"]
    top: Removal | None  # None when the sentence has no other token than the word and [CLS]/[SEP]
    least: Removal | None

    @property
    def removals(self) -> tuple[Removal, ...]:
        return tuple(r for r in (self.top, self.least) if r is not None)


def resolve_method(lm: LoadedModel, method: str) -> Literal["masked", "deleted"]:
    if method not in METHODS:
        raise InvalidChoice("method", str(method), METHODS)
    if method == "delete" or (method == "auto" and lm.tokenizer.mask_token_id is None):
        return "deleted"
    if lm.tokenizer.mask_token_id is None:
        raise InvalidChoice("method", "mask", ("delete",))  # this tokenizer has no mask token
    return "masked"


def candidates(
    analysis: Analysis, span: WordSpan, heads: HeadChoice, layer: int, hide_special: bool
) -> dict[Which, tuple[int, float]]:
    """The most and least attended tokens, [CLS]/[SEP] and the word aside: ``{which: (index, weight)}``,
    empty when there is no other token."""
    word = word_attention(analysis, span, heads=heads, layer=layer, hide_special=hide_special)
    framing = analysis.sentence.framing
    own = set(span.token_indices)
    row = word.rows[layer]
    allowed = [c for c, index in enumerate(word.columns) if not framing[index] and int(index) not in own]
    if not allowed:
        return {}
    # Stable orders: ties go to the earlier token, so the choice is deterministic.
    top = max(allowed, key=lambda c: (row[c], -c))
    least = min(allowed, key=lambda c: (row[c], c))
    return {
        "top": (int(word.columns[top]), float(row[top])),
        "least": (int(word.columns[least]), float(row[least])),
    }


def occlusion(
    lm: LoadedModel,
    analysis: Analysis,
    span: WordSpan,
    *,
    heads: HeadChoice = MEAN_OF_HEADS,
    layer: int | None = None,
    hide_special: bool = False,
    method: Method = "auto",
) -> Occlusion:
    """Both experiments for ``span`` (two forward passes; one when both choices are the same token)."""
    chosen_layer = analysis.num_layers - 1 if layer is None else layer
    done = resolve_method(lm, method)
    picks = candidates(analysis, span, heads, chosen_layer, hide_special)
    before = word_vectors(analysis, span)
    inputs = _inputs(lm, analysis)
    removals: dict[Which, Removal] = {}
    by_index: dict[int, tuple[tuple[int, ...], tuple[str, ...], np.ndarray]] = {}
    for which, (index, weight) in picks.items():
        if index not in by_index:
            by_index[index] = _rerun(lm, analysis, inputs, span, index, done, before)
        indices, tokens, shift = by_index[index]
        removals[which] = Removal(
            which=which,
            index=index,
            token=analysis.sentence.tokens[index],
            weight=weight,
            method=done,
            tokens_after=tokens,
            word_indices_after=indices,
            shift=shift,
        )
    return Occlusion(
        analysis=analysis,
        span=span,
        heads=heads,
        layer=chosen_layer,
        hide_special=hide_special,
        method=done,
        top=removals.get("top"),
        least=removals.get("least"),
    )


def _inputs(lm: LoadedModel, analysis: Analysis) -> dict[str, Any]:
    """The model inputs of the analysed sentence, tokenized again (cheap) exactly as it was (it passed
    the limits then, so its own length is the limit now)."""
    text = analysis.sentence.text
    (sentence,), inputs = encode(
        lm, [text], max_chars=len(text), max_tokens=len(analysis.sentence), return_tensors="pt"
    )
    if sentence.input_ids != analysis.sentence.input_ids:  # the same tokenizer: never, but say so if it does
        raise RuntimeError(f"{lm.name}: tokenizing {text!r} again gave other ids")
    return inputs


def removed(inputs: dict[str, Any], index: int, method: str, mask_id: int | None) -> dict[str, Any]:
    """``inputs`` (a batch of one) with token ``index`` masked or deleted."""
    changed: dict[str, Any] = {}
    for name, tensor in inputs.items():
        if method == "masked":
            tensor = tensor.clone()
            if name == "input_ids":
                tensor[0, index] = mask_id
        else:  # every per-token input loses that column (ids, mask, token types)
            tensor = tensor[:, [i for i in range(tensor.shape[1]) if i != index]]
        changed[name] = tensor
    return changed


def _rerun(
    lm: LoadedModel,
    analysis: Analysis,
    inputs: dict[str, Any],
    span: WordSpan,
    index: int,
    method: str,
    before: np.ndarray,
) -> tuple[tuple[int, ...], tuple[str, ...], np.ndarray]:
    changed = removed(inputs, index, method, lm.tokenizer.mask_token_id)
    _, hidden = lm.forward(changed)  # the reference forward pass, on the changed input
    if method == "masked":
        indices = tuple(span.token_indices)
    else:
        indices = tuple(i - 1 if i > index else i for i in span.token_indices)
    with lm.tokenizing() as tokenizer:
        tokens = tuple(tokenizer.convert_ids_to_tokens([int(i) for i in changed["input_ids"][0]]))
    after = hidden[:, list(indices), :].astype(np.float64).mean(axis=1)
    shift = np.maximum(0.0, 1.0 - cosine_per_layer(before, after))  # no -2e-16 for an unmoved vector
    return indices, tokens, shift
