"""The Lens front door for norms, occlusion and predictions (the cached forward pass is reused, norms
are computed once per sentence), and the JSON of every new result."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest

from bot.engine import lens as lens_module
from bot.engine.errors import InvalidChoice, OptionConflict
from bot.engine.json_forms import to_json
from bot.engine.lens import Lens
from bot.engine.model import load_model
from bot.engine.query import AttentionQuery
from bot.engine.registry import ModelRegistry

SEED_A = "Apple is huge enterprise"
SEED_B = "I am eating an apple"


@pytest.fixture
def counted(bundled_model, monkeypatch):
    """Forward passes and norm computations counted."""
    calls: dict[str, int] = {"forward": 0, "norms": 0}
    real_forward, real_norms = bundled_model.forward, lens_module.value_norms

    def forward(encoded: Any) -> Any:
        calls["forward"] += 1
        return real_forward(encoded)

    def value_norms(lm: Any, analysis: Any) -> Any:
        calls["norms"] += 1
        time.sleep(0.05)  # so concurrent callers overlap
        return real_norms(lm, analysis)

    monkeypatch.setattr(bundled_model, "forward", forward)
    monkeypatch.setattr(lens_module, "value_norms", value_norms)
    return calls


# --------------------------------------------------------------------------------------------- norms


def test_paging_norms_computes_them_once_from_the_cached_forward_pass(lens, counted):
    for layer in range(1, 7):
        for query in (
            AttentionQuery("apple", layer=layer, values="norms"),
            AttentionQuery("apple", layer=layer, head=3, hide_special=True, values="norms"),
            AttentionQuery("eating", layer=layer, agg="max", values="norms"),
            AttentionQuery("eating", layer=layer, view="matrix", values="norms"),
        ):
            lens.attention_png(SEED_B, query)
    lens.attention(SEED_B, AttentionQuery("apple"))
    assert counted == {"forward": 1, "norms": 1}
    norms = lens.norms(SEED_B)
    assert lens.cache.nbytes == lens.analyse(SEED_B).nbytes + norms.nbytes


def test_concurrent_requests_share_one_norms_computation(lens, counted):
    lens.analyse(SEED_A)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: lens.norms(SEED_A), range(4)))
    assert all(r is results[0] for r in results)
    assert counted == {"forward": 1, "norms": 1}


def test_forgetting_a_model_forgets_its_norms(bundled_model):
    registry = ModelRegistry(["bundled"], load=lambda name: bundled_model)
    lens = registry.lens()
    lens.norms(SEED_A)
    assert len(registry.analyses) == 2
    registry._forget("bundled", lens)
    assert len(registry.analyses) == 0


def test_norms_json(lens):
    result = lens.attention(SEED_B, AttentionQuery("apple", layer=3, hide_special=True, values="norms"))
    data = json.loads(json.dumps(to_json(result)))
    assert data["values"] == "norms" and data["layer"] == 3 and data["aggregation"] == "mean"
    assert data["tokens"] == ["i", "am", "eating", "an", "apple"] and data["columns"] == [1, 2, 3, 4, 5]
    assert len(data["norms"]) == len(data["norms_raw"]) == 6
    np.testing.assert_allclose([sum(row) for row in data["norms"]], 1.0, atol=1e-5)
    norms = lens.norms(SEED_B)
    np.testing.assert_allclose(data["norms_raw"], norms.combined[:, 5, 1:6], atol=1e-6)
    assert data["word"]["token_indices"] == [5]
    top = data["top"][0]
    assert top["index"] != 5 and top["norm"] == pytest.approx(
        float(norms.combined[2, 5, top["index"]]), abs=1e-6
    )
    head = to_json(lens.attention(SEED_B, AttentionQuery("apple", head=2, values="norms")))
    assert head["head"] == 2 and head["aggregation"] == "head"
    np.testing.assert_allclose(head["norms_raw"], norms.per_head[:, 1, 5, :], atol=1e-6)


def test_norms_refuse_the_rollout_view(lens):
    with pytest.raises(OptionConflict) as info:
        lens.attention(SEED_B, AttentionQuery("apple", view="rollout", values="norms"))
    assert info.value.params["case"] == "rollout_norms"


def test_weights_json_has_no_norms(lens):
    data = to_json(lens.attention(SEED_B, AttentionQuery("apple")))
    assert data["values"] == "weights" and "norms" not in data and "norms_raw" not in data
    assert "attention" in data


# ----------------------------------------------------------------------------------------- occlusion


def test_occlusion_through_the_lens_numbers_layers_from_one(lens, counted):
    result = lens.occlusion(SEED_B, AttentionQuery("apple", layer=4, head=2))
    assert result.layer == 3 and result.heads.head == 1
    assert counted["forward"] == 3  # the sentence (cached), then one per removal
    data = json.loads(json.dumps(to_json(result)))
    assert data["layer"] == 4 and data["head"] == 2 and data["method"] == "masked"
    assert [r["which"] for r in data["removals"]] == ["top", "least"]
    for removal, computed in zip(data["removals"], result.removals, strict=True):
        assert len(removal["shift"]) == 6
        assert removal["shift_embeddings"] == pytest.approx(0.0, abs=1e-9)
        np.testing.assert_allclose(removal["shift"], computed.shift[1:])
        assert removal["tokens_after"][removal["index"]] == "[MASK]"


def test_occlusion_deletes_when_asked(lens):
    data = to_json(lens.occlusion(SEED_B, AttentionQuery("apple"), method="delete"))
    assert data["method"] == "deleted"
    assert all(len(r["tokens_after"]) == 6 and r["word_indices_after"] == [4] for r in data["removals"])


# ---------------------------------------------------------------------------------------- comparison


def test_comparison_json_carries_the_band(lens):
    comparison = lens.compare("apple", SEED_A, SEED_B)
    data = json.loads(json.dumps(to_json(comparison)))
    band = data["baseline"]
    assert band["percentiles"] == [10, 50, 90] and band["tokens"] == 7
    assert len(band["low"]) == len(band["median"]) == len(band["high"]) == len(data["cosine"]) == 6
    assert comparison.baseline is not None
    assert band["embeddings"]["median"] == pytest.approx(float(comparison.baseline.median[0]))
    np.testing.assert_allclose(band["high"], comparison.baseline.high[1:])
    assert to_json(lens.compare("apple", "apple", "apple"))["baseline"] is None


# --------------------------------------------------------------------------------------- predictions


@pytest.fixture(scope="module")
def bert_mlm(family_dir: Any) -> Any:
    """The bert-uncased family's *ForMaskedLM (RANDOM weights: plumbing, not meaning)."""
    return load_model(str(family_dir("bert-uncased", masked_lm=True)), torch_threads=1)


def test_predictions_through_the_lens_reuse_the_forward_pass(bert_mlm, monkeypatch):
    lens = Lens(bert_mlm)
    calls = []
    real = bert_mlm.forward
    monkeypatch.setattr(bert_mlm, "forward", lambda encoded: calls.append(1) or real(encoded))
    text = "[MASK] is huge [MASK]"
    lens.attention(text, AttentionQuery("huge"))
    result = lens.predictions(text, k=3)
    assert len(calls) == 1
    data = json.loads(json.dumps(to_json(result)))
    assert data["k"] == 3 and data["num_layers"] == 2
    assert [m["index"] for m in data["masks"]] == [1, 4]
    for mask, computed in zip(data["masks"], result.masks, strict=True):
        assert [g["id"] for g in mask["top"]] == [g.token_id for g in computed.final]
        assert mask["lens_embeddings"]["reliable"] is False
        assert [layer["layer"] for layer in mask["lens"]] == [1, 2]
        assert [layer["reliable"] for layer in mask["lens"]] == [False, True]
        assert mask["lens"][-1]["top"] == mask["top"]
        probabilities = [g["probability"] for g in mask["top"]]
        assert probabilities == sorted(probabilities, reverse=True) and 0 < sum(probabilities) <= 1


def test_threads_share_the_lens_safely(bert_mlm):
    lens = Lens(bert_mlm)
    texts = ["[MASK] is huge enterprise", "I am eating an [MASK]", "[MASK] am eating"]
    expected = {text: Lens(bert_mlm).predictions(text).masks for text in texts}
    errors: list[BaseException] = []

    def work(text: str) -> None:
        try:
            assert lens.predictions(text).masks == expected[text]
            lens.norms(text)
            lens.occlusion(text, AttentionQuery("is" if "is" in text else "eating"))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(text,)) for text in texts * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors


def test_predictions_read_another_spelling_of_the_mask_and_say_so(bert_mlm):
    """RANDOM weights: "[mask]" and "<MASK>" are read as the model's [MASK], with the same numbers as
    the sentence typed with [MASK] itself, and the result keeps what was typed."""
    lens = Lens(bert_mlm)
    typed = lens.predictions("[mask] is huge <MASK>", k=3)
    exact = lens.predictions("[MASK] is huge [MASK]", k=3)
    assert typed.masks == exact.masks and typed.mask == "[MASK]"
    assert typed.analysis.sentence.text == "[MASK] is huge [MASK]"
    assert (typed.typed, typed.aliases) == ("[mask] is huge <MASK>", ("[mask]", "<MASK>"))
    assert (exact.typed, exact.aliases) == (None, ())


def test_a_model_without_a_head_is_refused_before_any_forward_pass(bundled_model, monkeypatch):
    monkeypatch.setattr(bundled_model, "forward", lambda *a: pytest.fail("ran the model"))
    with pytest.raises(InvalidChoice) as info:
        Lens(bundled_model).predictions("I am [MASK] an apple")
    assert "masked-LM head" in str(info.value)
