""" "Does it matter?": the most and least attended tokens taken out, the word's vector shift per layer,
against a direct transformers computation (the bundled model, and every family with RANDOM weights:
plumbing, not meaning)."""

from __future__ import annotations

import inspect
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import torch

from bot.engine.errors import InvalidChoice
from bot.engine.forward import analyse
from bot.engine.lens import Lens
from bot.engine.occlusion import occlusion, resolve_method
from bot.engine.query import HeadChoice
from bot.engine.words import find_word
from tests.helpers import families

SEED_B = "I am eating an apple"


def direct(tokenizer: Any, model: Any, text: str, word: str, layer: int, method: str) -> dict[str, Any]:
    """The experiment done by hand: the word's pieces, the tokens it attends to most and least in
    ``layer`` (mean of heads; [CLS]/[SEP] and the word aside), each masked or deleted, and 1 - cosine
    of the word's mean vector before and after, per hidden state."""
    encoded = tokenizer(text, return_tensors="pt", return_offsets_mapping=True)
    offsets = encoded.pop("offset_mapping")[0].tolist()
    accepted = set(inspect.signature(model.forward).parameters)
    inputs = {k: v for k, v in encoded.items() if k in accepted}
    start = text.lower().index(word)
    pieces = [i for i, (s, e) in enumerate(offsets) if e > s and s < start + len(word) and e > start]
    # A bare word-start piece ("▁" alone) belongs to the word after it.
    tokens = tokenizer.convert_ids_to_tokens(encoded["input_ids"][0].tolist())
    if pieces[0] > 0 and tokens[pieces[0] - 1] in ("\u2581", "\u0120"):
        pieces.insert(0, pieces[0] - 1)
    with torch.no_grad():
        out = model(**inputs, output_attentions=True, output_hidden_states=True)
    row = out.attentions[layer][0].mean(dim=0)[pieces].mean(dim=0).numpy()
    last = len(tokens) - 1
    others = [j for j in range(1, last) if j not in pieces]
    top = max(others, key=lambda j: (row[j], -j))
    least = min(others, key=lambda j: (row[j], j))
    before = torch.stack(out.hidden_states)[:, 0, pieces].double().mean(dim=1)
    found: dict[str, Any] = {"pieces": pieces}
    for which, j in (("top", top), ("least", least)):
        if method == "masked":
            changed = {k: v.clone() for k, v in inputs.items()}
            changed["input_ids"][0, j] = tokenizer.mask_token_id
            after_pieces = pieces
        else:
            keep = [i for i in range(len(tokens)) if i != j]
            changed = {k: v[:, keep] for k, v in inputs.items()}
            after_pieces = [i - 1 if i > j else i for i in pieces]
        with torch.no_grad():
            hidden = model(**changed, output_hidden_states=True).hidden_states
        after = torch.stack(hidden)[:, 0, after_pieces].double().mean(dim=1)
        cosine = torch.nn.functional.cosine_similarity(before, after, dim=-1).numpy()
        found[which] = {"index": j, "weight": float(row[j]), "shift": 1 - cosine, "pieces": after_pieces}
    return found


@pytest.mark.parametrize("method", ["masked", "deleted"])
@pytest.mark.parametrize(
    ("text", "word", "layer"), [(SEED_B, "apple", 5), ("Apple is huge enterprise", "apple", 2)]
)
def test_bundled_equals_a_direct_computation(bundled_model, reference, method, text, word, layer):
    analysis = analyse(bundled_model, text)
    span = find_word(analysis.sentence, word)
    result = occlusion(
        bundled_model, analysis, span, layer=layer, method="mask" if method == "masked" else "delete"
    )
    expected = direct(reference.tokenizer, reference.model, text, word, layer, method)
    assert result.method == method and result.layer == layer
    for removal in result.removals:
        want = expected[removal.which]
        assert removal.index == want["index"]
        assert removal.token == analysis.sentence.tokens[want["index"]]
        assert removal.weight == pytest.approx(want["weight"], abs=2e-4)
        assert list(removal.word_indices_after) == want["pieces"]
        assert removal.shift.shape == (bundled_model.num_layers + 1,)
        np.testing.assert_allclose(removal.shift, want["shift"], atol=2e-4)
    assert result.top is not None and result.least is not None
    assert result.top.weight > result.least.weight


@pytest.mark.parametrize("method", ["masked", "deleted"])
@pytest.mark.parametrize("name", families.FAMILIES)
def test_every_family_equals_a_direct_computation(family_model, family_dir, name, method):
    """RANDOM weights: which tokens are removed, how, and the shift, as transformers computes them."""
    lm = family_model(name)
    tokenizer, model = families.load(name, root=family_dir(name).parent)
    analysis = analyse(lm, SEED_B)
    span = find_word(analysis.sentence, "apple")
    result = occlusion(lm, analysis, span, layer=0, method="mask" if method == "masked" else "delete")
    expected = direct(tokenizer, model, SEED_B, "apple", 0, method)
    assert list(span.token_indices) == expected["pieces"]
    for removal in result.removals:
        want = expected[removal.which]
        assert (removal.index, removal.method) == (want["index"], method)
        np.testing.assert_allclose(removal.shift, want["shift"], atol=2e-4)
        assert list(removal.word_indices_after) == want["pieces"]
        mask = families.family(name).specials["mask_token"]
        if method == "masked":
            assert removal.tokens_after[removal.index] == mask
            assert len(removal.tokens_after) == len(analysis.sentence)
        else:
            assert (
                len(removal.tokens_after) == len(analysis.sentence) - 1 and mask not in removal.tokens_after
            )


def test_masking_keeps_positions_and_deleting_shifts_the_word(bundled_model):
    analysis = analyse(bundled_model, SEED_B)
    span = find_word(analysis.sentence, "apple")  # token 5, after every candidate
    masked = occlusion(bundled_model, analysis, span, method="auto")
    assert masked.method == "masked"
    for removal in masked.removals:
        assert removal.word_indices_after == (5,)
        assert removal.shift[0] == pytest.approx(0.0, abs=1e-9)  # the embedding of a token alone
        assert removal.shift[-1] > 0.0
    deleted = occlusion(bundled_model, analysis, span, method="delete")
    for removal in deleted.removals:
        assert removal.word_indices_after == (4,)
        assert removal.tokens_after == tuple(
            t for i, t in enumerate(analysis.sentence.tokens) if i != removal.index
        )


def test_occlusion_is_deterministic(bundled_model):
    analysis = analyse(bundled_model, SEED_B)
    span = find_word(analysis.sentence, "apple")
    first = occlusion(bundled_model, analysis, span, heads=HeadChoice("head", 2), layer=3)
    second = occlusion(bundled_model, analysis, span, heads=HeadChoice("head", 2), layer=3)
    for a, b in zip(first.removals, second.removals, strict=True):
        assert (a.which, a.index, a.weight) == (b.which, b.index, b.weight)
        np.testing.assert_array_equal(a.shift, b.shift)


def test_choices_come_from_the_rows_the_word_view_shows(lens):
    from bot.engine.query import AttentionQuery

    query = AttentionQuery("apple", layer=4, head=7, hide_special=True)
    shown = lens.attention(SEED_B, query).word
    result = occlusion(
        lens.model, lens.analyse(SEED_B), shown.span, heads=shown.heads, layer=shown.layer, hide_special=True
    )
    top = shown.top(1)[0]
    assert result.top is not None and (result.top.index, result.top.weight) == (top.index, top.weight)
    row = {int(c): float(w) for c, w in zip(shown.columns, shown.rows[shown.layer], strict=True)}
    row.pop(5)  # the word itself
    assert result.least is not None and result.least.weight == min(row.values())


def test_specials_are_never_removed(bundled_model):
    """Even shown, [CLS]/[SEP] are not candidates: removing them is not what the question asks."""
    analysis = analyse(bundled_model, SEED_B)
    span = find_word(analysis.sentence, "apple")
    for layer in range(bundled_model.num_layers):
        result = occlusion(bundled_model, analysis, span, layer=layer, hide_special=False)
        assert all(not analysis.sentence.framing[r.index] for r in result.removals)
        assert all(r.index not in span.token_indices for r in result.removals)


def test_a_sentence_of_one_word_has_nothing_to_remove(bundled_model):
    analysis = analyse(bundled_model, "apple")
    result = occlusion(bundled_model, analysis, find_word(analysis.sentence, "apple"))
    assert result.top is None and result.least is None and result.removals == ()


def test_the_method_is_checked_and_auto_deletes_without_a_mask_token(bundled_model):
    with pytest.raises(InvalidChoice):
        resolve_method(bundled_model, "blank")
    no_mask = SimpleNamespace(tokenizer=SimpleNamespace(mask_token_id=None))
    assert resolve_method(no_mask, "auto") == "deleted"  # type: ignore[arg-type]
    with pytest.raises(InvalidChoice):
        resolve_method(no_mask, "mask")  # type: ignore[arg-type]
    assert resolve_method(bundled_model, "auto") == "masked"


def test_only_the_removals_run_the_model(bundled_model, monkeypatch):
    lens = Lens(bundled_model)
    lens.analyse(SEED_B)
    calls = []
    real = bundled_model.forward
    monkeypatch.setattr(bundled_model, "forward", lambda inputs: calls.append(1) or real(inputs))
    occlusion(bundled_model, lens.analyse(SEED_B), find_word(lens.analyse(SEED_B).sentence, "apple"))
    assert len(calls) == 2  # one per removal; the sentence itself comes from the cache
