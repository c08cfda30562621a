"""The physical floor of one /attention request: the work no design can skip.

Tokenizer + forward pass (with attentions), plus encoding a PNG of the same pixels BERT Lens sends,
with the same encoder, but with no drawing at all.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import torch
from PIL import Image


def decoded_pixels(png: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image.convert("RGB")).copy()


def floor_request(tokenizer: Any, model: Any, sentence: str, pixels: np.ndarray, encode: Any) -> bytes:
    inputs = tokenizer(sentence, return_tensors="pt")
    with torch.inference_mode():
        model(**inputs, output_attentions=True)
    return encode(pixels)
