"""Plain text shaping shared by every output (CLI, Discord, images): display width and the one way
to shorten text visibly. Imports nothing from the rest of BERT Lens.

Display width counts Hangul and other wide characters as two cells, so monospace tables line up in
a terminal and in a Discord code block alike.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Protocol

ELLIPSIS = "\u2026"


def clip(text: str, limit: int) -> str:
    """``text`` if it fits in ``limit`` characters, else its start and an ellipsis (``limit`` in all)."""
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def one_line(text: str, limit: int = 120) -> str:
    """Collapse whitespace (newlines would break a table row or a title) and shorten visibly."""
    return clip(" ".join(text.split()), limit)


def display_width(text: str) -> int:
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text
    )


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


class _Weighted(Protocol):
    @property
    def token(self) -> str: ...

    @property
    def weight(self) -> float: ...


def weighted_list(items: Iterable[_Weighted], sep: str = ", ", token_chars: int | None = None) -> str:
    """``eating 0.24, an 0.11``: tokens with their weights, as captions, alt texts and the CLI list them."""
    return sep.join(
        f"{item.token if token_chars is None else clip(item.token, token_chars)} {item.weight:.2f}"
        for item in items
    )


def probability(value: float) -> str:
    """A probability as every output shows it: three decimals (0.412, 0.008), and ``<0.001`` for what
    would round to 0.000 (the JSON keeps the exact number)."""
    return f"{value:.3f}" if value >= 0.0005 else "<0.001"
