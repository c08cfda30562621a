"""Pure functions from a sentence and the model's outputs to what BERT Lens shows.

Conventions: inside the engine, layers, heads and tokens are 0-based array indices. Everything a user
sees (CLI, JSON, Discord, images) numbers layers and heads from 1; ``AttentionQuery`` holds those
1-based numbers and ``resolve_query`` is the one place that checks and converts them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from bot.engine.errors import (
    EmptyText,
    InvalidChoice,
    OccurrenceOutOfRange,
    OutOfRange,
    TextTooLong,
    WordNotFound,
)
from bot.engine.model import LoadedModel

Aggregation = Literal["mean", "max", "head"]
View = Literal["word", "heads", "matrix", "grid", "rollout"]
AGGREGATIONS: tuple[str, ...] = ("mean", "max")
VIEWS: tuple[str, ...] = ("word", "heads", "matrix", "grid", "rollout")

DEFAULT_MAX_CHARS = 500
SINK_SHARE = 0.5
DEFAULT_MAX_TOKENS = 128

# Words as people type them: letters/digits, with inner apostrophes or hyphens ("isn't", "state-of-the-art").
_WORD_RE = re.compile(r"\w+(?:['\u2019\-]\w+)*")
_QUOTES = "\"'\u201c\u201d\u2018\u2019`"
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


# --------------------------------------------------------------------------------------------- tokens


@dataclass(frozen=True)
class TokenizedSentence:
    """One sentence as the tokenizer sees it (after padding, when tokenized with others)."""

    text: str
    tokens: tuple[str, ...]
    input_ids: tuple[int, ...]
    attention_mask: tuple[int, ...]
    special: tuple[bool, ...]  # [CLS] [SEP] [PAD] [UNK] [MASK]
    framing: tuple[bool, ...]  # [CLS] [SEP] [PAD] added by the tokenizer: dropped by "hide specials"
    subword: tuple[bool, ...]  # a continuation piece of a word ("##ization")
    offsets: tuple[tuple[int, int] | None, ...]  # character span in ``text``; None for added tokens

    def __len__(self) -> int:
        return len(self.tokens)

    @property
    def unknown_count(self) -> int:
        return sum(1 for s, f in zip(self.special, self.framing, strict=True) if s and not f)

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "tokens": list(self.tokens),
            "input_ids": list(self.input_ids),
            "attention_mask": list(self.attention_mask),
            "special": list(self.special),
            "subword": list(self.subword),
            "offsets": [list(o) if o is not None else None for o in self.offsets],
        }


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

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "sentences": [s.to_json() for s in self.sentences],
            "shared_ids": [
                {"id": s.token_id, "token": s.token, "positions": [list(p) for p in s.positions]}
                for s in self.shared
            ],
        }


def check_text(text: str, *, max_chars: int = DEFAULT_MAX_CHARS, what: str = "sentence") -> str:
    if not isinstance(text, str) or not text.strip():
        raise EmptyText(what)
    if len(text) > max_chars:
        raise TextTooLong(length=len(text), limit=max_chars, unit="characters")
    # Lone surrogates (undecodable bytes in command-line arguments, "\ud800" escapes in JSON) are not
    # valid text and the tokenizer rejects them with a TypeError; read each one as U+FFFD, which keeps
    # every character offset in place.
    return _SURROGATE_RE.sub("\ufffd", text)


def encode(
    lm: LoadedModel,
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
    texts = [check_text(s, max_chars=max_chars) for s in sentences]
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
            raise EmptyText()  # only whitespace or characters the tokenizer drops
        special = tuple(f or t in special_ids for t, f in zip(ids, framing, strict=True))
        offsets: list[tuple[int, int] | None] = []
        for (start, end), f in zip(encoded["offset_mapping"][i], framing, strict=True):
            offsets.append(None if f else (int(start), int(end)))
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
                offsets=tuple(offsets),
            )
        )
    inputs = {k: v for k, v in encoded.items() if k not in ("offset_mapping", "special_tokens_mask")}
    return tuple(reports), inputs


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
    lm: LoadedModel,
    sentences: Sequence[str],
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
    max_tokens: int = DEFAULT_MAX_TOKENS,
) -> TokenizationReport:
    reports, _ = encode(lm, sentences, max_chars=max_chars, max_tokens=max_tokens)
    return TokenizationReport(model=lm.name, sentences=reports, shared=shared_ids(reports))


# --------------------------------------------------------------------------------------- forward pass


@dataclass(frozen=True, eq=False)
class Analysis:
    """One sentence's forward pass: everything later views need, so paging never reruns the model."""

    model: str
    sentence: TokenizedSentence
    attentions: np.ndarray  # [layer, head, from, to], float32, each row sums to 1
    hidden_states: np.ndarray  # [layer 0..L, token, dim]; 0 is the embedding output

    @property
    def num_layers(self) -> int:
        return int(self.attentions.shape[0])

    @property
    def num_heads(self) -> int:
        return int(self.attentions.shape[1])

    @property
    def nbytes(self) -> int:
        return int(self.attentions.nbytes + self.hidden_states.nbytes)


def analyse(
    lm: LoadedModel,
    text: str,
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
    max_tokens: int = DEFAULT_MAX_TOKENS,
) -> Analysis:
    """Tokenize one sentence on its own (no padding) and run the model once."""
    (sentence,), inputs = encode(lm, [text], max_chars=max_chars, max_tokens=max_tokens, return_tensors="pt")
    attentions, hidden = lm.forward(inputs)
    attentions.setflags(write=False)
    hidden.setflags(write=False)
    return Analysis(model=lm.name, sentence=sentence, attentions=attentions, hidden_states=hidden)


# ----------------------------------------------------------------------------------------- word lookup


@dataclass(frozen=True)
class WordSpan:
    """Where a word sits in the sentence, and which tokens carry it."""

    text: str  # as written in the sentence
    start: int
    end: int
    occurrence: int  # 1-based
    occurrences: int
    token_indices: tuple[int, ...]

    @property
    def pieces(self) -> int:
        return len(self.token_indices)


def sentence_words(text: str) -> list[str]:
    """Distinct words of a sentence in order (case-insensitive), as written: for errors and autocomplete."""
    # Split the folded text, as lookups see it, so a decomposed accent ("nai\u0308ve") does not cut a
    # word in two and every listed word can be found again.
    haystack, origin = _fold(text)
    seen: dict[str, str] = {}
    for match in _WORD_RE.finditer(haystack):
        start, end = origin[match.start()], _with_marks(text, origin[match.end() - 1] + 1)
        seen.setdefault(match.group(), text[start:end])
    return list(seen.values())


def _fold(text: str) -> tuple[str, list[int]]:
    """Lower-case and strip accents as an uncased WordPiece tokenizer does, remembering where each
    folded character came from so matches map back to the original text's offsets."""
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        for part in unicodedata.normalize("NFD", char):
            if unicodedata.category(part) == "Mn":
                continue
            for folded in part.casefold():
                chars.append(folded)
                origin.append(index)
    return "".join(chars), origin


def fold_word(text: str) -> str:
    """The form words are compared in: lower-case, accents stripped (for autocomplete and lookups)."""
    return _fold(text)[0]


def _with_marks(text: str, end: int) -> int:
    """Move a span's end past the combining marks that follow it: they belong to its last letter."""
    while end < len(text) and not _fold(text[end])[0]:
        end += 1
    return end


def _is_wordish(char: str) -> bool:
    return char.isalnum() or char == "_"


def _find_spans(text: str, word: str) -> list[tuple[int, int]]:
    haystack, origin = _fold(text)
    needle, _ = _fold(word)
    if not needle:
        return []
    spans = []
    at = haystack.find(needle)
    while at != -1:
        end = at + len(needle)
        # Whole words only: "apple" must not match inside "pineapple" or "apples".
        left_ok = not _is_wordish(needle[0]) or at == 0 or not _is_wordish(haystack[at - 1])
        right_ok = not _is_wordish(needle[-1]) or end == len(haystack) or not _is_wordish(haystack[end])
        if left_ok and right_ok:
            spans.append((origin[at], _with_marks(text, origin[end - 1] + 1)))
            at = haystack.find(needle, end)
        else:
            at = haystack.find(needle, at + 1)
    return spans


def locate_word(text: str, word: str, occurrence: int = 1) -> tuple[str, int, int, int]:
    """Find ``word`` in ``text`` by characters alone (no tokenizer, cheap enough for the event loop).

    Returns ``(word as written, start, end, number of occurrences)`` or raises a friendly error.
    """
    if not isinstance(word, str) or not word.strip():
        raise EmptyText("word")
    query = word.strip()
    spans = _find_spans(text, query)
    if not spans and query.strip(_QUOTES):
        query = query.strip(_QUOTES)  # people type 'apple' or "apple" with the quotes
        spans = _find_spans(text, query)
    if not spans:
        raise WordNotFound(word.strip(), text, sentence_words(text))
    if not 1 <= occurrence <= len(spans):
        raise OccurrenceOutOfRange(text[spans[0][0] : spans[0][1]], occurrence, len(spans))
    start, end = spans[occurrence - 1]
    return text[start:end], start, end, len(spans)


def find_word(sentence: TokenizedSentence, word: str, occurrence: int = 1) -> WordSpan:
    """Locate ``word`` in the sentence by character offsets, not by comparing token strings, so words
    split into several pieces and words with accents or capitals are found like a reader would."""
    written, start, end, count = locate_word(sentence.text, word, occurrence)
    indices = tuple(
        i
        for i, offset in enumerate(sentence.offsets)
        if offset is not None and offset[0] < end and offset[1] > start and offset[1] > offset[0]
    )
    if not indices:
        # Only characters the tokenizer drops (control characters and the like).
        raise WordNotFound(word.strip(), sentence.text, sentence_words(sentence.text))
    return WordSpan(
        text=written,
        start=start,
        end=end,
        occurrence=occurrence,
        occurrences=count,
        token_indices=indices,
    )


# ------------------------------------------------------------------------------------- head selection


@dataclass(frozen=True)
class HeadChoice:
    """How heads are combined: the mean over heads, the max over heads, or one head (0-based)."""

    agg: Aggregation = "mean"
    head: int | None = None

    def apply(self, per_head: np.ndarray, axis: int) -> np.ndarray:
        if self.agg == "head":
            assert self.head is not None
            return np.take(per_head, self.head, axis=axis)
        if self.agg == "max":
            return per_head.max(axis=axis)
        return per_head.mean(axis=axis)

    @property
    def is_distribution(self) -> bool:
        """Mean and single-head rows sum to 1; a max over heads does not."""
        return self.agg != "max"

    def label(self, num_heads: int) -> str:
        if self.agg == "head":
            assert self.head is not None
            return f"head {self.head + 1} of {num_heads}"
        if self.agg == "max":
            return f"max over {num_heads} heads"
        return f"mean of {num_heads} heads"


def keep_columns(sentence: TokenizedSentence, hide_special: bool) -> np.ndarray:
    """Token indices to show: all real tokens, minus [CLS]/[SEP] when specials are hidden.

    [PAD] never appears here because an analysis is always of one unpadded sentence.
    """
    keep = [
        i
        for i, (framing, mask) in enumerate(zip(sentence.framing, sentence.attention_mask, strict=True))
        if mask and not (hide_special and framing)
    ]
    return np.asarray(keep, dtype=np.intp)


def renormalise(rows: np.ndarray) -> np.ndarray:
    """Rescale the last axis to sum to 1 (after dropping columns); all-zero rows stay zero."""
    total = rows.sum(axis=-1, keepdims=True)
    return np.divide(rows, total, out=np.zeros_like(rows), where=total > 0)


# ----------------------------------------------------------------------------------- word attention


@dataclass(frozen=True)
class AttentionQuery:
    """A request as users state it: layer and head numbered from 1, None meaning the defaults."""

    word: str
    occurrence: int = 1
    layer: int | None = None  # 1-based; None = last layer
    head: int | None = None  # 1-based; None = aggregate with ``agg``
    agg: str = "mean"
    hide_special: bool = False
    view: str = "word"


@dataclass(frozen=True)
class Resolved:
    layer: int  # 0-based
    heads: HeadChoice
    view: str


def resolve_query(query: AttentionQuery, num_layers: int, num_heads: int) -> Resolved:
    """Check the user's numbers and choices against the model and convert them to 0-based."""
    if query.view not in VIEWS:
        raise InvalidChoice("view", str(query.view), VIEWS)
    if query.agg not in (*AGGREGATIONS, "head"):
        raise InvalidChoice("aggregation", str(query.agg), AGGREGATIONS)
    layer = num_layers if query.layer is None else query.layer
    if not 1 <= layer <= num_layers:
        raise OutOfRange("layer", layer, num_layers)
    if query.head is not None:
        if not 1 <= query.head <= num_heads:
            raise OutOfRange("head", query.head, num_heads)
        heads = HeadChoice("head", query.head - 1)
    elif query.agg == "head":
        raise InvalidChoice("aggregation", "head (without a head number)", AGGREGATIONS)
    else:
        heads = HeadChoice(query.agg)  # type: ignore[arg-type]
    return Resolved(layer=layer - 1, heads=heads, view=query.view)


def precheck(text: str, query: AttentionQuery, *, num_layers: int, num_heads: int, max_chars: int) -> None:
    """Every check that needs neither the tokenizer nor the model, so a bot can answer bad input at
    once instead of after queueing for a worker."""
    check_text(text, max_chars=max_chars)
    resolve_query(query, num_layers, num_heads)
    locate_word(text, query.word, query.occurrence)


@dataclass(frozen=True)
class Attended:
    index: int  # token index in the sentence
    token: str
    weight: float


@dataclass(frozen=True, eq=False)
class WordAttention:
    """Where one word looks, layer by layer, over the shown tokens.

    ``rows[l, c]`` is the weight from the word to token ``columns[c]`` in layer ``l`` (0-based),
    combined over heads by ``heads`` and averaged over the word's pieces; with specials hidden the
    [CLS]/[SEP] columns are dropped and each row rescaled to sum to 1 (except a max over heads,
    which is not a distribution and is shown as is).
    """

    analysis: Analysis
    span: WordSpan
    heads: HeadChoice
    layer: int  # 0-based, the layer a caption talks about
    hide_special: bool
    columns: np.ndarray  # token indices shown
    per_head: np.ndarray  # [layer, head, column]
    rows: np.ndarray  # [layer, column]

    @property
    def tokens(self) -> list[str]:
        return [self.analysis.sentence.tokens[i] for i in self.columns]

    def top(self, k: int = 5, layer: int | None = None) -> list[Attended]:
        """The k most attended tokens in a layer (default: the selected one), the word itself aside."""
        row = self.rows[self.layer if layer is None else layer]
        own = set(self.span.token_indices)
        order = np.argsort(-row, kind="stable")
        picked: list[Attended] = []
        for c in order:
            if len(picked) >= k:  # also k <= 0: none, not every token
                break
            index = int(self.columns[c])
            if index in own:
                continue
            picked.append(Attended(index, self.analysis.sentence.tokens[index], float(row[c])))
        return picked

    def sink_share(self) -> float | None:
        """The share of raw attention [CLS]/[SEP] take in the selected layer when it is at least half
        and specials are shown: worth telling users, since it washes out every other colour."""
        if self.hide_special:
            return None
        share = self.special_share()
        return share if share >= SINK_SHARE else None

    def special_share(self, layer: int | None = None) -> float:
        """How much of the raw mean attention goes to [CLS]/[SEP]: high values mean 'attention sink'."""
        sentence = self.analysis.sentence
        rows = word_rows(self.analysis.attentions, self.span.token_indices)[
            self.layer if layer is None else layer
        ]
        mean = rows.mean(axis=0)
        return float(sum(mean[i] for i, f in enumerate(sentence.framing) if f and sentence.attention_mask[i]))


def word_rows(attentions: np.ndarray, token_indices: Sequence[int]) -> np.ndarray:
    """[layer, head, to]: the attention rows of the word's pieces, averaged over pieces."""
    return attentions[:, :, list(token_indices), :].mean(axis=2)


def word_attention(
    analysis: Analysis,
    span: WordSpan,
    *,
    heads: HeadChoice = HeadChoice(),
    layer: int | None = None,
    hide_special: bool = False,
) -> WordAttention:
    columns = keep_columns(analysis.sentence, hide_special)
    per_head = word_rows(analysis.attentions, span.token_indices)
    combined = heads.apply(per_head, axis=1)[:, columns]
    per_head = per_head[:, :, columns]
    if hide_special:
        per_head = renormalise(per_head)
        if heads.is_distribution:
            combined = renormalise(combined)
    return WordAttention(
        analysis=analysis,
        span=span,
        heads=heads,
        layer=analysis.num_layers - 1 if layer is None else layer,
        hide_special=hide_special,
        columns=columns,
        per_head=per_head,
        rows=combined,
    )


def layer_matrix(
    analysis: Analysis, layer: int, heads: HeadChoice, *, hide_special: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """[from, to] attention for one layer combined over heads, and the token indices of its axes."""
    keep = keep_columns(analysis.sentence, hide_special)
    matrix = heads.apply(analysis.attentions[layer], axis=0)[np.ix_(keep, keep)]
    if hide_special and heads.is_distribution:
        matrix = renormalise(matrix)
    return matrix, keep


def all_heads(analysis: Analysis, *, hide_special: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """[layer, head, from, to] restricted to the shown tokens, each row renormalised when hiding."""
    keep = keep_columns(analysis.sentence, hide_special)
    matrices = analysis.attentions[:, :, keep][:, :, :, keep]
    if hide_special:
        matrices = renormalise(matrices)
    return matrices, keep


# ----------------------------------------------------------------------------------------- rollout


def rollout(attentions: np.ndarray) -> np.ndarray:
    """Attention rollout (Abnar & Zuidema, 2020): how much each input token flows into each position.

    Ã_l = rownorm(mean_heads(A_l) + I) accounts for the residual connection; R_1 = Ã_1 and
    R_l = Ã_l · R_{l-1}. Returns [layer, from, to] with R after each layer; rows sum to 1.
    """
    layers, _, tokens, _ = attentions.shape
    identity = np.eye(tokens, dtype=np.float64)
    result = np.empty((layers, tokens, tokens), dtype=np.float64)
    current = identity
    for layer in range(layers):
        mixed = attentions[layer].astype(np.float64).mean(axis=0) + identity
        mixed /= mixed.sum(axis=-1, keepdims=True)
        current = mixed @ current
        result[layer] = current
    return result


def word_rollout(
    analysis: Analysis, span: WordSpan, *, layer: int | None = None, hide_special: bool = False
) -> WordAttention:
    """The word's rollout row after each layer, shaped like a WordAttention (heads are always mixed)."""
    columns = keep_columns(analysis.sentence, hide_special)
    rolled = rollout(analysis.attentions)[:, list(span.token_indices), :].mean(axis=1)[:, columns]
    if hide_special:
        rolled = renormalise(rolled)
    rows = rolled.astype(np.float32)
    return WordAttention(
        analysis=analysis,
        span=span,
        heads=HeadChoice("mean"),
        layer=analysis.num_layers - 1 if layer is None else layer,
        hide_special=hide_special,
        columns=columns,
        per_head=rows[:, None, :],
        rows=rows,
    )


# --------------------------------------------------------------------------------------- similarity


def word_vectors(analysis: Analysis, span: WordSpan) -> np.ndarray:
    """[layer 0..L, dim]: the word's hidden state after each layer, averaged over its pieces."""
    return analysis.hidden_states[:, list(span.token_indices), :].astype(np.float64).mean(axis=1)


def cosine_per_layer(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity of matching rows of two [layer, dim] arrays."""
    norms = np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1)
    return np.divide((a * b).sum(axis=-1), norms, out=np.zeros(a.shape[0]), where=norms > 0)


@dataclass(frozen=True, eq=False)
class Comparison:
    """The seed's lesson: one word in two sentences, same ids, different contextual vectors."""

    a: WordAttention
    b: WordAttention
    cosine: np.ndarray  # [layer 0..L]; 0 is the embedding output

    @property
    def ids_a(self) -> tuple[int, ...]:
        return tuple(self.a.analysis.sentence.input_ids[i] for i in self.a.span.token_indices)

    @property
    def ids_b(self) -> tuple[int, ...]:
        return tuple(self.b.analysis.sentence.input_ids[i] for i in self.b.span.token_indices)

    @property
    def same_ids(self) -> bool:
        return self.ids_a == self.ids_b

    def to_json(self, top_k: int = 5) -> dict[str, Any]:
        return comparison_json(self, top_k)


def compare_word(
    a: Analysis,
    b: Analysis,
    word: str,
    *,
    occurrence_a: int = 1,
    occurrence_b: int = 1,
    hide_special: bool = False,
) -> Comparison:
    span_a = find_word(a.sentence, word, occurrence_a)
    span_b = find_word(b.sentence, word, occurrence_b)
    return Comparison(
        a=word_attention(a, span_a, hide_special=hide_special),
        b=word_attention(b, span_b, hide_special=hide_special),
        cosine=cosine_per_layer(word_vectors(a, span_a), word_vectors(b, span_b)),
    )


# ------------------------------------------------------------------------------------------ results


@dataclass(frozen=True, eq=False)
class AttentionResult:
    """Everything one /attention request shows: the query, how it was resolved and the numbers."""

    query: AttentionQuery
    resolved: Resolved
    word: WordAttention

    @property
    def analysis(self) -> Analysis:
        return self.word.analysis

    @property
    def is_rollout(self) -> bool:
        return self.resolved.view == "rollout"

    def to_json(self, top_k: int = 5) -> dict[str, Any]:
        heads = self.word.heads
        analysis = self.analysis
        return {
            "model": analysis.model,
            "sentence": analysis.sentence.text,
            "numbering": (
                "Layers and heads are numbered from 1: attention[0] is layer 1. token_indices and "
                "columns are 0-based positions in the sentence's full token list ([CLS] is 0)."
            ),
            "tokens": self.word.tokens,
            "columns": [int(c) for c in self.word.columns],
            "word": {
                "text": self.word.span.text,
                "occurrence": self.word.span.occurrence,
                "token_indices": list(self.word.span.token_indices),
                "pieces": [analysis.sentence.tokens[i] for i in self.word.span.token_indices],
            },
            "num_layers": analysis.num_layers,
            "num_heads": analysis.num_heads,
            "layer": self.word.layer + 1,
            "view": self.resolved.view,
            "values": "rollout" if self.is_rollout else "attention",
            "aggregation": heads.agg,
            "head": None if heads.head is None else heads.head + 1,
            "hide_special": self.word.hide_special,
            "attention": [[float(v) for v in row] for row in self.word.rows],
            "top": [{"token": t.token, "index": t.index, "weight": t.weight} for t in self.word.top(top_k)],
        }


def attention_result(analysis: Analysis, query: AttentionQuery) -> AttentionResult:
    resolved = resolve_query(query, analysis.num_layers, analysis.num_heads)
    span = find_word(analysis.sentence, query.word, query.occurrence)
    if resolved.view == "rollout":
        word = word_rollout(analysis, span, layer=resolved.layer, hide_special=query.hide_special)
    else:
        word = word_attention(
            analysis, span, heads=resolved.heads, layer=resolved.layer, hide_special=query.hide_special
        )
    return AttentionResult(query=query, resolved=resolved, word=word)


def comparison_json(comparison: Comparison, top_k: int = 5) -> dict[str, Any]:
    a, b = comparison.a, comparison.b
    return {
        "model": a.analysis.model,
        "word": a.span.text,
        "numbering": (
            "Layers are numbered from 1: cosine[0] is layer 1; cosine_embeddings is the embedding "
            "output before layer 1. token_indices are 0-based positions ([CLS] is 0)."
        ),
        "sentences": [
            {
                "text": w.analysis.sentence.text,
                "word": w.span.text,
                "token_indices": list(w.span.token_indices),
                "token_ids": list(ids),
                "top": [{"token": t.token, "index": t.index, "weight": t.weight} for t in w.top(top_k)],
            }
            for w, ids in ((a, comparison.ids_a), (b, comparison.ids_b))
        ],
        "same_ids": comparison.same_ids,
        "num_layers": a.analysis.num_layers,
        "hide_special": a.hide_special,
        "cosine_embeddings": float(comparison.cosine[0]),
        "cosine": [float(v) for v in comparison.cosine[1:]],
    }
