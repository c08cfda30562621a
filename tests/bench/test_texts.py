"""The benchmark's sentences have exactly the token count they are built for, with the target word."""

from __future__ import annotations

from typing import Any

import pytest

from bench.texts import LEAD, TARGET, count_tokens, exact_text


@pytest.fixture(scope="module")
def tokenizer(bundled_path: str) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(bundled_path)


@pytest.mark.parametrize("tokens", [5, 8, 9, 32, 128, 512])
def test_exact_token_counts(tokenizer: Any, tokens: int) -> None:
    for variant in range(3):
        text = exact_text(tokenizer, tokens, variant=variant)
        assert count_tokens(tokenizer, text) == tokens
        assert text.startswith(LEAD)
        assert TARGET in tokenizer.tokenize(text)


def test_variants_differ(tokenizer: Any) -> None:
    texts = {exact_text(tokenizer, 8, variant=v) for v in range(100)}
    assert len(texts) == 100


def test_too_short_for_the_lead(tokenizer: Any) -> None:
    with pytest.raises(ValueError, match="cannot hold"):
        exact_text(tokenizer, 3)
