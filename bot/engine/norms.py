"""Value-weighted norms (Kobayashi et al., 2020, "Attention is not only a weight"): how much of each
token actually reaches another through a head, not only how much weight the head gives it.

For layer l, head h, from token i to token j the contribution is the vector ``A^h_ij · f^h(x_j)`` with
``f^h(x) = (x W_V^h + b_V^h) W_O^h``: the head's slice of the value projection and of the attention
output projection (``b_O`` is left out: it is the same for every j). ``x_j`` is the layer's input for
token j, which in every architecture here (all post-LayerNorm) is ``hidden_states[l]`` as the forward
pass records it. Over heads, the layer's attention adds the heads' vectors: ``‖Σ_h A^h_ij f^h(x_j)‖``.

A weight near 1 on [CLS] or [SEP] with a tiny ``‖f(x)‖`` moves almost nothing: norms show that.

Computed from the cached forward pass (no second run): the model's own value ``nn.Linear`` is applied
to the recorded hidden states and the slices of its own output ``nn.Linear`` weight are used, so the
numbers follow the checkpoint and cannot drift from a re-implementation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bot.engine.attention import WordRows, keep_columns, renormalise
from bot.engine.errors import InvalidChoice
from bot.engine.forward import Analysis
from bot.engine.model import LoadedModel
from bot.engine.query import MEAN_OF_HEADS, HeadChoice
from bot.engine.tokens import TokenizedSentence
from bot.engine.words import WordSpan

# model_type -> the attention's value and output projections, per layer. Every one of these is
# post-LayerNorm, so a layer's value projection reads hidden_states[l] as it is (checked per family by
# tests/engine/test_norms.py with hooks on the real forward pass).
SUPPORTED: tuple[str, ...] = (
    "albert",
    "bert",
    "deberta-v2",
    "distilbert",
    "electra",
    "mpnet",
    "roberta",
    "xlm-roberta",
)


def norms_unsupported(model_type: str) -> InvalidChoice:
    """The error for an architecture whose value and output projections BERT Lens does not know.

    An ``InvalidChoice`` ("'gpt2' is not a model type with value norms; choose one of: …") rather than
    a class of its own: every engine error class needs its strings in bot/i18n (tests/test_i18n.py
    checks), which this module does not own.
    """
    return InvalidChoice("model type with value norms", model_type or "unknown", SUPPORTED)


@dataclass(frozen=True)
class _Projection:
    value: Any  # nn.Linear: hidden -> heads x head_dim
    output: Any  # nn.Linear: heads x head_dim -> hidden


def projections(model: Any) -> list[_Projection]:
    """The value and output projections of every layer of a base model, in order."""
    config = model.config
    kind = getattr(config, "model_type", "")
    if kind in ("bert", "roberta", "xlm-roberta", "electra"):
        return [
            _Projection(layer.attention.self.value, layer.attention.output.dense)
            for layer in model.encoder.layer
        ]
    if kind == "distilbert":
        return [
            _Projection(layer.attention.v_lin, layer.attention.out_lin) for layer in model.transformer.layer
        ]
    if kind == "mpnet":
        return [_Projection(layer.attention.attn.v, layer.attention.attn.o) for layer in model.encoder.layer]
    if kind == "deberta-v2":
        return [
            _Projection(layer.attention.self.value_proj, layer.attention.output.dense)
            for layer in model.encoder.layer
        ]
    if kind == "albert":
        # Layers share weights: layer l runs group int(l / (layers / groups)), as AlbertTransformer does.
        # Every released ALBERT has one layer per group; with more, a "layer" would be several attentions.
        if config.inner_group_num != 1:
            raise norms_unsupported(f"albert (inner_group_num={config.inner_group_num})")
        groups = model.encoder.albert_layer_groups
        per_group = config.num_hidden_layers / config.num_hidden_groups
        return [
            _Projection(
                groups[int(layer / per_group)].albert_layers[0].attention.value,
                groups[int(layer / per_group)].albert_layers[0].attention.dense,
            )
            for layer in range(config.num_hidden_layers)
        ]
    raise norms_unsupported(kind)


@dataclass(frozen=True, eq=False)
class Norms:
    """Raw value-weighted norms of one analysis (float32)."""

    per_head: np.ndarray  # [layer, head, from, to]: ‖A^h_ij f^h(x_j)‖
    combined: np.ndarray  # [layer, from, to]: ‖Σ_h A^h_ij f^h(x_j)‖, what the layer's attention adds

    @property
    def nbytes(self) -> int:
        return int(self.per_head.nbytes + self.combined.nbytes)

    def raw(self, heads: HeadChoice = MEAN_OF_HEADS) -> np.ndarray:
        """[layer, from, to] raw norms as ``heads`` combines them: "mean" is the heads' vectors added
        (the norm of their mean, times the number of heads), one head is that head's, "max" the
        largest of the heads' norms."""
        if heads.agg == "head":
            assert heads.head is not None
            return self.per_head[:, heads.head]
        if heads.agg == "max":
            return self.per_head.max(axis=1)
        return self.combined

    def shares(self, heads: HeadChoice = MEAN_OF_HEADS) -> np.ndarray:
        """[layer, from, to]: norms for display, each token's row rescaled to sum to 1 like attention
        (one head's or the heads' sum); "max" is the largest of the heads' rescaled rows, as for
        attention not a distribution."""
        if heads.agg == "max":
            return renormalise(self.per_head).max(axis=1)
        return renormalise(self.raw(heads))


def value_norms(lm: LoadedModel, analysis: Analysis) -> Norms:
    """The norms of one analysis, from its recorded hidden states and attentions (no forward pass)."""
    import torch

    layers = projections(lm.model)
    attentions = analysis.attentions  # [layer, head, from, to]
    heads = analysis.num_heads
    tokens = attentions.shape[-1]
    per_head = np.empty(attentions.shape, dtype=np.float32)
    combined = np.empty((analysis.num_layers, tokens, tokens), dtype=np.float32)
    with torch.inference_mode():
        for layer, projection in enumerate(layers):
            x = torch.tensor(analysis.hidden_states[layer])  # a copy: the cached array is read-only
            values = projection.value(x).double()  # [token, heads x head_dim]: x W_V + b_V
            weight = projection.output.weight.double()  # [hidden, heads x head_dim]
            head_dim = values.shape[-1] // heads
            # f^h(x_j) = v^h_j W_O^h: each head's value times its own columns of the output projection.
            f = torch.einsum(
                "thk,dhk->htd", values.view(tokens, heads, head_dim), weight.view(-1, heads, head_dim)
            )  # [head, token, hidden]
            alpha = torch.tensor(attentions[layer], dtype=torch.float64)  # [head, from, to]
            # weights are >= 0, so ‖A f‖ = A ‖f‖.
            per_head[layer] = (alpha * f.norm(dim=-1)[:, None, :]).numpy()
            # ‖Σ_h A^h_ij f^h_j‖² = Σ_h Σ_g A^h_ij A^g_ij <f^h_j, f^g_j>: a [token, head, head] Gram matrix
            # instead of a [from, to, hidden] tensor (600 MB for 128 tokens of bert-base).
            gram = torch.einsum("htd,gtd->thg", f, f)
            squared = torch.einsum("hij,jhg,gij->ij", alpha, gram, alpha)
            combined[layer] = squared.clamp(min=0).sqrt().numpy()
    per_head.setflags(write=False)
    combined.setflags(write=False)
    return Norms(per_head=per_head, combined=combined)


# --------------------------------------------------------------------------------------- word view


@dataclass(frozen=True)
class Received:
    """A token a word's norms go to: its share of the row (as shown) and the raw norm."""

    index: int  # token index in the sentence
    token: str
    share: float
    norm: float


@dataclass(frozen=True, eq=False)
class WordNorms(WordRows):
    """Where one word's value-weighted norms go, layer by layer, over the shown tokens: the rows a
    word view draws, as for ``WordAttention``.

    ``rows`` and ``per_head`` are shares (each piece's row rescaled to sum to 1, averaged over the
    word's pieces, then, with specials hidden, rescaled over the shown columns); ``raw`` and
    ``raw_per_head`` are the norms themselves, averaged over the pieces, never rescaled.
    """

    raw_per_head: np.ndarray  # [layer, head, column]
    raw: np.ndarray  # [layer, column]

    def top(self, k: int = 5, layer: int | None = None) -> list[Received]:
        """The k tokens the word draws most from in a layer (default: the selected one), itself aside."""
        at = self.layer if layer is None else layer
        row, raw, tokens = self.rows[at], self.raw[at], self.analysis.sentence.tokens
        return [Received(i, tokens[i], float(row[c]), float(raw[c])) for c, i in self.ranked(k, at)]


def word_norms(
    analysis: Analysis,
    norms: Norms,
    span: WordSpan,
    *,
    heads: HeadChoice = MEAN_OF_HEADS,
    layer: int | None = None,
    hide_special: bool = False,
) -> WordNorms:
    pieces = list(span.token_indices)
    columns = keep_columns(analysis.sentence, hide_special)
    shares_per_head = renormalise(norms.per_head[:, :, pieces, :]).mean(axis=2)[:, :, columns]
    shares = norms.shares(heads)[:, pieces, :].mean(axis=1)[:, columns]
    if hide_special:
        shares_per_head = renormalise(shares_per_head)
        if heads.is_distribution:
            shares = renormalise(shares)
    raw_per_head = norms.per_head[:, :, pieces, :].mean(axis=2)[:, :, columns]
    raw = norms.raw(heads)[:, pieces, :].mean(axis=1)[:, columns]
    return WordNorms(
        analysis=analysis,
        span=span,
        heads=heads,
        layer=analysis.num_layers - 1 if layer is None else layer,
        hide_special=hide_special,
        columns=columns,
        per_head=shares_per_head.astype(np.float32),
        rows=shares.astype(np.float32),
        raw_per_head=raw_per_head.astype(np.float32),
        raw=raw.astype(np.float32),
    )


def norms_matrix(
    analysis: Analysis, norms: Norms, layer: int, heads: HeadChoice, *, hide_special: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """[from, to] shares for one layer, and the token indices of its axes (like ``layer_matrix``)."""
    keep = keep_columns(analysis.sentence, hide_special)
    matrix = norms.shares(heads)[layer][np.ix_(keep, keep)]
    if hide_special and heads.is_distribution:
        matrix = renormalise(matrix)
    return matrix, keep


def all_heads_norms(
    analysis: Analysis, norms: Norms, *, hide_special: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """[layer, head, from, to] shares over the shown tokens (like ``attention.all_heads``), each
    head's row rescaled to sum to 1, again over the shown tokens when specials are hidden."""
    keep = keep_columns(analysis.sentence, hide_special)
    shares = renormalise(norms.per_head)[:, :, keep][:, :, :, keep]
    if hide_special:
        shares = renormalise(shares)
    return shares, keep


def special_share(
    values: np.ndarray, sentence: TokenizedSentence, rows: Sequence[int] | None = None
) -> np.ndarray:
    """[layer]: the share of each row that goes to [CLS]/[SEP], averaged over ``rows`` (default: every
    token the tokenizer did not add). ``values`` is [layer, from, to], rescaled here row by row, so
    attention weights and norms compare on the same footing."""
    framing = [i for i, f in enumerate(sentence.framing) if f]
    if rows is None:
        rows = [i for i, f in enumerate(sentence.framing) if not f]
    shares = renormalise(np.asarray(values, dtype=np.float64))[:, list(rows), :]
    return shares[:, :, framing].sum(axis=-1).mean(axis=-1)
