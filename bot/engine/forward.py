"""One sentence's forward pass, kept whole so every later view (layers, heads, rollout, vectors)
reads it without running the model again."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.engine.defaults import DEFAULT_MAX_CHARS, DEFAULT_MAX_TOKENS
from bot.engine.model import LoadedModel
from bot.engine.tokens import TokenizedSentence, encode


@dataclass(frozen=True, eq=False)
class Analysis:
    """One sentence's forward pass: everything later views need, so paging never reruns the model."""

    model: str
    sentence: TokenizedSentence
    attentions: np.ndarray  # [layer, head, from, to], float32, each row sums to 1
    hidden_states: np.ndarray  # [layer 0..L, token, dim]; 0 is the embedding output
    spec: str = ""  # the model as asked for ("bundled", an id, a folder): what --model takes

    @property
    def num_layers(self) -> int:
        return int(self.attentions.shape[0])

    @property
    def num_heads(self) -> int:
        return int(self.attentions.shape[1])

    @property
    def nbytes(self) -> int:
        # The rollout is counted from the start (float64 [layer, token, token]: 1/6 of the attentions
        # with 12 heads) so the forward-pass cache's bound holds once a page has computed it.
        layers, _, tokens, _ = self.attentions.shape
        return int(self.attentions.nbytes + self.hidden_states.nbytes + layers * tokens * tokens * 8)

    def rollout(self) -> np.ndarray:
        """``attention.rollout`` of this pass, computed on first use and kept: it multiplies token x
        token matrices per layer (cubic: 45-340 ms at 512 tokens), and paging asks for it again on
        every page of the rollout view. Two threads may compute it at once; both get equal arrays."""
        kept = self.__dict__.get("_rollout")
        if kept is None:
            from bot.engine.attention import rollout

            kept = rollout(self.attentions)
            kept.setflags(write=False)
            object.__setattr__(self, "_rollout", kept)  # frozen dataclass: a cache, not a field
        return kept


def analyse(
    lm: LoadedModel,
    text: str,
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
    max_tokens: int = DEFAULT_MAX_TOKENS,
) -> Analysis:
    """Tokenize one sentence on its own (no padding) and run the model once."""
    (sentence,), inputs = encode(lm, [text], max_chars=max_chars, max_tokens=max_tokens, return_tensors="pt")
    attentions, hidden = lm.forward(inputs)
    attentions.setflags(write=False)
    hidden.setflags(write=False)
    return Analysis(
        model=lm.name, sentence=sentence, attentions=attentions, hidden_states=hidden, spec=lm.spec
    )
