"""The physical floor of one /attention request: the work no design can skip.

The tokenizer, the forward pass with attentions (``LoadedModel.forward``, the very forward the Lens
runs: a faster runner behind a setting speeds up the floor and BERT Lens alike), and encoding a PNG of
the same pixels BERT Lens sends, with the same encoder, but with no drawing at all.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from bot.engine.model import LoadedModel
from bot.engine.render.png import encode_png


def decoded_pixels(png: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image.convert("RGB")).copy()


def floor_request(model: LoadedModel, sentence: str, pixels: np.ndarray) -> bytes:
    with model.tokenizing() as tokenizer:
        inputs = tokenizer(sentence, return_tensors="pt")
    model.forward(inputs)
    return encode_png(pixels)
