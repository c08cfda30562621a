"""The straightforward pipeline the seed post implies, re-implemented as the benchmark's baseline.

Tokenizer + forward pass with ``output_attentions=True``, then a pyplot heatmap with a label in every
cell, a colour bar and ``bbox_inches="tight"``, saved to PNG. This is what a first version of the bot
would do; it is here only to be measured against.
"""

from __future__ import annotations

import inspect
import io
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch


def baseline_attention_png(tokenizer: Any, model: Any, sentence: str, word: str) -> bytes:
    inputs = tokenizer(sentence, return_tensors="pt")
    # DistilBERT takes no token_type_ids: the one concession to running other shapes.
    accepted = inspect.signature(model.forward).parameters
    inputs = {k: v for k, v in inputs.items() if k in accepted}
    with torch.no_grad():
        outputs = model(**inputs, output_attentions=True)
    attentions = [a[0].detach().numpy() for a in outputs.attentions]  # as in the seed post
    tokens = tokenizer.convert_ids_to_tokens(inputs["input_ids"][0])
    index = tokens.index(word.lower())
    rows = [layer.mean(axis=0)[index] for layer in attentions]

    fig, ax = plt.subplots(figsize=(10, 5))
    image = ax.imshow(rows, cmap="viridis", aspect="auto")
    ax.set_xticks(range(len(tokens)), tokens, rotation=45, ha="right")
    ax.set_yticks(range(len(rows)), [f"layer {i + 1}" for i in range(len(rows))])
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            ax.text(c, r, f"{value:.2f}", ha="center", va="center", color="white", fontsize=8)
    fig.colorbar(image, ax=ax)
    ax.set_title(f"Attention of '{word}' in: {sentence}")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()
