"""A sentence as the tokenizer sees it: tokens, ids, mask, which tokens are special or pieces of a
word, character offsets, and ids shared between sentences (the seed post's 6207)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from bot.engine.defaults import DEFAULT_MAX_CHARS, DEFAULT_MAX_TOKENS
from bot.engine.errors import EmptyText, TextTooLong
from bot.engine.family import TokenizerFamily

_SURROGATE_RE = re.compile("[\ud800-\udfff]")


class Tokenizing(Protocol):
    """A tokenizer with a model's name and limits: a loaded model, or a tokenizer loaded alone."""

    name: str
    max_positions: int
    family: TokenizerFamily

    def tokenizing(self) -> AbstractContextManager[Any]: ...


@dataclass(frozen=True)
class TokenizedSentence:
    """One sentence as the tokenizer sees it (after padding, when tokenized with others)."""

    text: str
    tokens: tuple[str, ...]  # as the tokenizer writes them ("##ization", "ĠìĤ¬ê³¼", "▁사과")
    input_ids: tuple[int, ...]
    attention_mask: tuple[int, ...]
    special: tuple[bool, ...]  # [CLS] [SEP] [PAD] [UNK] [MASK] (or <s> </s> <pad> <unk> <mask>)
    framing: tuple[bool, ...]  # [CLS] [SEP] [PAD] added by the tokenizer: dropped by "hide specials"
    subword: tuple[bool, ...]  # a continuation piece of a word ("##ization")
    offsets: tuple[tuple[int, int] | None, ...]  # character span in ``text``; None for added tokens
    unknown: tuple[bool, ...]  # the tokenizer's unknown token ([UNK], <unk>): text it has no piece for
    family: TokenizerFamily

    def __len__(self) -> int:
        return len(self.tokens)

    @property
    def display(self) -> tuple[str, ...]:
        """The tokens as people read them (byte-level tokens decoded; others as written)."""
        return tuple(self.family.display(token) for token in self.tokens)

    @property
    def unknown_count(self) -> int:
        return sum(self.unknown)

    def bare_word_start(self, index: int) -> bool:
        """A token that is only the word-start marker (``▁`` or ``Ġ`` alone): it belongs to the word
        that follows it, whatever offsets the tokenizer gave it."""
        return not self.framing[index] and self.family.is_bare_word_start(self.tokens[index])


@dataclass(frozen=True)
class SharedId:
    """A token id that occurs in more than one sentence: same id, same input vector, maybe another meaning."""

    token_id: int
    token: str
    positions: tuple[tuple[int, int], ...]  # (sentence index, token index), 0-based


@dataclass(frozen=True)
class TokenizationReport:
    model: str
    sentences: tuple[TokenizedSentence, ...]
    shared: tuple[SharedId, ...]


def check_text(
    text: str, *, max_chars: int = DEFAULT_MAX_CHARS, what: str = "sentence", label: str | None = None
) -> str:
    """``text`` made safe for the tokenizer, or a friendly error; ``label`` says which of several
    sentences it is ("2", "B") so the error can say so."""
    if not isinstance(text, str) or not text.strip():
        raise EmptyText(what, label)
    if len(text) > max_chars:
        raise TextTooLong(length=len(text), limit=max_chars, unit="characters")
    # Lone surrogates (undecodable bytes in command-line arguments, "\ud800" escapes in JSON) are not
    # valid text and the tokenizer rejects them with a TypeError; read each one as U+FFFD, which keeps
    # every character offset in place.
    return _SURROGATE_RE.sub("\ufffd", text)


def encode(
    lm: Tokenizing,
    sentences: Sequence[str],
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    return_tensors: str | None = None,
) -> tuple[tuple[TokenizedSentence, ...], dict[str, Any]]:
    """Tokenize sentences padded together (``padding=True``, as the seed post does).

    Returns the per-sentence reports and the raw encoding (model inputs) for a forward pass.
    """
    if not sentences:
        raise EmptyText()
    labels = [str(n) if len(sentences) > 1 else None for n in range(1, len(sentences) + 1)]
    texts = [
        check_text(s, max_chars=max_chars, label=label) for s, label in zip(sentences, labels, strict=True)
    ]
    limit = min(max_tokens, lm.max_positions)
    with lm.tokenizing() as tokenizer:
        encoded = tokenizer(
            texts,
            padding=True,
            truncation=False,
            return_offsets_mapping=True,
            return_special_tokens_mask=True,
            return_tensors=return_tensors,
        )
        word_ids = [encoded.word_ids(i) for i in range(len(texts))]
        special_ids = frozenset(tokenizer.all_special_ids)
        unk_id = tokenizer.unk_token_id
        tokens_per = [tokenizer.convert_ids_to_tokens(list(map(int, ids))) for ids in encoded["input_ids"]]

    reports = []
    for i, text in enumerate(texts):
        ids = [int(x) for x in encoded["input_ids"][i]]
        mask = [int(x) for x in encoded["attention_mask"][i]]
        real = sum(mask)
        if real > limit:
            raise TextTooLong(length=real, limit=limit, unit="tokens")
        # "Added by the tokenizer" comes from its special-tokens mask, not from the id: a "[SEP]" typed
        # in the sentence is read as the real [SEP] id, but it is the user's text, with real offsets.
        added = [int(x) for x in encoded["special_tokens_mask"][i]]
        framing = tuple(m == 0 or a == 1 for a, m in zip(added, mask, strict=True))
        if all(framing):
            raise EmptyText(label=labels[i])  # only whitespace or characters the tokenizer drops
        special = tuple(f or t in special_ids for t, f in zip(ids, framing, strict=True))
        offsets = _offsets(encoded["offset_mapping"][i], framing, tokens_per[i], lm.family)
        wids = word_ids[i]
        subword = tuple(
            not framing[j] and j > 0 and wids[j] is not None and wids[j] == wids[j - 1]
            for j in range(len(ids))
        )
        reports.append(
            TokenizedSentence(
                text=text,
                tokens=tuple(tokens_per[i]),
                input_ids=tuple(ids),
                attention_mask=tuple(mask),
                special=special,
                framing=framing,
                subword=subword,
                offsets=offsets,
                unknown=tuple(t == unk_id and not f for t, f in zip(ids, framing, strict=True)),
                family=lm.family,
            )
        )
    inputs = {k: v for k, v in encoded.items() if k not in ("offset_mapping", "special_tokens_mask")}
    return tuple(reports), inputs


def _offsets(
    mapping: Sequence[Sequence[int]], framing: Sequence[bool], tokens: Sequence[str], family: TokenizerFamily
) -> tuple[tuple[int, int] | None, ...]:
    """Character spans; None for added tokens. A bare word-start marker is given an empty span where
    the next token starts: tokenizers disagree (the space before it, nothing, or the next word), and
    it belongs to the word after it in every family."""
    spans: list[tuple[int, int] | None] = [
        None if f else (int(start), int(end)) for (start, end), f in zip(mapping, framing, strict=True)
    ]
    for index in range(len(spans) - 2, -1, -1):
        following = spans[index + 1]
        if spans[index] is not None and family.is_bare_word_start(tokens[index]) and following is not None:
            spans[index] = (following[0], following[0])
    return tuple(spans)


def shared_ids(sentences: Sequence[TokenizedSentence]) -> tuple[SharedId, ...]:
    """Ids (other than added tokens) that occur in two or more of the sentences, in first-seen order."""
    seen: dict[int, list[tuple[int, int]]] = {}
    tokens: dict[int, str] = {}
    for s_index, sentence in enumerate(sentences):
        for t_index, (token_id, framing) in enumerate(zip(sentence.input_ids, sentence.framing, strict=True)):
            if framing:
                continue
            seen.setdefault(token_id, []).append((s_index, t_index))
            tokens[token_id] = sentence.tokens[t_index]
    return tuple(
        SharedId(token_id, tokens[token_id], tuple(positions))
        for token_id, positions in seen.items()
        if len({s for s, _ in positions}) > 1
    )


def tokenization_report(
    lm: Tokenizing,
    sentences: Sequence[str],
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
    max_tokens: int = DEFAULT_MAX_TOKENS,
) -> TokenizationReport:
    reports, _ = encode(lm, sentences, max_chars=max_chars, max_tokens=max_tokens)
    return TokenizationReport(model=lm.name, sentences=reports, shared=shared_ids(reports))
