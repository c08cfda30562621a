"""A model's masked-language-model head, kept beside its base model with the weights loaded once.

The loader reads a checkpoint as ``AutoModelForMaskedLM``: the base model inside it (``.base_model``)
serves every view, and the head turns a hidden state into scores over the vocabulary for fill-mask and
the logit lens. The head is the model's own module, called as its ``forward`` calls it, never a copy.

A checkpoint saved without head weights (sentence-transformers models such as the bundled
all-MiniLM-L6-v2, ELECTRA discriminators, fine-tuned classifiers) gets a randomly initialised head
from transformers; that head would guess nonsense, so it is dropped and the model has none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

# How each *ForMaskedLM's forward turns the base model's last hidden state into vocabulary logits.
# Only the architectures BERT Lens tests against the fill-mask pipeline (tests/engine/test_predict.py).
_HEADS: dict[str, Callable[[Any, Any], Any]] = {
    "BertForMaskedLM": lambda m, h: m.cls(h),
    "RobertaForMaskedLM": lambda m, h: m.lm_head(h),
    "XLMRobertaForMaskedLM": lambda m, h: m.lm_head(h),
    "MPNetForMaskedLM": lambda m, h: m.lm_head(h),
    "AlbertForMaskedLM": lambda m, h: m.predictions(h),
    "ElectraForMaskedLM": lambda m, h: m.generator_lm_head(m.generator_predictions(h)),
    "DistilBertForMaskedLM": lambda m, h: m.vocab_projector(
        m.vocab_layer_norm(m.activation(m.vocab_transform(h)))
    ),
    "DebertaV2ForMaskedLM": lambda m, h: (
        m.cls(h) if m.legacy else m.lm_predictions(h, m.deberta.embeddings.word_embeddings)
    ),
}

SUPPORTED = tuple(sorted(_HEADS))


@dataclass(frozen=True, eq=False)
class MaskedLMHead:
    """The head of ``model`` (a ``*ForMaskedLM``), whose ``base_model`` is the loaded model itself."""

    model: Any
    _apply: Callable[[Any, Any], Any]

    @property
    def architecture(self) -> str:
        return type(self.model).__name__

    def logits(self, hidden: np.ndarray) -> np.ndarray:
        """``[..., dim]`` hidden states -> ``[..., vocab]`` float32 logits, as the model's forward
        computes them from its last hidden state (eval mode: no dropout)."""
        import torch

        with torch.inference_mode():
            out = self._apply(self.model, torch.tensor(hidden, dtype=torch.float32))
        return out.float().numpy()


def has_head(model: Any) -> bool:
    """Whether ``model`` is a masked-LM model whose head BERT Lens knows how to call."""
    return type(model).__name__ in _HEADS and getattr(model, "base_model", model) is not model


def head_of(model: Any, missing_keys: Iterable[str] = ()) -> MaskedLMHead | None:
    """The head of a ``*ForMaskedLM`` model, or None when it has none or its weights were not in the
    checkpoint (``missing_keys`` from ``from_pretrained(..., output_loading_info=True)``): a missing key
    outside the base model is a head weight transformers initialised at random."""
    if not has_head(model):
        return None
    prefix = f"{model.base_model_prefix}."
    if any(not key.startswith(prefix) for key in missing_keys):
        return None
    return MaskedLMHead(model, _HEADS[type(model).__name__])


def base_missing(model: Any, missing_keys: Iterable[str]) -> list[str]:
    """Missing keys of the base model itself (a damaged checkpoint, worth a warning)."""
    prefix = f"{getattr(model, 'base_model_prefix', '')}."
    return sorted(key for key in missing_keys if key.startswith(prefix))
