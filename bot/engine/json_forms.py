"""Every JSON form the engine's results take (the CLI's ``--json``; the README documents each).

Layers and heads are numbered from 1 in JSON, as everywhere users see them; token positions are
0-based positions in the sentence's token list, and each JSON says so in its ``numbering`` field.
"""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from bot.engine.attention import Attended
from bot.engine.forward import Analysis
from bot.engine.occlusion import Occlusion
from bot.engine.predict import Guess, Predictions
from bot.engine.results import Animation, AttentionResult, QuizQuestion
from bot.engine.similarity import BAND_PERCENTILES, Baseline, Comparison
from bot.engine.tokens import TokenizationReport, TokenizedSentence
from bot.engine.words import word_pieces


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
