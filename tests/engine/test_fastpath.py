"""The fast path (FAST_PATH, bot/engine/fastpath.py) gives what eager transformers gives: every attention
weight and hidden state within 2e-4, for the bundled all-MiniLM-L6-v2 (real trained weights) and for
every architecture family in tests/helpers/families.py (tiny models with RANDOM weights: plumbing —
shapes, masks, position ids, relative attention, exports — not meaning). It falls back to eager when it
must, says why once, and is a start-up error only when FAST_PATH=onnx asks for it.

Exports are the slow part (seconds each): one per model per module, kept in a module-wide cache folder.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")
pytest.importorskip("onnxscript")

from bot.engine import fastpath
from bot.engine.errors import ModelUnavailable
from bot.engine.lens import Lens
from bot.engine.model import LoadedModel, load_model
from bot.engine.registry import ModelRegistry
from bot.engine.tokens import encode
from tests.helpers import families

TOL = 2e-4
SENTENCES = (
    "I am eating an apple",
    "Apple is huge enterprise",
    "나는 사과를 먹었다",
    'He said: "I love ☕ and 깍두기"  twice',
)


def worst(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> float:
    assert a[0].shape == b[0].shape and a[1].shape == b[1].shape
    assert a[0].dtype == b[0].dtype == np.float32 and a[1].dtype == b[1].dtype == np.float32
    return float(max(np.abs(a[0] - b[0]).max(), np.abs(a[1] - b[1]).max()))


def inputs(lm: LoadedModel, text: str) -> dict[str, Any]:
    (_, encoded) = encode(lm, [text], max_chars=10_000, max_tokens=512, return_tensors="pt")
    return dict(encoded)


def long_text(lm: LoadedModel, tokens: int) -> str:
    """Prose cut to exactly ``tokens`` tokens, specials included."""
    words = (
        "the quick brown fox jumps over a lazy dog while seven wizards quietly judge boxes " * 60
    ).split()
    low, high = 1, len(words)
    while low < high:  # the longest prefix that fits
        mid = (low + high + 1) // 2
        with lm.tokenizing() as tokenizer:
            n = len(tokenizer(" ".join(words[:mid]))["input_ids"])
        low, high = (mid, high) if n <= tokens else (low, mid - 1)
    return " ".join(words[:low])


@pytest.fixture(scope="module")
def onnx_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx")


# ------------------------------------------------------------------------------ the bundled model


@pytest.fixture(scope="module")
def fast_bundled(onnx_dir: Path) -> LoadedModel:
    """The bundled model with the fast path: its own copy (the session's shared model stays eager)."""
    lm = load_model("bundled", torch_threads=1)
    fastpath.attach(lm, "onnx", cache_dir=onnx_dir, threads=1)
    assert lm.fast is not None
    return lm


def test_the_bundled_models_self_check_passes_at_every_length(fast_bundled, onnx_dir):
    fast = fast_bundled.fast
    assert set(fast.differences) == {8, 33, 130}
    assert max(fast.differences.values()) <= TOL
    assert fast.exported and fast.path.is_file() and fast.path.parent.parent == onnx_dir
    assert fast.nbytes > 50_000_000  # its own copy of the weights, counted in the model's size
    assert fast_bundled.nbytes > fast.nbytes


@pytest.mark.parametrize("text", SENTENCES)
def test_bundled_sentences_match_eager(fast_bundled, text):
    encoded = inputs(fast_bundled, text)
    before = fast_bundled.fast.calls[0]
    got = fast_bundled.forward(encoded)
    assert fast_bundled.fast.calls[0] == before + 1  # it took the fast path
    assert worst(got, fast_bundled.forward_eager(encoded)) <= TOL


@pytest.mark.parametrize("tokens", [2, 64, 257, 512])
def test_bundled_lengths_the_check_did_not_see_match_eager(fast_bundled, tokens):
    text = "" if tokens == 2 else long_text(fast_bundled, tokens)
    encoded = inputs(fast_bundled, text) if text else _specials_only(fast_bundled)
    assert encoded["input_ids"].shape[1] == tokens
    assert worst(fast_bundled.fast.run(encoded), fast_bundled.forward_eager(encoded)) <= TOL


def _specials_only(lm: LoadedModel) -> dict[str, Any]:
    import torch

    with lm.tokenizing() as tokenizer:
        ids = torch.tensor([[tokenizer.cls_token_id, tokenizer.sep_token_id]])
    return {"input_ids": ids, "attention_mask": torch.ones_like(ids), "token_type_ids": torch.zeros_like(ids)}


def test_lens_numbers_are_eagers(fast_bundled, lens):
    """What users see (the Lens's analysis) through the fast path equals the eager model's."""
    fast = Lens(fast_bundled).analyse(SENTENCES[0])
    eager = lens.analyse(SENTENCES[0])
    assert fast.sentence.tokens == eager.sentence.tokens
    np.testing.assert_allclose(fast.attentions, eager.attentions, atol=TOL, rtol=0)
    np.testing.assert_allclose(fast.hidden_states, eager.hidden_states, atol=TOL, rtol=0)


def test_two_threads_at_once_get_their_own_answers(fast_bundled):
    texts = [long_text(fast_bundled, n) for n in (9, 40, 100, 17)] * 3
    expected = [fast_bundled.forward_eager(inputs(fast_bundled, t)) for t in texts]
    with ThreadPoolExecutor(2) as pool:
        got = list(pool.map(lambda t: fast_bundled.forward(inputs(fast_bundled, t)), texts))
    assert all(worst(g, e) <= TOL for g, e in zip(got, expected, strict=True))


def test_inputs_it_was_not_checked_for_go_to_eager(fast_bundled):
    import torch

    encoded = inputs(fast_bundled, SENTENCES[0])
    padded = {k: torch.cat([v, v[:, :1] * 0], dim=1) for k, v in encoded.items()}  # a mask with a 0
    batch = {k: torch.cat([v, v]) for k, v in encoded.items()}
    for odd in (padded, batch, {"input_ids": encoded["input_ids"]}):
        assert fast_bundled.fast.run(odd) is None
    eager = fast_bundled.forward_eager(padded)
    got = fast_bundled.forward(padded)
    assert np.array_equal(got[0], eager[0]) and np.array_equal(got[1], eager[1])


def test_a_second_start_loads_the_kept_export(fast_bundled, onnx_dir):
    again = load_model("bundled", torch_threads=1)
    fastpath.attach(again, "auto", cache_dir=onnx_dir, threads=1)
    assert again.fast is not None and not again.fast.exported
    assert again.fast.path == fast_bundled.fast.path
    assert max(again.fast.differences.values()) <= TOL


# ------------------------------------------------------------------- every architecture family


@pytest.fixture(scope="module")
def fast_family(family_dir: Any, onnx_dir: Path) -> Any:
    """``fast_family(name)``: that family freshly loaded (RANDOM weights) with the fast path required."""
    loaded: dict[str, LoadedModel] = {}

    def get(name: str) -> LoadedModel:
        if name not in loaded:
            lm = load_model(str(family_dir(name)), torch_threads=1)
            fastpath.attach(lm, "onnx", cache_dir=onnx_dir, threads=1)
            loaded[name] = lm
        return loaded[name]

    return get


@pytest.mark.parametrize("name", families.FAMILIES)
def test_every_family_matches_eager(fast_family, name):
    """RANDOM weights. The self-check (8, 33 and 128 tokens: these models have 128 positions) and
    real sentences, Korean and emoji included, at their own lengths and at the longest allowed."""
    lm = fast_family(name)
    assert set(lm.fast.differences) == {8, 33, families.MAX_TOKENS}
    assert max(lm.fast.differences.values()) <= TOL
    for text in (*SENTENCES, long_text(lm, families.MAX_TOKENS)):
        encoded = inputs(lm, text)
        got = lm.fast.run(encoded)
        assert got is not None, text
        assert worst(got, lm.forward_eager(encoded)) <= TOL, text


def test_the_registry_sets_it_up_where_the_model_loads(family_dir, onnx_dir):
    """FAST_PATH reaches the model through the registry (in the worker that loads it). RANDOM weights."""
    path = str(family_dir("distilbert"))
    registry = ModelRegistry([path], fast_path="auto", fast_dir=onnx_dir, torch_threads=1)
    lm = registry.lens().model
    assert lm.fast is not None and lm.fast.calls == (0, 0)
    registry.lens().analyse(SENTENCES[0])
    assert lm.fast.calls == (1, 0)
    off = ModelRegistry([path], fast_path="off", torch_threads=1)
    assert off.lens().model.fast is None


# --------------------------------------------------------------------------------- falling back


@pytest.fixture
def plain(family_model: Any) -> Any:
    """A fresh eager LoadedModel of a family (RANDOM weights), so attach never touches shared ones."""

    def make(name: str = "bert-uncased") -> LoadedModel:
        shared = family_model(name)
        return LoadedModel(
            name=shared.name,
            source=shared.source,
            tokenizer=shared.tokenizer,
            model=shared.model,
            num_layers=shared.num_layers,
            num_heads=shared.num_heads,
            max_positions=shared.max_positions,
        )

    return make


def test_auto_without_onnxruntime_stays_eager_with_one_warning(plain, monkeypatch, caplog, onnx_dir):
    monkeypatch.setattr(fastpath, "missing_packages", lambda: ["onnxruntime"])
    lm = plain()
    with caplog.at_level(logging.WARNING, logger="bot.engine.fastpath"):
        fastpath.attach(lm, "auto", cache_dir=onnx_dir, threads=1)
    assert lm.fast is None
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "onnxruntime not installed" in warnings[0].getMessage()
    assert "bertlens[fast]" in warnings[0].getMessage()


def test_onnx_without_onnxruntime_is_a_clear_start_up_error(plain, monkeypatch, onnx_dir):
    monkeypatch.setattr(fastpath, "missing_packages", lambda: ["onnxruntime"])
    with pytest.raises(ModelUnavailable) as info:
        fastpath.attach(plain(), "onnx", cache_dir=onnx_dir, threads=1)
    assert info.value.reason == "fast_path"
    assert "FAST_PATH=onnx" in str(info.value) and "onnxruntime not installed" in str(info.value)


async def test_onnx_that_cannot_be_used_stops_the_service_start(plain, monkeypatch, onnx_dir):
    from bot.service import LensService

    monkeypatch.setattr(fastpath, "missing_packages", lambda: ["onnxscript"])
    lm = plain()
    registry = ModelRegistry(["m"], load=lambda _: lm, fast_path="onnx", fast_dir=onnx_dir)
    service = LensService(registry, workers=1)
    try:
        with pytest.raises(ModelUnavailable, match="FAST_PATH=onnx"):
            await service.start()
    finally:
        service.close()


def test_a_failed_self_check_keeps_eager_and_says_why(plain, monkeypatch, caplog, onnx_dir, fast_family):
    fast_family("bert-uncased")  # its export is kept: this one loads it
    monkeypatch.setattr(fastpath, "TOLERANCE", -1.0)  # nothing can pass
    lm = plain("bert-uncased")
    with caplog.at_level(logging.WARNING, logger="bot.engine.fastpath"):
        fastpath.attach(lm, "auto", cache_dir=onnx_dir, threads=1)
    assert lm.fast is None
    (record,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "self-check differs from eager" in record.getMessage()


def test_an_unchecked_architecture_stays_eager(plain, monkeypatch, onnx_dir, caplog):
    monkeypatch.setattr(fastpath, "SUPPORTED_MODEL_TYPES", frozenset({"distilbert"}))
    lm = plain("bert-uncased")
    with caplog.at_level(logging.WARNING, logger="bot.engine.fastpath"):
        fastpath.attach(lm, "auto", cache_dir=onnx_dir, threads=1)
    assert lm.fast is None and "bert architecture was not checked" in caplog.text


def test_off_does_nothing(plain, onnx_dir):
    lm = plain()
    fastpath.attach(lm, "off", cache_dir=onnx_dir, threads=1)
    assert lm.fast is None
