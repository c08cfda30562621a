"""What the renderer hands back."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Image:
    """A rendered PNG and what a screen reader or a caption should say about it."""

    png: bytes
    width: int
    height: int
    filename: str
    alt_text: str
