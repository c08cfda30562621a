"""What a user asks for, as they state it (layers and heads numbered from 1), and the one place
that checks it against the model and converts it to the engine's 0-based indices."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from bot.engine.errors import InvalidChoice, OptionConflict, OutOfRange
from bot.engine.tokens import check_text
from bot.engine.words import check_word

Aggregation = Literal["mean", "max", "head"]
View = Literal["word", "heads", "matrix", "grid", "rollout"]
AGGREGATIONS: tuple[str, ...] = ("mean", "max")
VIEWS: tuple[str, ...] = ("word", "heads", "matrix", "grid", "rollout")
# What a cell shows: attention weights, or value-weighted norms (Kobayashi et al. 2020) as row shares.
VALUES: tuple[str, ...] = ("weights", "norms")
# Views that can play every layer in turn as an animation (``AttentionQuery.animate``), and the names
# Discord's view menu gives them: the word view (its selected layer moving down) and the matrix view.
ANIMATED_VIEWS: tuple[str, ...] = ("word", "matrix")
ANIMATIONS: dict[str, str] = {"animation": "word", "animation_matrix": "matrix"}


@dataclass(frozen=True)
class HeadChoice:
    """How heads are combined: the mean over heads, the max over heads, or one head (0-based)."""

    agg: Aggregation = "mean"
    head: int | None = None

    def apply(self, per_head: np.ndarray, axis: int) -> np.ndarray:
        if self.agg == "head":
            assert self.head is not None
            return np.take(per_head, self.head, axis=axis)
        if self.agg == "max":
            return per_head.max(axis=axis)
        return per_head.mean(axis=axis)

    @property
    def is_distribution(self) -> bool:
        """Mean and single-head rows sum to 1; a max over heads does not."""
        return self.agg != "max"


MEAN_OF_HEADS = HeadChoice()


@dataclass(frozen=True)
class AttentionQuery:
    """A request as users state it: layer and head numbered from 1, None meaning the defaults."""

    word: str
    occurrence: int = 1
    layer: int | None = None  # 1-based; None = last layer
    head: int | None = None  # 1-based; None = aggregate with ``agg``
    agg: str = "mean"
    hide_special: bool = False
    view: str = "word"
    values: str = "weights"
    animate: bool = False  # every layer in turn, one frame each (``layer`` must then be None)


def animation_query(query: AttentionQuery, choice: str) -> AttentionQuery:
    """``query`` with a view as Discord's menu names it: an animation's name becomes the view it
    animates with ``animate`` set; any other name is the view itself."""
    if choice in ANIMATIONS:
        return replace(query, view=ANIMATIONS[choice], animate=True)
    return replace(query, view=choice, animate=False)


def menu_view(query: AttentionQuery) -> str:
    """The name Discord's view menu gives what ``query`` shows (``animation_query``'s inverse)."""
    if query.animate:
        return next(name for name, view in ANIMATIONS.items() if view == query.view)
    return query.view


@dataclass(frozen=True)
class Resolved:
    layer: int  # 0-based
    heads: HeadChoice
    view: str


def resolve_query(query: AttentionQuery, num_layers: int, num_heads: int) -> Resolved:
    """Check the user's numbers and choices against the model and convert them to 0-based."""
    check_choices(query)
    layer = num_layers if query.layer is None else query.layer
    if not 1 <= layer <= num_layers:
        raise OutOfRange("layer", layer, num_layers)
    if query.head is not None:
        if not 1 <= query.head <= num_heads:
            raise OutOfRange("head", query.head, num_heads)
        heads = HeadChoice("head", query.head - 1)
    elif query.agg == "head":
        raise InvalidChoice("aggregation", "head (without a head number)", AGGREGATIONS)
    else:
        heads = HeadChoice(query.agg)  # type: ignore[arg-type]
    return Resolved(layer=layer - 1, heads=heads, view=query.view)


def check_choices(query: AttentionQuery) -> None:
    """The view and aggregation are ones BERT Lens knows and go together (no model needed)."""
    if query.view not in VIEWS:
        raise InvalidChoice("view", str(query.view), VIEWS)
    if query.agg not in (*AGGREGATIONS, "head"):
        raise InvalidChoice("aggregation", str(query.agg), AGGREGATIONS)
    if query.agg == "max" and query.head is not None:
        raise OptionConflict("max_head")
    if query.view == "rollout" and (query.head is not None or query.agg == "max"):
        raise OptionConflict("rollout")
    if query.view == "grid" and (query.head is not None or query.layer is not None):
        raise OptionConflict("grid")
    if query.values not in VALUES:
        raise InvalidChoice("values", str(query.values), VALUES)
    if query.view == "rollout" and query.values == "norms":
        raise OptionConflict("rollout_norms")
    if query.animate and query.view not in ANIMATED_VIEWS:
        raise OptionConflict("animation_view")
    if query.animate and query.layer is not None:
        raise OptionConflict("animation_layer")


def for_view(query: AttentionQuery) -> AttentionQuery:
    """The query without what its view does not use (the paging view keeps the user's layer and head
    while it shows a view that takes none, and asks with this)."""
    if query.view == "rollout":
        return replace(query, head=None, agg="mean", values="weights")
    if query.view == "grid":
        return replace(query, head=None, layer=None)
    if query.animate:
        return replace(query, layer=None)
    return query


def precheck(
    text: str,
    query: AttentionQuery,
    *,
    max_chars: int,
    num_layers: int | None = None,
    num_heads: int | None = None,
) -> None:
    """Every check that needs neither the tokenizer nor the model, so a bot can answer bad input at
    once instead of after queueing for a worker. Layer and head numbers are checked when the model's
    shape is known."""
    check_text(text, max_chars=max_chars)
    if num_layers is None or num_heads is None:
        check_choices(query)
    else:
        resolve_query(query, num_layers, num_heads)
    check_word(text, query.word, query.occurrence)
