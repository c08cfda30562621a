"""PNG bytes from RGB pixels, without Pillow's encoder.

Pillow's encoder tries all five PNG filters on every row, which costs three times as long as the
deflate itself and buys nothing on flat heatmap colours (our images come out smaller this way);
measured in ``python -m bench`` (the floor and "rendering alone" rows).
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

from bot.engine.render.style import PNG_COMPRESS_LEVEL


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(pixels: np.ndarray, level: int = PNG_COMPRESS_LEVEL) -> bytes:
    """An 8-bit RGB PNG with no row filters."""
    height, width, channels = pixels.shape
    if channels != 3:
        raise ValueError("encode_png takes RGB pixels")
    rows = np.empty((height, 1 + width * 3), dtype=np.uint8)
    rows[:, 0] = 0  # filter type None
    rows[:, 1:] = pixels.reshape(height, width * 3)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8 bits, truecolour, no interlace
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows.data, level))
        + _chunk(b"IEND", b"")
    )
