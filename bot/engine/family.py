"""What kind of tokenizer a model has, told from the tokenizer itself: its special tokens by name
(``[CLS]``/``<s>``, ``[SEP]``/``</s>`` …), how it marks words (``##`` continues a word in WordPiece;
``Ġ`` or ``▁`` starts one in byte-level BPE and SentencePiece), and what it does to Hangul (uncased
WordPiece splits every syllable into letters; byte-level BPE into bytes).

Tokens are shown as people read them: byte-level tokens decoded to text (the word-start marker as a
visible space sign, a fragment of a character as ``<0xEC>``), every other family as it is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

VISIBLE_SPACE = "\u2423"  # ␣
WORD_START_MARKS = ("\u0120", "\u2581")  # Ġ (byte-level BPE), ▁ (SentencePiece)
_JAMO = range(0x1100, 0x1200)


@lru_cache(maxsize=1)
def _byte_of() -> dict[str, int]:
    """GPT-2's byte-level alphabet, reversed: the character that stands for each byte."""
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    return {char: byte for byte, char in bytes_to_unicode().items()}


def decode_byte_level(token: str) -> str:
    """``ĠìĤ¬ê³¼`` → ``␣사과``: the bytes a byte-level token stands for, as text; a byte sequence that is
    not whole UTF-8 (a piece of a character split across tokens) is shown as ``<0xEC>``."""
    table = _byte_of()
    if any(char not in table for char in token):
        return token  # a special or added token, written as it is
    raw = bytes(table[char] for char in token)
    out: list[str] = []
    index = 0
    while index < len(raw):
        for width in (4, 3, 2, 1):
            chunk = raw[index : index + width]
            try:
                text = chunk.decode("utf-8")
            except UnicodeDecodeError:
                continue
            if len(text) == 1:
                out.append(VISIBLE_SPACE if text == " " else text)
                index += width
                break
        else:
            out.append(f"<0x{raw[index]:02X}>")
            index += 1
    return "".join(out)


@dataclass(frozen=True)
class TokenizerFamily:
    kind: str  # "wordpiece", "byte-level-bpe", "sentencepiece", "bpe"
    cls: str  # the token that starts an input: [CLS] or <s>
    sep: str  # the token that ends it: [SEP] or </s>
    pad: str
    unk: str
    mask: str | None
    lowercase: bool
    splits_hangul: bool  # syllables come out as letters (jamo)
    word_start: str | None  # the marker a word's first token starts with, if any

    @property
    def byte_level(self) -> bool:
        return self.kind == "byte-level-bpe"

    @property
    def framing(self) -> str:
        """``[CLS]/[SEP]`` or ``<s>/</s>``: the tokens "hide specials" hides."""
        return f"{self.cls}/{self.sep}"

    def display(self, token: str) -> str:
        return decode_byte_level(token) if self.byte_level else token

    def is_bare_word_start(self, token: str) -> bool:
        """A token that is nothing but the word-start marker (it belongs to the word after it)."""
        return self.word_start is not None and token == self.word_start


def _backend(tokenizer: Any) -> dict[str, Any]:
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        return {}
    try:
        data: dict[str, Any] = json.loads(backend.to_str())
    except (ValueError, TypeError):
        return {}
    return data


def _types(component: Any) -> set[str]:
    """Every component type in a (possibly nested) normalizer/pre-tokenizer/decoder description."""
    if isinstance(component, dict):
        found = {str(component.get("type"))} if "type" in component else set()
        for value in component.values():
            found |= _types(value)
        return found
    if isinstance(component, list):
        return set().union(*(_types(item) for item in component)) if component else set()
    return set()


def _lowercases(normalizer: Any) -> bool:
    types = _types(normalizer)
    if "Lowercase" in types:
        return True
    return bool(isinstance(normalizer, dict) and normalizer.get("lowercase"))


def describe(tokenizer: Any) -> TokenizerFamily:
    """Tell the family from the tokenizer's own description (its ``tokenizer.json``) and behaviour."""
    data = _backend(tokenizer)
    model_type = str((data.get("model") or {}).get("type", ""))
    pieces = _types(data.get("pre_tokenizer")) | _types(data.get("decoder"))
    if "ByteLevel" in pieces:
        kind, word_start = "byte-level-bpe", WORD_START_MARKS[0]
    elif "Metaspace" in pieces:
        kind, word_start = "sentencepiece", WORD_START_MARKS[1]
    elif model_type == "WordPiece" or not data:
        kind, word_start = "wordpiece", None
    else:
        kind, word_start = "bpe", None
    tokens = tokenizer.tokenize("\ud55c\uad6d\uc5b4")  # 한국어: does Hangul come out as letters?
    splits_hangul = any(ord(char) in _JAMO for token in tokens for char in token)
    return TokenizerFamily(
        kind=kind,
        cls=str(tokenizer.cls_token or tokenizer.bos_token or "[CLS]"),
        sep=str(tokenizer.sep_token or tokenizer.eos_token or "[SEP]"),
        pad=str(tokenizer.pad_token or "[PAD]"),
        unk=str(tokenizer.unk_token or "[UNK]"),
        mask=str(tokenizer.mask_token) if tokenizer.mask_token else None,
        lowercase=_lowercases(data.get("normalizer")) or bool(getattr(tokenizer, "do_lower_case", False)),
        splits_hangul=splits_hangul,
        word_start=word_start,
    )
