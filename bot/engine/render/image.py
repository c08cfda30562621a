"""What the renderer hands back."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Image:
    """A rendered image and what a screen reader or a caption should say about it. ``png`` holds the
    encoded file: a PNG, or for an animation (``format`` "GIF") the GIF's bytes."""

    png: bytes
    width: int
    height: int
    filename: str
    alt_text: str
    format: str = "PNG"
    frames: int = 1
