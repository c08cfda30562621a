"""The family helper: every family loads through the Auto classes offline and behaves like its kind.

The models' weights are random: these tests check plumbing (special tokens, offsets, word ids, shapes,
eager attention), never what a model predicts.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
import torch

from tests.helpers import families
from tests.helpers.families import FAMILIES, KINDS, MASKED_LM_FAMILIES, describe

SENTENCES = ("Apple is huge enterprise", "나는 사과를 먹었다")


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("families")


def _encode(tok, text):
    enc = tok(text, return_offsets_mapping=True)
    return enc, tok.convert_ids_to_tokens(enc["input_ids"])


def _is_hangul_syllable(char: str) -> bool:
    return "\uac00" <= char <= "\ud7a3"


# ----------------------------------------------------------------------------------------------- describe


def test_every_kind_has_a_family_and_every_family_a_masked_lm():
    assert {describe(name)["tokenizer_kind"] for name in FAMILIES} == set(KINDS)
    assert set(MASKED_LM_FAMILIES) >= {"bert-uncased", "distilbert", "roberta"}
    with pytest.raises(KeyError, match="unknown family"):
        describe("gpt-2")


@pytest.mark.parametrize("name", FAMILIES)
def test_describe_matches_what_the_auto_classes_load(name, root):
    from transformers import AutoConfig

    info = describe(name)
    directory = families.model_dir(name, root=root)
    config = AutoConfig.from_pretrained(directory, local_files_only=True)
    tok = families.tokenizer(name, root=root)
    assert config.model_type == info["model_type"]
    assert type(tok).__name__ == info["tokenizer_class"]
    assert (config.num_hidden_layers, config.num_attention_heads) == (info["num_layers"], info["num_heads"])
    assert config.max_position_embeddings == info["max_position_embeddings"]
    assert config.vocab_size == len(tok)
    assert config.pad_token_id == tok.pad_token_id
    assert tok.model_max_length == info["max_tokens"]
    for attribute, token in info["special_tokens"].items():
        assert getattr(tok, attribute) == token, attribute
    assert info["random_weights"] is True


# ----------------------------------------------------------------------------------------------- tokenizers


@pytest.mark.parametrize("text", SENTENCES)
@pytest.mark.parametrize("name", FAMILIES)
def test_the_familys_own_special_tokens_frame_the_input(name, text, root):
    info = describe(name)
    tok = families.tokenizer(name, root=root)
    enc, pieces = _encode(tok, text)
    assert (pieces[0], pieces[-1]) == (info["first"], info["last"])
    assert (enc["input_ids"][0], enc["input_ids"][-1]) == (tok.cls_token_id, tok.sep_token_id)
    assert not set(pieces[1:-1]) & set(tok.all_special_tokens)
    assert enc.word_ids()[0] is None and enc.word_ids()[-1] is None


def _surface(kind: str, piece: str) -> str | bytes:
    """What of the (normalized) sentence a piece spells: no ``##``/``▁``; raw bytes for byte-level BPE."""
    if kind.startswith("wordpiece"):
        return piece.removeprefix("##")
    if kind == "unigram-metaspace":
        return piece.replace("▁", "")
    return bytes(_BYTE_OF[char] for char in piece).lstrip(b" ")


def _byte_of() -> dict[str, int]:
    """GPT-2's byte-to-character table, inverted: printable bytes stand for themselves, the others
    (space, control bytes, ...) for the characters from U+0100 on, in order (space is Ġ)."""
    printable = [
        *range(ord("!"), ord("~") + 1),
        *range(ord("¡"), ord("¬") + 1),
        *range(ord("®"), ord("ÿ") + 1),
    ]
    others = [byte for byte in range(256) if byte not in printable]
    table = {chr(byte): byte for byte in printable}
    table.update({chr(256 + i): byte for i, byte in enumerate(others)})
    return table


_BYTE_OF = _byte_of()


@pytest.mark.parametrize("text", SENTENCES)
@pytest.mark.parametrize("name", FAMILIES)
def test_offsets_map_every_piece_back_into_the_sentence(name, text, root):
    kind = describe(name)["tokenizer_kind"]
    tok = families.tokenizer(name, root=root)
    normalizer = tok.backend_tokenizer.normalizer
    enc, pieces = _encode(tok, text)
    offsets, words = enc["offset_mapping"], enc.word_ids()
    inner = list(zip(pieces, offsets, words, strict=True))[1:-1]
    assert offsets[0] == offsets[-1] == (0, 0)
    starts = [start for _, (start, _), _ in inner]
    assert starts == sorted(starts)
    for piece, (start, end), word in inner:
        assert 0 <= start < end <= len(text), (piece, start, end)
        assert isinstance(word, int)
        span = text[start:end]
        normalized = normalizer.normalize_str(span) if normalizer is not None else span
        surface = _surface(kind, piece)
        haystack = normalized.encode() if isinstance(surface, bytes) else normalized
        assert surface in haystack, (piece, span, normalized)
    assert len({word for _, _, word in inner}) == len(text.split())


@pytest.mark.parametrize(
    "name", [n for n in FAMILIES if describe(n)["tokenizer_kind"] == "wordpiece-uncased"]
)
def test_uncased_wordpiece_splits_hangul_into_jamo_whose_offsets_cover_whole_syllables(name, root):
    """NFD turns 나 into ᄂ + ᅡ: two pieces, both mapped back onto the one syllable (0, 1); a piece that
    straddles syllables (the final ᆻ of 었 with 다) covers both, so spans overlap."""
    tok = families.tokenizer(name, root=root)
    text = "나는 사과를 먹었다"
    enc, pieces = _encode(tok, text)
    inner = list(zip(pieces, enc["offset_mapping"], strict=True))[1:-1]
    assert ("ᄂ", (0, 1)) in inner and ("##ᅡ", (0, 1)) in inner
    assert all(all(_is_hangul_syllable(char) for char in text[start:end]) for _, (start, end) in inner)
    assert any(a[1] == b[1] for a, b in itertools.pairwise(inner))  # jamo of one syllable


def test_cased_wordpiece_keeps_syllables_and_accents(root):
    tok = families.tokenizer("bert-cased", root=root)
    assert tok.tokenize("나는 사과를 먹었다") == ["나", "##는", "사과", "##를", "먹", "##었", "##다"]
    uncased = families.tokenizer("bert-uncased", root=root)
    assert "".join(uncased.tokenize("Café")).replace("##", "") == "cafe"
    assert "".join(tok.tokenize("café")).replace("##", "") == "café"


def test_byte_level_pieces_are_bytes_that_decode_to_replacement_characters_alone(root):
    tok = families.tokenizer("roberta", root=root)
    text = "나는 사과를 먹었다"
    enc, pieces = _encode(tok, text)
    assert pieces[1:4] == ["ë", "Ĥ", "ĺ"]  # the three UTF-8 bytes of 나
    assert enc["offset_mapping"][1:4] == [(0, 1)] * 3
    assert tok.convert_tokens_to_string(["ë"]) == "\ufffd"
    assert tok.backend_tokenizer.decoder.decode(["Ġì"]) == " \ufffd"
    assert tok.convert_tokens_to_string(pieces[1:4]) == "나"
    assert tok.decode(enc["input_ids"], skip_special_tokens=True) == text


@pytest.mark.parametrize("name", FAMILIES)
def test_bare_word_start_pieces(name, root):
    """A word-start marker on its own (``Ġ`` or ``▁``) and what transformers says about it: the same word
    id as the piece after it; byte-level BPE gives it an empty span (the trimmed space), XLM-R and ALBERT
    the first character of the next piece, DeBERTa-v2 the space itself (bar the sentence's first)."""
    info = describe(name)
    bare = families.report(name, root=root)["bare_word_starts"]
    if info["word_start"] is None:
        assert bare == []
        return
    assert bare
    for entry in bare:
        (start, end), following = entry["offsets"], entry["next"]
        if "  " in entry["sentence"][start - 1 : following["offsets"][0]]:
            continue  # a run of spaces: byte-level BPE makes the extra space a word of its own
        assert entry["word"] == following["word"]
        if info["tokenizer_kind"] == "byte-level-bpe":
            assert start == end == following["offsets"][0]
        elif name == "deberta-v2" and start > 0:
            assert (entry["text"], end) == (" ", following["offsets"][0])
        else:
            assert (start, end) == (following["offsets"][0], following["offsets"][0] + 1)


def test_the_tokenizer_is_fresh_each_time(root):
    assert families.tokenizer("roberta", root=root) is not families.tokenizer("roberta", root=root)


# ----------------------------------------------------------------------------------------------- models


@pytest.mark.parametrize("name", FAMILIES)
def test_every_family_returns_eager_attention_and_hidden_states(name, root):
    info = describe(name)
    tok, model = families.load(name, root=root)
    layers, heads = info["num_layers"], info["num_heads"]
    for text in SENTENCES:
        encoded = tok(text, return_tensors="pt")
        n = encoded["input_ids"].shape[1]
        with torch.inference_mode():
            out = model(**encoded, output_attentions=True, output_hidden_states=True)
        assert out.attentions is not None and len(out.attentions) == layers
        for attention in out.attentions:
            assert attention is not None and tuple(attention.shape) == (1, heads, n, n)
            torch.testing.assert_close(attention.sum(-1), torch.ones(1, heads, n))
        assert len(out.hidden_states) == layers + 1
        assert all(tuple(h.shape) == (1, n, info["hidden_size"]) for h in out.hidden_states)


@pytest.mark.parametrize("name", MASKED_LM_FAMILIES)
def test_masked_lm_variants_work_with_the_fill_mask_pipeline(name, root):
    from transformers import pipeline

    tok, model = families.load(name, masked_lm=True, root=root)
    assert type(model).__name__.endswith("ForMaskedLM")
    text = f"I am eating an {tok.mask_token}"
    fill = pipeline("fill-mask", model=model, tokenizer=tok)
    guesses = fill(text, top_k=3)
    encoded = tok(text, return_tensors="pt")
    with torch.inference_mode():
        logits = model(**encoded).logits[0]
    position = encoded["input_ids"][0].tolist().index(tok.mask_token_id)
    probabilities = logits[position].softmax(-1)
    assert guesses[0]["token"] == int(probabilities.argmax())
    assert guesses[0]["score"] == pytest.approx(float(probabilities.max()), rel=1e-4)


def test_the_electra_directory_holds_the_discriminator(root):
    config = json.loads((families.model_dir("electra", root=root) / "config.json").read_text())
    assert config["architectures"] == ["ElectraForPreTraining"]


# ----------------------------------------------------------------------------------------------- building


@pytest.mark.parametrize(
    "name", ["bert-uncased", "bert-cased", "roberta", "xlm-roberta", "albert", "deberta-v2"]
)
def test_training_is_deterministic(name):
    family = families.family(name)
    assert families._train(family).to_str() == families._train(family).to_str()


def test_building_is_deterministic_and_cached_on_disk(tmp_path):
    from safetensors.torch import load_file

    first = families.model_dir("xlm-roberta", root=tmp_path / "a")
    second = families.model_dir("xlm-roberta", root=tmp_path / "b")
    assert families.model_dir("xlm-roberta", root=tmp_path / "a") == first
    for file in ("tokenizer.json", "tokenizer_config.json", "config.json"):
        assert (first / file).read_text() == (second / file).read_text()
    a, b = load_file(first / "model.safetensors"), load_file(second / "model.safetensors")
    assert a.keys() == b.keys() and all(torch.equal(a[key], b[key]) for key in a)


def test_a_stale_cache_directory_is_rebuilt(tmp_path):
    built: list[Path] = []

    def build(directory: Path) -> None:
        built.append(directory)
        (directory / "x").write_text("x")

    target = tmp_path / "thing"
    assert families._cached_build(target, build) == target
    assert families._cached_build(target, build) == target
    assert len(built) == 1
    (target / families._STAMP_FILE).write_text("an older recipe")
    families._cached_build(target, build)
    assert len(built) == 2 and (target / "x").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thing"]  # no scratch left behind
