"""The commands beyond /attention, each against /attention on the same model, text and length: its
first request (empty cache, so its forward pass is counted) over /attention's first request.

* ``norms``: /attention with ``values=norms`` (value-weighted norms from the same forward pass);
* ``occlusion``: "Does it matter?" (``Lens.occlusion_png``): one more forward pass per token taken out;
* ``predict``: /predict (``Lens.predictions_png``): fill-mask and the logit lens, on a model with a
  masked-LM head (the distilbert shape built as ``DistilBertForMaskedLM``, random weights), with the
  target word replaced by the mask token so the text keeps its length;
* ``animation``: /attention ``view:animation`` (``Lens.animation_gif``): the word view for every layer
  as GIF frames, from the same forward pass;
* ``quiz``: /quiz's question (``Lens.quiz``: candidates and answer from /attention's rows); its reveal
  draws /attention's heatmap, so costs what /attention does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from bench.latency import MAX_CHARS, MAX_TOKENS
from bench.report import ms, ratio
from bench.texts import TARGET, exact_text
from bench.timing import Timed, interleaved
from bot.engine.lens import Lens
from bot.engine.model import LoadedModel
from bot.engine.query import AttentionQuery

REFERENCE = "attention"
COMMANDS = ("norms", "occlusion", "predict", "animation", "quiz")
PREDICT_TOP = 5


def masked(text: str, mask_token: str, word: str = TARGET) -> str:
    """``text`` with its first whole ``word`` replaced by ``mask_token`` (one token for one token)."""
    out, found = re.subn(rf"\b{re.escape(word)}\b", mask_token, text, count=1)
    if not found:
        raise ValueError(f"{word!r} is not a word of the text")
    return out


@dataclass
class CommandResult:
    shape: str
    tokens: int
    repeats: int
    times: dict[str, Timed] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def ms(self, name: str) -> float:
        timed = self.times.get(name)
        return timed.ms if timed else float("nan")

    def over_attention(self, name: str) -> float:
        """How many /attention requests one ``name`` request costs (nan when not measured)."""
        return ratio(self.ms(name), self.ms(REFERENCE))


def rows(results: Sequence[CommandResult]) -> list[list[str]]:
    """Table rows: shape, tokens, n, /attention ms, then each command's ms and its ratio."""
    out = []
    for r in results:
        cells = [r.shape, str(r.tokens), str(r.repeats), ms(r.ms(REFERENCE))]
        for name in COMMANDS:
            value = r.over_attention(name)
            cells.append("-" if value != value else f"{ms(r.ms(name))} ({value:.2f}x)")
        out.append(cells)
    return out


def measure_commands(
    shape: str, model: LoadedModel, tokens: int, repeats: int, *, cache_mb: int
) -> CommandResult:
    """Each command's first request, interleaved with /attention's; predict only with a head."""
    lens = Lens(model, max_chars=MAX_CHARS, max_tokens=MAX_TOKENS, cache_mb=cache_mb)
    with model.tokenizing() as tokenizer:
        text = exact_text(tokenizer, tokens)
        mask = tokenizer.mask_token
    query = AttentionQuery(TARGET)

    def fresh(fn: Callable[[], Any]) -> Callable[[], Any]:
        def first() -> Any:
            lens.cache.clear()  # the forward pass is part of every command's first request
            return fn()

        return first

    candidates: dict[str, Callable[[], Any]] = {
        REFERENCE: fresh(lambda: lens.attention_png(text, query)),
        "norms": fresh(lambda: lens.attention_png(text, replace(query, values="norms"))),
        "occlusion": fresh(lambda: lens.occlusion_png(text, query)),
        "animation": fresh(lambda: lens.animation_gif(text, replace(query, animate=True))),
        "quiz": fresh(lambda: lens.quiz(text, TARGET)),
    }
    if model.head is not None and mask:
        masked_text = masked(text, mask)
        candidates["predict"] = fresh(lambda: lens.predictions_png(masked_text, PREDICT_TOP))
    out = CommandResult(shape, tokens, repeats)
    for name, fn in list(candidates.items()):  # warm-up; a command that fails is reported, not hidden
        try:
            fn()
        except Exception as exc:
            out.errors[name] = f"{type(exc).__name__}: {exc}"
            del candidates[name]
    out.times = interleaved(candidates, repeats)
    return out
