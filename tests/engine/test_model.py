"""Which model: the bundled one, the offline fallback, helpful failures, and a DistilBERT built from
a config."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch

from bot.engine import model as model_module
from bot.engine.errors import ModelUnavailable
from bot.engine.json_forms import to_json
from bot.engine.lens import Lens
from bot.engine.model import from_objects, load_model
from bot.engine.query import AttentionQuery
from bot.engine.tokens import encode

SEED = ["Apple is huge enterprise", "I am eating an apple"]


# ------------------------------------------------------------------------------------------- bundled


def test_bundled_model_is_named_and_shaped(bundled_model):
    assert bundled_model.name == "sentence-transformers/all-MiniLM-L6-v2 (bundled)"
    assert (bundled_model.num_layers, bundled_model.num_heads) == (6, 12)
    assert bundled_model.max_positions == 512
    assert bundled_model.fell_back is False
    assert not bundled_model.model.training
    assert bundled_model.model.config._attn_implementation == "eager"
    assert model_module.bundled_model_path() is not None


def test_forward_returns_float32_attentions_and_hidden_states(bundled_model):
    _reports, inputs = encode(bundled_model, ["hello world"], return_tensors="pt")
    attentions, hidden = bundled_model.forward(inputs)
    assert attentions.shape == (6, 12, 4, 4) and attentions.dtype == np.float32
    assert hidden.shape == (7, 4, 384) and hidden.dtype == np.float32


@pytest.fixture
def empty_hub_cache(monkeypatch, tmp_path):
    """An empty Hugging Face cache, offline: nothing but the bundled model can be loaded."""
    import huggingface_hub.constants as hub_constants

    home = tmp_path / "hf-home"
    (home / "hub").mkdir(parents=True)
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.setenv("HF_HUB_CACHE", str(home / "hub"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    # huggingface_hub reads the cache location when it is imported; point the live value at it too.
    monkeypatch.setattr(hub_constants, "HF_HUB_CACHE", str(home / "hub"))
    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", True)
    return home


def test_default_model_falls_back_to_bundled_with_one_warning(empty_hub_cache, caplog):
    caplog.set_level(logging.INFO)
    loaded = load_model("distilbert-base-uncased")
    assert loaded.fell_back is True
    assert loaded.name == "sentence-transformers/all-MiniLM-L6-v2 (bundled)"
    assert (loaded.num_layers, loaded.num_heads) == (6, 12)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    message = warnings[0].getMessage()
    assert warnings[0].levelno == logging.WARNING
    assert warnings[0].name == "bot.engine.model"
    assert "distilbert-base-uncased" in message and "bundled" in message
    assert "\n" not in message
    # The fallback reads the seed sentences with the seed's ids.
    report = Lens(loaded).tokenize(SEED)
    assert list(report.sentences[0].input_ids) == [101, 6207, 2003, 4121, 6960, 102, 0]


def test_hub_is_never_probed_when_offline(empty_hub_cache, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("tried to open a network connection while HF_HUB_OFFLINE=1")

    monkeypatch.setattr(model_module.socket, "create_connection", no_network)
    assert model_module._hub_reachable() is False


def test_explicit_unavailable_model_raises_a_helpful_error(empty_hub_cache, caplog):
    with pytest.raises(ModelUnavailable) as info:
        load_model("nonexistent/model-xyz")
    message = str(info.value)
    assert "nonexistent/model-xyz" in message
    assert "MODEL=bundled" in message  # says what to do
    assert "\n" not in message
    # No silent fallback for a model someone asked for by name.
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.parametrize("config", [None, "{}", '{"model_type": "no-such-architecture"}'])
def test_local_directory_that_is_not_a_model_raises_model_unavailable(empty_hub_cache, tmp_path, config):
    directory = tmp_path / "not-a-model"
    directory.mkdir()
    if config is not None:
        (directory / "config.json").write_text(config)
    with pytest.raises(ModelUnavailable) as info:
        load_model(str(directory))
    assert str(directory) in str(info.value)
    assert "\n" not in str(info.value)


def test_empty_spec_means_the_default_model(empty_hub_cache, monkeypatch, bundled_model):
    seen = []
    monkeypatch.setattr(model_module, "_load_named", lambda spec: seen.append(spec) or bundled_model)
    assert load_model("   ") is bundled_model
    assert seen == ["distilbert-base-uncased"]


def test_torch_threads_setting_is_applied(bundled_model, monkeypatch):
    monkeypatch.setattr(model_module, "_load_bundled", lambda: bundled_model)
    before = torch.get_num_threads()
    try:
        target = 1 if before != 1 else 2
        assert load_model("bundled", torch_threads=target) is bundled_model
        assert torch.get_num_threads() == target
        load_model("bundled", torch_threads=None)  # None leaves it alone
        assert torch.get_num_threads() == target
    finally:
        torch.set_num_threads(before)


def test_from_objects_rejects_a_model_without_layers_and_heads(bundled_model):
    class Config:
        pass

    with pytest.raises(ModelUnavailable):
        from_objects(bundled_model.tokenizer, bundled_model.model, name="odd", config=Config())


# -------------------------------------------------------------------------------- DistilBERT plumbing


@pytest.fixture(scope="module")
def tiny_distilbert(bundled_path):
    """A 2-layer x 4-head DistilBERT with RANDOM weights (seeded) and the bundled tokenizer (same
    uncased vocabulary as distilbert-base-uncased). The weights mean nothing: only the plumbing is
    tested (no token_type_ids, its shapes, eager attention, and that the engine reports exactly what
    the model computes)."""
    from transformers import AutoTokenizer, DistilBertConfig, DistilBertModel

    torch.manual_seed(1234)
    config = DistilBertConfig(n_layers=2, n_heads=4, dim=64, hidden_dim=128, vocab_size=30522)
    model = DistilBertModel(config)
    tokenizer = AutoTokenizer.from_pretrained(bundled_path, local_files_only=True)
    loaded = from_objects(tokenizer, model, name="tiny-distilbert (random weights)")
    calls: list[set[str]] = []
    model.register_forward_pre_hook(lambda module, args, kwargs: calls.append(set(kwargs)), with_kwargs=True)
    return loaded, calls


def test_distilbert_tokenizes_like_the_seed(tiny_distilbert):
    loaded, _ = tiny_distilbert
    assert (loaded.num_layers, loaded.num_heads) == (2, 4)
    report = Lens(loaded).tokenize(SEED)
    assert list(report.sentences[0].input_ids) == [101, 6207, 2003, 4121, 6960, 102, 0]
    assert list(report.sentences[1].tokens) == ["[CLS]", "i", "am", "eating", "an", "apple", "[SEP]"]


def test_distilbert_analysis_matches_a_direct_call(tiny_distilbert):
    loaded, calls = tiny_distilbert
    lens = Lens(loaded)
    calls.clear()
    analysis = lens.analyse(SEED[1])
    assert calls and "token_type_ids" not in calls[-1]
    assert {"input_ids", "attention_mask"} <= calls[-1]
    assert loaded.model.config._attn_implementation == "eager"

    assert analysis.attentions.shape == (2, 4, 7, 7)
    assert analysis.hidden_states.shape == (3, 7, 64)
    np.testing.assert_allclose(analysis.attentions.sum(axis=-1), 1.0, atol=1e-5)

    ids = torch.tensor([[101, 1045, 2572, 5983, 2019, 6207, 102]])
    with torch.no_grad():
        out = loaded.model(
            input_ids=ids,
            attention_mask=torch.ones_like(ids),
            output_attentions=True,
            output_hidden_states=True,
        )
    direct = np.stack([a[0].numpy() for a in out.attentions])
    np.testing.assert_allclose(analysis.attentions, direct, atol=1e-6)
    np.testing.assert_allclose(
        analysis.hidden_states, np.stack([h[0].numpy() for h in out.hidden_states]), atol=1e-5
    )

    result = lens.attention(SEED[1], AttentionQuery("apple", head=4, hide_special=True))
    assert result.word.rows.shape == (2, 5)
    np.testing.assert_allclose(result.word.rows.sum(axis=-1), 1.0, atol=1e-5)
    expected = direct[:, 3, 5, 1:6]
    np.testing.assert_allclose(result.word.rows, expected / expected.sum(axis=-1, keepdims=True), atol=1e-6)


@pytest.mark.parametrize("view", ["word", "heads", "matrix", "grid", "rollout"])
def test_distilbert_renders(tiny_distilbert, view):
    import io

    from PIL import Image as PILImage

    loaded, _ = tiny_distilbert
    lens = Lens(loaded)
    result, image = lens.attention_png(SEED[0], AttentionQuery("apple", view=view))
    assert to_json(result)["num_layers"] == 2 and to_json(result)["num_heads"] == 4
    picture = PILImage.open(io.BytesIO(image.png))
    assert picture.size == (image.width, image.height) == (1000, image.height)


def test_distilbert_compare(tiny_distilbert):
    loaded, _ = tiny_distilbert
    comparison, image = Lens(loaded).compare_png("apple", *SEED)
    assert comparison.cosine.shape == (3,)
    assert comparison.same_ids
    assert image.png.startswith(b"\x89PNG")


def test_without_the_bundled_package_nothing_is_silently_substituted(empty_hub_cache, monkeypatch, caplog):
    monkeypatch.setattr(model_module, "bundled_model_path", lambda: None)
    with pytest.raises(ModelUnavailable) as info:
        load_model("distilbert-base-uncased")
    assert "distilbert-base-uncased" in str(info.value)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    with pytest.raises(ModelUnavailable) as info:
        load_model("bundled")
    assert "pip install 'bertlens[offline]'" in str(info.value)


# ------------------------------------------------------------------------ names, paths, remote code


@pytest.mark.parametrize(
    ("spec", "reason", "says"),
    [
        ("/nonexistent/path", "no_directory", "there is no folder /nonexistent/path"),
        ("./models/missing", "no_directory", "there is no folder models/missing"),
        ("not a valid id!!", "bad_id", "not a Hugging Face model id"),
        ("owner/name/extra", "no_directory", "there is no folder"),
    ],
)
def test_a_bad_name_or_path_is_named_as_such_not_blamed_on_the_hub(empty_hub_cache, spec, reason, says):
    with pytest.raises(ModelUnavailable) as info:
        load_model(spec)
    assert info.value.reason == reason
    assert says in str(info.value) and "unreachable" not in str(info.value)
    assert "\n" not in str(info.value)


def test_a_model_that_needs_remote_code_is_refused_without_a_prompt(empty_hub_cache, tmp_path, monkeypatch):
    directory = tmp_path / "custom"
    directory.mkdir()
    (directory / "config.json").write_text(
        '{"model_type": "my-custom-bert", "auto_map": {"AutoConfig": "configuration_x.XConfig",'
        ' "AutoModel": "modeling_x.XModel"}}'
    )
    monkeypatch.setattr("builtins.input", lambda *a: pytest.fail("transformers asked on standard input"))
    with pytest.raises(ModelUnavailable) as info:
        load_model(str(directory))
    assert info.value.reason == "remote_code"
    assert "trust_remote_code" in str(info.value) and "klue/bert-base" in str(info.value)
    assert "trust_remote_code" in info.value.text("ko") and "코드" in info.value.text("ko")


def test_fetching_the_bundled_model_downloads_nothing(empty_hub_cache, monkeypatch):
    monkeypatch.setattr(model_module, "_hub_reachable", lambda: pytest.fail("tried the hub"))
    loaded = model_module.fetch_model("bundled")
    assert loaded.name == "sentence-transformers/all-MiniLM-L6-v2 (bundled)"


def test_a_tokenizer_alone_loads_without_weights(empty_hub_cache):
    loaded = model_module.load_tokenizer("bundled")
    assert loaded.name == "sentence-transformers/all-MiniLM-L6-v2 (bundled)"
    assert loaded.tokenizer("Apple is huge enterprise")["input_ids"] == [101, 6207, 2003, 4121, 6960, 102]
    assert loaded.family.kind == "wordpiece" and loaded.family.framing == "[CLS]/[SEP]"


def test_a_loaded_model_knows_its_size(bundled_model):
    params = sum(p.numel() for p in bundled_model.model.parameters())
    assert 22_000_000 < params < 23_000_000  # all-MiniLM-L6-v2
    assert bundled_model.nbytes >= params * 4
