"""Every architecture and tokenizer family BERT Lens claims, through the whole engine.

The models come from ``tests/helpers/families.py``: tokenizers trained here with the ``tokenizers``
library and models with RANDOM weights built from a config. Their attention means nothing; what these
tests check is the plumbing: specials named from the tokenizer, tokens shown as people read them, word
lookup with every family's word-start marker, and every number equal to a direct transformers
computation (within 2e-4).
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import torch

from bot.engine.family import VISIBLE_SPACE
from bot.engine.lens import Lens
from bot.engine.query import AttentionQuery
from bot.engine.render import render_attention
from tests.helpers import families

SENTENCES = ["I am eating an apple", "Apple is huge enterprise.", "나는 사과를 먹었다"]
KIND = {
    "wordpiece-uncased": "wordpiece",
    "wordpiece-cased": "wordpiece",
    "byte-level-bpe": "byte-level-bpe",
    "unigram-metaspace": "sentencepiece",
}


def direct(family_dir, name: str, text: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Tokens, attentions [layer, head, from, to] and hidden states, straight from transformers."""
    tokenizer, model = families.load(name, root=family_dir(name).parent)
    encoded = tokenizer(text, return_tensors="pt")
    accepted = set(inspect.signature(model.forward).parameters)
    inputs = {k: v for k, v in encoded.items() if k in accepted}
    with torch.no_grad():
        out = model(**inputs, output_attentions=True, output_hidden_states=True)
    tokens = tokenizer.convert_ids_to_tokens(encoded["input_ids"][0].tolist())
    attentions = np.stack([a[0].numpy() for a in out.attentions])
    hidden = np.stack([h[0].numpy() for h in out.hidden_states])
    return tokens, attentions, hidden


@pytest.mark.parametrize("name", families.FAMILIES)
def test_the_family_is_told_from_the_tokenizer(family_model, name):
    described = families.describe(name)
    family = family_model(name).family
    assert family.kind == KIND[described["tokenizer_kind"]]
    specials = described["special_tokens"]
    assert (family.cls, family.sep) == (specials["cls_token"], specials["sep_token"])
    assert (family.pad, family.unk, family.mask) == (
        specials["pad_token"],
        specials["unk_token"],
        specials["mask_token"],
    )
    assert family.framing == f"{specials['cls_token']}/{specials['sep_token']}"
    # Uncased WordPiece and ALBERT (NFKD, accents stripped) split syllables into jamo; so does the
    # real albert-base-v2.
    assert family.splits_hangul is (described["tokenizer_kind"] == "wordpiece-uncased" or name == "albert")
    assert family.word_start == described["word_start"]


@pytest.mark.parametrize("name", families.FAMILIES)
def test_specials_frame_the_sentence_by_the_tokenizers_own_names(family_model, name):
    sentence = Lens(family_model(name)).tokenize(["I am eating an apple"]).sentences[0]
    family = sentence.family
    assert sentence.tokens[0] == family.cls and sentence.tokens[-1] == family.sep
    assert sentence.framing[0] and sentence.framing[-1] and not any(sentence.framing[1:-1])


@pytest.mark.parametrize("name", families.FAMILIES)
@pytest.mark.parametrize("text", SENTENCES)
def test_every_number_equals_transformers(family_model, family_dir, name, text):
    lens = Lens(family_model(name))
    analysis = lens.analyse(text)
    tokens, attentions, hidden = direct(family_dir, name, text)
    assert list(analysis.sentence.tokens) == tokens
    np.testing.assert_allclose(analysis.attentions, attentions, atol=2e-4)
    np.testing.assert_allclose(analysis.hidden_states, hidden, atol=2e-4)
    # The word view's rows are the mean over heads of the word's rows, over its pieces.
    word = text.split()[-1].strip(".")
    result = lens.attention(text, AttentionQuery(word))
    expected = attentions[:, :, list(result.word.span.token_indices), :].mean(axis=2).mean(axis=1)
    np.testing.assert_allclose(result.word.rows, expected[:, result.word.columns], atol=2e-4)


@pytest.mark.parametrize("name", families.FAMILIES)
def test_a_word_is_found_whatever_marks_its_start(family_model, name):
    lens = Lens(family_model(name))
    sentence = lens.analyse("I am eating an apple").sentence
    result = lens.attention("I am eating an apple", AttentionQuery("apple"))
    pieces = [sentence.display[i] for i in result.word.span.token_indices]
    joined = "".join(p.removeprefix("##").lstrip(VISIBLE_SPACE + "\u2581") for p in pieces)
    assert joined.lower() == "apple"
    punctuated = lens.attention("Apple is huge enterprise.", AttentionQuery("enterprise"))
    assert all("." not in punctuated.analysis.sentence.tokens[i] for i in punctuated.word.span.token_indices)


@pytest.mark.parametrize("name", ["xlm-roberta", "albert", "deberta-v2", "roberta"])
def test_a_bare_word_start_piece_belongs_to_the_word_after_it(family_model, name):
    lens = Lens(family_model(name))
    marker = lens.model.family.word_start
    checked = 0
    for text in ("Hello HELLO world", "I eat Xylophones", "친구에게 사과를 했다", "a  double  space"):
        sentence = lens.analyse(text).sentence
        bare = [i for i in range(1, len(sentence) - 1) if sentence.tokens[i] == marker]
        for i in bare:
            start, end = sentence.offsets[i + 1]
            following = text[start:end]
            if not following.strip():
                continue
            word = next(w for w in text.split() if following in w)
            spans = [
                lens.attention(text, AttentionQuery(word, occurrence=n)).word.span
                for n in range(1, text.lower().split().count(word.lower()) + 1)
            ]
            span = next(s for s in spans if i + 1 in s.token_indices)
            assert i in span.token_indices, (text, sentence.tokens)
            assert sentence.offsets[i] == (start, start)  # an empty span where its word starts
            checked += 1
    assert checked, "no bare word-start piece in these sentences: the test checked nothing"


def test_byte_level_tokens_are_shown_decoded(family_model):
    sentence = Lens(family_model("roberta")).tokenize(["나는 사과를 먹었다"]).sentences[0]
    shown = "".join(sentence.display[1:-1])
    assert "\u0120" not in shown and "\u00ec" not in shown  # no raw byte-level characters
    assert "\u2423" in shown  # the word-start space, visible
    assert "<0x" in shown  # this tokenizer cuts syllables: the fragments say so
    # Whole syllables that one token carries are shown as themselves.
    assert any(char in shown for char in "나는사과를먹었다")


def test_uncased_wordpiece_shows_jamo_and_says_so(family_model, lens):
    from bot.tables import summary_lines

    report = Lens(family_model("bert-uncased")).tokenize(["나는 사과를 먹었다"])
    lines = summary_lines(report, "en")
    assert any("splits Hangul syllables into letters" in line for line in lines)
    assert not any("letters" in line for line in summary_lines(lens.tokenize(["I am eating an apple"]), "en"))


@pytest.mark.parametrize("name", families.FAMILIES)
def test_every_family_renders_with_its_own_specials_named(family_model, name):
    lens = Lens(family_model(name))
    result = lens.attention("I am eating an apple", AttentionQuery("apple", hide_special=True))
    image = render_attention(result)
    assert image.png.startswith(b"\x89PNG")
    from bot.engine.render import captions

    label = captions.specials("en", True, True, result.analysis.sentence)
    assert label.startswith(result.analysis.sentence.family.framing)


@pytest.mark.parametrize("name", families.FAMILIES)
def test_the_token_limit_is_what_the_positions_allow(family_model, name):
    """MAX_TOKENS (512 by default) is capped by the model's positions: RoBERTa-style positions start
    after the padding id, so 130 embeddings take 128 tokens. A longer text is refused, not crashed on.
    RANDOM weights."""
    from bot.engine.errors import TextTooLong

    lm = family_model(name)
    assert lm.max_positions == families.MAX_TOKENS
    lens = Lens(lm, max_chars=4000, max_tokens=512)
    with pytest.raises(TextTooLong) as info:
        lens.analyse("word " * 300)
    assert info.value.params["limit"] == families.MAX_TOKENS
