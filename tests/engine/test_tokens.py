"""Tokenization reports: the seed post's published ids and tokens, flags, offsets and shared ids."""

from __future__ import annotations

import pytest

from bot.engine.errors import EmptyText, TextTooLong
from bot.engine.json_forms import to_json
from bot.engine.lens import Lens

SEED = ["Apple is huge enterprise", "I am eating an apple"]


def test_seed_ids_tokens_and_mask_padded_together(lens):
    report = lens.tokenize(SEED)
    a, b = report.sentences

    # Published in the seed post (distilbert-base-uncased; the bundled model shares its vocabulary).
    assert list(a.input_ids) == [101, 6207, 2003, 4121, 6960, 102, 0]
    assert list(a.attention_mask) == [1, 1, 1, 1, 1, 1, 0]
    assert list(a.tokens) == ["[CLS]", "apple", "is", "huge", "enterprise", "[SEP]", "[PAD]"]
    assert list(b.input_ids) == [101, 1045, 2572, 5983, 2019, 6207, 102]
    assert list(b.attention_mask) == [1, 1, 1, 1, 1, 1, 1]
    assert list(b.tokens) == ["[CLS]", "i", "am", "eating", "an", "apple", "[SEP]"]
    assert a.text == SEED[0] and b.text == SEED[1]
    assert report.model == lens.name


def test_seed_shared_id_is_apple_in_both(lens):
    report = lens.tokenize(SEED)
    assert [(s.token_id, s.token) for s in report.shared] == [(6207, "apple")]
    assert report.shared[0].positions == ((0, 1), (1, 5))


def test_no_shared_ids_for_unrelated_sentences(lens):
    report = lens.tokenize(["Apple is huge enterprise", "dogs bark loudly"])
    assert report.shared == ()


def test_framing_tokens_are_never_reported_as_shared(lens):
    # [CLS]/[SEP] are in every sentence; only real words count as shared.
    report = lens.tokenize(["hello", "world"])
    assert report.shared == ()


def test_special_framing_and_subword_flags(lens):
    (a, b) = lens.tokenize(SEED).sentences
    assert a.special == (True, False, False, False, False, True, True)
    assert a.framing == (True, False, False, False, False, True, True)
    assert b.special == (True, False, False, False, False, False, True)
    assert not any(a.subword) and not any(b.subword)
    assert a.unknown_count == 0


def test_subword_pieces_are_flagged(lens):
    (s,) = lens.tokenize(["tokenization is fun"]).sentences
    assert list(s.tokens[:3]) == ["[CLS]", "token", "##ization"]
    assert s.subword[:3] == (False, False, True)
    assert not any(s.subword[3:])


def test_offsets_point_into_the_original_text(lens):
    (a, b) = lens.tokenize(SEED).sentences
    assert a.offsets == (None, (0, 5), (6, 8), (9, 13), (14, 24), None, None)
    for sentence in (a, b):
        for token, offset, framing in zip(sentence.tokens, sentence.offsets, sentence.framing, strict=True):
            if framing:
                assert offset is None
            else:
                assert sentence.text[offset[0] : offset[1]].lower() == token.removeprefix("##")


def test_unknown_characters_are_special_but_not_framing(lens):
    (s,) = lens.tokenize(["snow \u2603 falls"]).sentences
    unk = [i for i, t in enumerate(s.tokens) if t == "[UNK]"]
    assert unk, s.tokens
    for i in unk:
        assert s.special[i] and not s.framing[i]
        assert s.offsets[i] is not None
    assert s.unknown_count == len(unk)


def test_to_json_has_exactly_the_documented_keys(lens):
    data = to_json(lens.tokenize(SEED))
    assert set(data) == {"model", "sentences", "shared_ids"}
    for sentence in data["sentences"]:
        assert set(sentence) == {
            "text",
            "tokens",
            "input_ids",
            "attention_mask",
            "special",
            "subword",
            "offsets",
        }
    assert data["shared_ids"] == [{"id": 6207, "token": "apple", "positions": [[0, 1], [1, 5]]}]
    assert data["sentences"][0]["offsets"][0] is None
    assert data["sentences"][0]["offsets"][1] == [0, 5]


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "\x00\x01", "\u200b"])
def test_empty_or_invisible_text_is_rejected(lens, text):
    with pytest.raises(EmptyText):
        lens.tokenize([text])


def test_no_sentences_is_rejected(lens):
    with pytest.raises(EmptyText):
        lens.tokenize([])


def test_character_limit(bundled_model):
    small = Lens(bundled_model, max_chars=20)
    small.tokenize(["x" * 20])
    with pytest.raises(TextTooLong) as info:
        small.tokenize(["x" * 21])
    assert info.value.params == {"length": 21, "limit": 20, "unit": "characters"}


def test_token_limit(bundled_model):
    small = Lens(bundled_model, max_tokens=10)
    small.tokenize(["one two three four five six seven eight"])  # 8 words + [CLS] + [SEP]
    with pytest.raises(TextTooLong) as info:
        small.tokenize(["one two three four five six seven eight nine"])
    assert info.value.params == {"length": 11, "limit": 10, "unit": "tokens"}


def test_concurrent_tokenize_matches_sequential(lens):
    """One tokenizer serves every thread: batches tokenized at once, with different padded lengths,
    must each get their own report, the same as when tokenized one after another."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    batches = [[f"{'word ' * (i % 7 + 1)}apple", "short", "x " * (i % 5 + 1)] for i in range(16)]
    sequential = [to_json(lens.tokenize(batch)) for batch in batches]
    barrier = threading.Barrier(8)

    def run(batch):
        barrier.wait(timeout=30)
        return [to_json(lens.tokenize(batch)) for _ in range(5)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(run, batches[:8])) + list(pool.map(run, batches[8:]))
    for expected, repeats in zip(sequential, results, strict=True):
        assert all(r == expected for r in repeats)
