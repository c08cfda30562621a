"""What one request produces, and the command line that makes its image again (printed on every image
and in every embed's footer)."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

import numpy as np

from bot.engine.attention import (
    WordAttention,
    all_heads,
    layer_matrix,
    word_attention,
    word_rollout,
)
from bot.engine.forward import Analysis
from bot.engine.norms import Norms, WordNorms, all_heads_norms, norms_matrix, word_norms
from bot.engine.occlusion import Occlusion
from bot.engine.predict import Predictions
from bot.engine.query import AttentionQuery, Resolved, resolve_query
from bot.engine.similarity import Comparison
from bot.engine.words import find_word


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


PREDICT_PREFIX = "python -m bot predict "


def predict_command_line(result: Predictions, model: str | None = None, lang: str | None = None) -> str:
    """The command that makes this /predict image again: the sentence as typed (a [mask] read as the
    model's own token is read so again), ``--top``, the model as configured and the image's language."""
    text = result.typed if result.typed is not None else result.analysis.sentence.text
    parts = [PREDICT_PREFIX.rstrip(), shlex.quote(text), "--top", str(result.k)]
    return " ".join(parts + _model_and_lang(result.analysis, model, lang))
