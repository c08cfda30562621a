"""What one request produces, and every JSON form the engine's results take (the CLI prints these).

Layers and heads are numbered from 1 in JSON, as everywhere users see them; token positions are
0-based positions in the sentence's token list, and each JSON says so in its ``numbering`` field.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from functools import singledispatch
from typing import Any

import numpy as np

from bot.engine.attention import (
    Attended,
    WordAttention,
    all_heads,
    layer_matrix,
    word_attention,
    word_rollout,
)
from bot.engine.forward import Analysis
from bot.engine.norms import Norms, WordNorms, all_heads_norms, norms_matrix, word_norms
from bot.engine.occlusion import Occlusion
from bot.engine.predict import Guess, Predictions
from bot.engine.query import AttentionQuery, Resolved, resolve_query
from bot.engine.similarity import BAND_PERCENTILES, Baseline, Comparison
from bot.engine.tokens import TokenizationReport, TokenizedSentence
from bot.engine.words import find_word, word_pieces


@dataclass(frozen=True, eq=False)
class AttentionResult:
    """Everything one /attention request shows: the query, how it was resolved and the numbers.

    With ``values="norms"`` the word's rows are value-weighted norm shares (``norms`` keeps the raw
    norms behind them, ``sentence_norms`` every token's, for the matrix and grid views); everything
    that draws or describes ``word`` then shows norms with no code of its own."""

    query: AttentionQuery
    resolved: Resolved
    word: WordAttention
    norms: WordNorms | None = None
    sentence_norms: Norms | None = None

    @property
    def analysis(self) -> Analysis:
        return self.word.analysis

    @property
    def is_rollout(self) -> bool:
        return self.resolved.view == "rollout"

    @property
    def values(self) -> str:
        """What the cells hold: "weights", "norms" or "rollout"."""
        return "rollout" if self.is_rollout else self.query.values

    def layer_matrix(self) -> tuple[np.ndarray, np.ndarray]:
        """[from, to] of the selected layer in this result's values and head choice, and its axes."""
        word = self.word
        if self.sentence_norms is not None:
            return norms_matrix(
                self.analysis, self.sentence_norms, word.layer, word.heads, hide_special=word.hide_special
            )
        return layer_matrix(self.analysis, word.layer, word.heads, hide_special=word.hide_special)

    def all_heads(self) -> tuple[np.ndarray, np.ndarray]:
        """[layer, head, from, to] in this result's values over the shown tokens, and the axes."""
        if self.sentence_norms is not None:
            return all_heads_norms(self.analysis, self.sentence_norms, hide_special=self.word.hide_special)
        return all_heads(self.analysis, hide_special=self.word.hide_special)


@dataclass(frozen=True, eq=False)
class Animation:
    """Every layer in turn (``query.animate``): one result per layer, the same sentence, word, heads,
    view and values, from one cached forward pass. ``query`` is the request as asked (no layer)."""

    query: AttentionQuery
    frames: tuple[AttentionResult, ...]

    @property
    def analysis(self) -> Analysis:
        return self.frames[0].analysis

    @property
    def last(self) -> AttentionResult:
        return self.frames[-1]

    @property
    def view(self) -> str:
        return self.query.view

    @property
    def values(self) -> str:
        return self.last.values


@dataclass(frozen=True)
class QuizQuestion:
    """A guess-first question: which candidate the word attends to most in ``layer``."""

    model: str
    sentence: str
    word: str  # as written in the sentence
    layer: int  # 0-based
    candidates: tuple[str, ...]  # in sentence order
    weights: tuple[float, ...]  # the word's attention to each candidate (sums over its tokens)
    answer: int  # index of the most attended candidate

    @property
    def right(self) -> str:
        return self.candidates[self.answer]


def attention_result(
    analysis: Analysis, query: AttentionQuery, norms: Norms | None = None
) -> AttentionResult:
    """The result of ``query``; ``norms`` (the sentence's value norms) is needed for values="norms"."""
    resolved = resolve_query(query, analysis.num_layers, analysis.num_heads)
    span = find_word(analysis.sentence, query.word, query.occurrence)
    layer, hide = resolved.layer, query.hide_special
    if resolved.view == "rollout":
        word = word_rollout(analysis, span, layer=layer, hide_special=hide)
        return AttentionResult(query=query, resolved=resolved, word=word)
    if query.values == "norms":
        if norms is None:
            raise ValueError("values='norms' needs the sentence's norms (Lens.norms)")
        shares = word_norms(analysis, norms, span, heads=resolved.heads, layer=layer, hide_special=hide)
        word = WordAttention(
            analysis=analysis,
            span=span,
            heads=resolved.heads,
            layer=layer,
            hide_special=hide,
            columns=shares.columns,
            per_head=shares.per_head,
            rows=shares.rows,
        )
        return AttentionResult(query, resolved, word, norms=shares, sentence_norms=norms)
    word = word_attention(analysis, span, heads=resolved.heads, layer=layer, hide_special=hide)
    return AttentionResult(query=query, resolved=resolved, word=word)


COMMAND_PREFIX = "python -m bot attention "


def command_line(
    result: AttentionResult | Animation, model: str | None = None, lang: str | None = None
) -> str:
    """The command that makes this image (or animation) again (``model`` as configured: an id, a
    folder or bundled; ``lang`` the image's language, named because the command line's default follows
    the reader's locale)."""
    animate = isinstance(result, Animation)
    if isinstance(result, Animation):
        result = result.last
    query, word = result.query, result.word
    view = result.resolved.view
    parts = [COMMAND_PREFIX.rstrip(), shlex.quote(result.analysis.sentence.text), shlex.quote(query.word)]
    if word.span.occurrence != 1:
        parts += ["--occurrence", str(word.span.occurrence)]
    if view != "grid" and not animate:
        parts += ["--layer", str(word.layer + 1)]
    if view not in ("grid", "rollout"):
        if word.heads.agg == "head" and word.heads.head is not None:
            parts += ["--head", str(word.heads.head + 1)]
        elif word.heads.agg == "max":
            parts += ["--agg", "max"]
    if view != "word":
        parts += ["--view", view]
    if word.hide_special:
        parts.append("--hide-special")
    if result.values == "norms":
        parts += ["--values", "norms"]
    if animate:
        parts.append("--gif")
    return " ".join(parts + _model_and_lang(result.analysis, model, lang))


def _model_and_lang(analysis: Analysis, model: str | None, lang: str | None) -> list[str]:
    """``--model`` as configured (default: as the model was asked for) and ``--lang``, named because
    the command line's default language follows the reader's locale."""
    parts = ["--model", shlex.quote(model or analysis.spec or analysis.model)]
    return parts + (["--lang", lang] if lang is not None else [])


def compare_command_line(comparison: Comparison, model: str | None = None, lang: str | None = None) -> str:
    """The command that makes this comparison again."""
    a, b = comparison.a, comparison.b
    parts = [
        "python -m bot compare",
        shlex.quote(a.span.text),
        shlex.quote(a.analysis.sentence.text),
        shlex.quote(b.analysis.sentence.text),
    ]
    if a.span.occurrence != 1:
        parts += ["--occurrence", str(a.span.occurrence)]
    if a.hide_special:
        parts.append("--hide-special")
    return " ".join(parts + _model_and_lang(a.analysis, model, lang))


def occlusion_command_line(result: Occlusion, model: str | None = None, lang: str | None = None) -> str:
    """The command that runs this "does it matter?" experiment again."""
    parts = [
        COMMAND_PREFIX.rstrip(),
        shlex.quote(result.analysis.sentence.text),
        shlex.quote(result.span.text),
    ]
    if result.span.occurrence != 1:
        parts += ["--occurrence", str(result.span.occurrence)]
    parts += ["--layer", str(result.layer + 1)]
    if result.heads.agg == "head" and result.heads.head is not None:
        parts += ["--head", str(result.heads.head + 1)]
    elif result.heads.agg == "max":
        parts += ["--agg", "max"]
    if result.hide_special:
        parts.append("--hide-special")
    parts.append("--occlusion")
    return " ".join(parts + _model_and_lang(result.analysis, model, lang))


# ---------------------------------------------------------------------------------------------- JSON


@singledispatch
def to_json(result: Any, top_k: int = 5) -> dict[str, Any]:
    """The documented JSON form of a tokenization report, an attention or norms result, a comparison,
    an occlusion or predictions."""
    raise TypeError(f"no JSON form for {type(result).__name__}")


def _sentence_json(sentence: TokenizedSentence) -> dict[str, Any]:
    return {
        "text": sentence.text,
        "tokens": list(sentence.tokens),
        "input_ids": list(sentence.input_ids),
        "attention_mask": list(sentence.attention_mask),
        "special": list(sentence.special),
        "subword": list(sentence.subword),
        "offsets": [list(o) if o is not None else None for o in sentence.offsets],
    }


def _top_json(top: list[Attended]) -> list[dict[str, Any]]:
    return [{"token": t.token, "index": t.index, "weight": t.weight} for t in top]


@to_json.register
def _(report: TokenizationReport, top_k: int = 5) -> dict[str, Any]:
    return {
        "model": report.model,
        "sentences": [_sentence_json(s) for s in report.sentences],
        "shared_ids": [
            {"id": s.token_id, "token": s.token, "positions": [list(p) for p in s.positions]}
            for s in report.shared
        ],
    }


NORMS_METHOD = (
    "Kobayashi et al. 2020: ||A^h_ij f^h(x_j)|| with f^h(x) = (x W_V^h + b_V^h) W_O^h and x_j the "
    "layer's input; over heads (mean) ||sum_h A^h_ij f^h(x_j)||, max the largest head share. "
    "norms_raw: the word's norms averaged over its pieces; norms: each row as shares summing to 1 "
    "over the columns shown (max: the largest head share, not rescaled)."
)


@to_json.register
def _(result: AttentionResult, top_k: int = 5) -> dict[str, Any]:
    word = result.word
    heads = word.heads
    analysis = result.analysis
    values = result.values
    rows = "norms" if values == "norms" else "attention"
    out: dict[str, Any] = {
        "model": analysis.model,
        "sentence": analysis.sentence.text,
        "numbering": (
            f"Layers and heads are numbered from 1: {rows}[0] is layer 1. token_indices and "
            "columns are 0-based positions in the sentence's full token list ([CLS] is 0)."
        ),
        "tokens": word.tokens,
        "columns": [int(c) for c in word.columns],
        "word": _word_json(analysis, word.span),
        "num_layers": analysis.num_layers,
        "num_heads": analysis.num_heads,
        "layer": word.layer + 1,
        "view": result.resolved.view,
        "values": values,
        "aggregation": heads.agg,
        "head": None if heads.head is None else heads.head + 1,
        "hide_special": word.hide_special,
    }
    if result.norms is None:
        out["attention"] = _rows(word.rows)
        out["top"] = _top_json(word.top(top_k))
        return out
    out["method"] = NORMS_METHOD
    out["norms"] = _rows(result.norms.rows)
    out["norms_raw"] = _rows(result.norms.raw)
    out["top"] = [
        {"token": r.token, "index": r.index, "share": r.share, "norm": r.norm}
        for r in result.norms.top(top_k)
    ]
    return out


@to_json.register
def _(animation: Animation, top_k: int = 5) -> dict[str, Any]:
    """The result's JSON (every layer's rows) with no selected layer, and each frame's top tokens."""
    out = to_json(animation.last, top_k)
    out["layer"] = None
    out["animated"] = True
    out["frames"] = [
        {"layer": frame.word.layer + 1, "top": to_json(frame, top_k)["top"]} for frame in animation.frames
    ]
    return out


def _rows(values: Any) -> list[list[float]]:
    return [[float(v) for v in row] for row in values]


def _word_json(analysis: Analysis, span: Any) -> dict[str, Any]:
    return {
        "text": span.text,
        "occurrence": span.occurrence,
        "token_indices": list(span.token_indices),
        "pieces": word_pieces(analysis.sentence, span),
    }


@to_json.register
def _(result: Occlusion, top_k: int = 5) -> dict[str, Any]:
    analysis = result.analysis
    heads = result.heads
    return {
        "model": analysis.model,
        "sentence": analysis.sentence.text,
        "numbering": (
            "Layers and heads are numbered from 1: shift[0] is layer 1; shift_embeddings is the embedding "
            "output before layer 1. Token indices are 0-based positions ([CLS] is 0); word_indices_after "
            "are positions in tokens_after."
        ),
        "tokens": list(analysis.sentence.tokens),
        "word": _word_json(analysis, result.span),
        "num_layers": analysis.num_layers,
        "layer": result.layer + 1,
        "aggregation": heads.agg,
        "head": None if heads.head is None else heads.head + 1,
        "hide_special": result.hide_special,
        "method": result.method,
        "measure": "1 - cosine(word vector before, word vector after), the word's pieces averaged",
        "removals": [
            {
                "which": r.which,
                "index": r.index,
                "token": r.token,
                "weight": r.weight,
                "tokens_after": list(r.tokens_after),
                "word_indices_after": list(r.word_indices_after),
                "shift_embeddings": float(r.shift[0]),
                "shift": [float(v) for v in r.shift[1:]],
            }
            for r in result.removals
        ],
    }


def _guesses_json(guesses: tuple[Guess, ...]) -> list[dict[str, Any]]:
    return [
        {"token": g.token, "display": g.display, "id": g.token_id, "probability": g.probability}
        for g in guesses
    ]


@to_json.register
def _(result: Predictions, top_k: int = 5) -> dict[str, Any]:
    analysis = result.analysis
    return {
        "model": analysis.model,
        "sentence": analysis.sentence.text,
        "numbering": (
            "Layers are numbered from 1: lens[0] is layer 1; lens_embeddings is the embedding output "
            "through the same head. index is the mask token's 0-based position ([CLS] is 0)."
        ),
        "tokens": list(analysis.sentence.tokens),
        "num_layers": analysis.num_layers,
        "k": result.k,
        "reliable": "the last third of the layers (rounded up); earlier layers and the embeddings are not",
        "masks": [
            {
                "index": mask.index,
                "top": _guesses_json(mask.final),
                "lens_embeddings": {
                    "reliable": mask.layers[0].reliable,
                    "top": _guesses_json(mask.layers[0].guesses),
                },
                "lens": [
                    {"layer": layer.layer, "reliable": layer.reliable, "top": _guesses_json(layer.guesses)}
                    for layer in mask.layers[1:]
                ],
            }
            for mask in result.masks
        ],
    }


def _baseline_json(baseline: Baseline | None) -> dict[str, Any] | None:
    if baseline is None:
        return None
    return {
        "of": (
            "cosine of the word's vector in sentence A with each other token's vector in both sentences "
            "([CLS]/[SEP] and the word's own pieces aside), per layer"
        ),
        "percentiles": list(BAND_PERCENTILES),
        "tokens": baseline.tokens,
        "embeddings": {
            "low": float(baseline.low[0]),
            "median": float(baseline.median[0]),
            "high": float(baseline.high[0]),
        },
        "low": [float(v) for v in baseline.low[1:]],
        "median": [float(v) for v in baseline.median[1:]],
        "high": [float(v) for v in baseline.high[1:]],
    }


@to_json.register
def _(comparison: Comparison, top_k: int = 5) -> dict[str, Any]:
    a, b = comparison.a, comparison.b
    return {
        "model": a.analysis.model,
        "word": a.span.text,
        "numbering": (
            "Layers are numbered from 1: cosine[0] is layer 1; cosine_embeddings is the embedding "
            "output before layer 1. token_indices are 0-based positions ([CLS] is 0)."
        ),
        "sentences": [
            {
                "text": w.analysis.sentence.text,
                "word": w.span.text,
                "token_indices": list(w.span.token_indices),
                "token_ids": list(ids),
                "top": _top_json(w.top(top_k)),
            }
            for w, ids in ((a, comparison.ids_a), (b, comparison.ids_b))
        ],
        "same_ids": comparison.same_ids,
        "num_layers": a.analysis.num_layers,
        "hide_special": a.hide_special,
        "cosine_embeddings": float(comparison.cosine[0]),
        "cosine": [float(v) for v in comparison.cosine[1:]],
        "baseline": _baseline_json(comparison.baseline),
    }


@to_json.register
def _(question: QuizQuestion, top_k: int = 5) -> dict[str, Any]:
    return {
        "model": question.model,
        "sentence": question.sentence,
        "word": question.word,
        "numbering": "Layers are numbered from 1; answer is a 0-based index into candidates.",
        "layer": question.layer + 1,
        "question": "Which word does the word attend to most in this layer (itself and specials aside)?",
        "candidates": [
            {"word": word, "weight": weight}
            for word, weight in zip(question.candidates, question.weights, strict=True)
        ],
        "answer": question.answer,
        "answer_word": question.right,
    }


PREDICT_PREFIX = "python -m bot predict "


def predict_command_line(result: Predictions, model: str | None = None, lang: str | None = None) -> str:
    """The command that makes this /predict image again: the sentence as typed (a [mask] read as the
    model's own token is read so again), ``--top``, the model as configured and the image's language."""
    text = result.typed if result.typed is not None else result.analysis.sentence.text
    parts = [PREDICT_PREFIX.rstrip(), shlex.quote(text), "--top", str(result.k)]
    return " ".join(parts + _model_and_lang(result.analysis, model, lang))
