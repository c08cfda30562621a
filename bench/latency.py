"""One shape at one length: what a user waits for, against the baseline and the floor, and where the
time goes (tokenize, forward, analyse, draw, encode), for the first request, a cache hit, and every
page (other layer, head, specials hidden, every view the renderer offers).

Every number for one (shape, length) comes from one interleaved loop, so its ratios share the same
background load. The model is a parameter: a second runner is measured by passing its LoadedModel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from functools import partial
from typing import Any

from bench.baseline import baseline_attention_png
from bench.floor import decoded_pixels, floor_request
from bench.texts import TARGET, exact_text
from bench.timing import Timed, interleaved
from bot.engine import render
from bot.engine.lens import Lens
from bot.engine.model import LoadedModel
from bot.engine.query import AttentionQuery, for_view
from bot.engine.render.png import encode_png
from bot.engine.results import attention_result
from bot.engine.tokens import encode

MAX_CHARS = 4000  # the MAX_CHARS setting's ceiling; 512 tokens of prose take about 2,600
MAX_TOKENS = 512  # the MAX_TOKENS setting's ceiling: every shape here has 512 positions
STEPS = ("tokenize", "forward", "analyse", "draw", "encode")


def views() -> tuple[str, ...]:
    """Every view the renderer draws, read from its table, so a view added later is measured too."""
    return tuple(render.FIGURES)


def pages() -> list[tuple[str, dict[str, Any]]]:
    """What the paging buttons change after a first request: layer, head, specials, then each view."""
    changes: list[tuple[str, dict[str, Any]]] = [
        ("layer 3", {"layer": 3}),
        ("head 5", {"head": 5}),
        ("hide specials", {"hide_special": True}),
    ]
    # Query options beyond views arrive with new features: page through them when the query has them.
    options = {f.name for f in fields(AttentionQuery)}
    if "values" in options:
        changes.append(("values norms", {"values": "norms"}))
    return changes + [(f"view {view}", {"view": view}) for view in views() if view != "word"]


@dataclass
class LengthResult:
    shape: str
    tokens: int
    repeats: int
    times: dict[str, Timed] = field(default_factory=dict)
    baseline_once: float | None = None  # ms, one run where interleaving would take too long
    baseline_note: str = ""
    errors: dict[str, str] = field(default_factory=dict)  # page -> what failed, reported, never hidden
    image_px: dict[str, tuple[int, int]] = field(default_factory=dict)

    def ms(self, name: str) -> float:
        timed = self.times.get(name)
        return timed.ms if timed else float("nan")

    @property
    def baseline(self) -> float:
        if "baseline" in self.times:
            return self.ms("baseline")
        return self.baseline_once if self.baseline_once is not None else float("nan")

    def step(self, name: str) -> float:
        """One step of a first request, ms; drawing is rendering less the PNG encoding in it."""
        if name == "draw":
            return self.ms("render") - self.ms("encode")
        return self.ms(name)

    @property
    def paging(self) -> float:
        """Mean ms of one page (cached forward pass: analyse + draw + encode)."""
        names = [n for n in self.times if n.startswith("page:")]
        return sum(self.ms(n) for n in names) / len(names) if names else float("nan")

    @property
    def render_alone(self) -> float:
        """Mean ms of drawing the same pages from ready results."""
        names = [n for n in self.times if n.startswith("render:")]
        return sum(self.ms(n) for n in names) / len(names) if names else float("nan")


def measure_length(
    shape: str,
    model: LoadedModel,
    tokens: int,
    repeats: int,
    *,
    baseline: str,
    cache_mb: int,
) -> LengthResult:
    """``baseline``: "interleaved" (every round), "once" (one run, it takes seconds) or "skip"."""
    lens = Lens(model, max_chars=MAX_CHARS, max_tokens=MAX_TOKENS, cache_mb=cache_mb)
    with model.tokenizing() as tokenizer:
        text = exact_text(tokenizer, tokens)
    got = len(lens.tokenize([text]).sentences[0])
    if got != tokens:
        raise RuntimeError(f"the engine counts {got} tokens in a text of {tokens}")
    query = AttentionQuery(TARGET)
    out = LengthResult(shape, tokens, repeats)

    # The image BERT Lens sends: its pixels are what the floor encodes. This also warms every path.
    result, image = lens.attention_png(text, query)
    pixels = decoded_pixels(image.png)
    analysis = lens.analyse(text)
    (_, inputs) = encode(model, [text], max_chars=MAX_CHARS, max_tokens=MAX_TOKENS, return_tensors="pt")

    # A first request gets a Lens of its own: clearing the pages' cache every round would also drop
    # what a page computes once per forward pass and keeps (rollout, norms), so every "page" would be
    # a first visit to its view. First visits are in the commands table (norms) and the docs.
    first_lens = Lens(model, max_chars=MAX_CHARS, max_tokens=MAX_TOKENS, cache_mb=cache_mb)

    def first() -> None:
        first_lens.cache.clear()
        first_lens.attention_png(text, query)

    candidates: dict[str, Callable[[], Any]] = {
        "floor": lambda: floor_request(model, text, pixels),
        "first": first,
        "hit": lambda: lens.attention_png(text, query),
        "tokenize": lambda: encode(
            model, [text], max_chars=MAX_CHARS, max_tokens=tokens, return_tensors="pt"
        ),
        "forward": lambda: model.forward(inputs),
        "analyse": lambda: attention_result(analysis, query),
        "render": lambda: render.render_attention(result),
        "encode": lambda: encode_png(pixels),
    }
    hf_tokenizer = model.tokenizer  # one thread here: the seed-style code takes no lock
    if baseline == "interleaved":
        candidates["baseline"] = lambda: baseline_attention_png(hf_tokenizer, model.model, text, TARGET)

    for label, change in pages():
        paged = for_view(replace(query, **change))
        try:
            paged_result, paged_image = lens.attention_png(text, paged)
        except Exception as exc:  # a view that cannot draw this length is a finding, not a crash
            out.errors[label] = f"{type(exc).__name__}: {exc}"
            continue
        out.image_px[label] = (paged_image.width, paged_image.height)
        candidates[f"page:{label}"] = partial(lens.attention_png, text, paged)
        candidates[f"render:{label}"] = partial(render.render_attention, paged_result)

    # Warm-up: the request above already ran the forward pass at this length and every page; the rest
    # run once here (the baseline's first figure, encoders at this size), so no round pays a first call.
    for name, fn in candidates.items():
        if name not in ("floor", "first", "forward") and not name.startswith(("page:", "render:")):
            fn()
    out.times = interleaved(candidates, repeats)

    if baseline == "once":
        timed = interleaved(
            {"baseline": lambda: baseline_attention_png(hf_tokenizer, model.model, text, TARGET)}, 1
        )
        out.baseline_once = timed["baseline"].ms
        out.baseline_note = "one run, not interleaved"
    elif baseline == "skip":
        out.baseline_note = "skipped"
    return out
