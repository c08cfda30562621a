"""Every sentence an image says, built from the i18n tables in the reader's language.

Figures decide *what* to say (from the numbers they draw); this module decides *how it reads*. Each
caption is computed from the same result the figure draws, so it is true of that image.
"""

from __future__ import annotations

import textwrap

from bot.engine.attention import WordAttention, word_attention
from bot.engine.chars import has_hangul
from bot.engine.query import HeadChoice
from bot.engine.render.style import MAX_LABEL_CHARS, SENTENCE_CHARS
from bot.engine.results import AttentionResult
from bot.engine.tokens import TokenizedSentence
from bot.engine.words import joined_pieces
from bot.i18n import heads_label, t
from bot.text import ELLIPSIS, clip, weighted_list


def quoted(text: str) -> str:
    return f"\u201c{text}\u201d"


def short(token: str, limit: int = MAX_LABEL_CHARS) -> str:
    """A token label that fits under a heatmap column."""
    return clip(token, limit)


def clip_lines(text: str, width: int, lines: int) -> tuple[list[str], bool]:
    """Wrap ``text`` to at most ``lines`` lines; return the lines and whether anything was cut."""
    wrapped = textwrap.wrap(" ".join(text.split()), width=width) or [""]
    if len(wrapped) <= lines:
        return wrapped, False
    kept = wrapped[:lines]
    kept[-1] = kept[-1][: width - 1].rstrip() + ELLIPSIS
    return kept, True


def sentence_title(prefix: str, text: str, width: int = SENTENCE_CHARS) -> tuple[str, bool]:
    """``in “the sentence”`` on one line, and whether the sentence had to be shortened."""
    lines, cut = clip_lines(text, width, 1)
    return f"{prefix} {quoted(lines[0])}", cut


def heads(lang: str, choice: HeadChoice, num_heads: int, values: str = "weights") -> str:
    return heads_label(lang, choice.agg, choice.head, num_heads, values)


def model_shape(lang: str, model: str, layers: int, num_heads: int) -> str:
    return t(lang, "img.model_shape", model=model, layers=layers, heads=num_heads)


def specials(lang: str, hidden: bool, renormalised: bool, sentence: TokenizedSentence) -> str:
    """Whether the tokenizer's own framing tokens ([CLS]/[SEP], <s>/</s>) are shown, and how."""
    if not hidden:
        return t(lang, "specials.shown")
    key = "img.specials.rescaled" if renormalised else "img.specials.hidden"
    return t(lang, key, specials=sentence.family.framing)


def top_line(lang: str, word: WordAttention, where: str, k: int = 5, values: str = "weights") -> str:
    listed = weighted_list(word.top(k), " \u00b7 ", token_chars=16)
    key = "img.top.norms" if values == "norms" else "img.top"
    return t(lang, key, where=where, listed=listed or t(lang, "img.top.none"))


def norms_notes(lang: str, result: AttentionResult) -> list[str]:
    """Why the norms differ from the weights, with this word's own numbers in the selected layer:
    the share [CLS]/[SEP] get of its weights against the share they get of its norms."""
    if result.norms is None:
        return []
    word = result.word
    what = t(lang, "img.values.norms")
    if word.hide_special or not word.heads.is_distribution or not word.special_columns():
        return [what, t(lang, "img.norms.hidden")]
    weights = word_attention(word.analysis, word.span, heads=word.heads, layer=word.layer)
    weight_share, norm_share = weights.special_share(), word.special_share()
    # "What they send is small" is said only where the numbers show it.
    key = "img.norms.vs" if norm_share < weight_share - 0.05 else "img.norms.vs_plain"
    framing = word.analysis.sentence.family.framing
    versus = t(lang, key, layer=word.layer + 1, specials=framing, weights=weight_share, norms=norm_share)
    return [what, versus]


def sink_tip(lang: str, word: WordAttention, sentence: str | None = None) -> str | None:
    """Say why [CLS]/[SEP] dominate instead of letting them silently wash out the colour scale, with
    the very number the picture shows (a share of the row, or for a max over heads the largest cell).
    ``sentence`` names which one ("A", "B") where there are two."""
    share = word.sink_share()
    if share is None:
        return None
    framing = word.analysis.sentence.family.framing
    key = "img.sink_max" if word.heads.agg == "max" else "img.sink"
    tip = t(lang, key, share=share, layer=word.layer + 1, specials=framing)
    return tip if sentence is None else t(lang, "img.compare.which", sentence=sentence, tip=tip)


def pieces_note(lang: str, word: WordAttention) -> str | None:
    if word.span.pieces < 2:
        return None
    pieces = joined_pieces(word.analysis.sentence, word.span)
    return t(
        lang, "img.pieces", word=quoted(word.span.text), count=word.span.pieces, pieces=short(pieces, 60)
    )


def shortening_notes(lang: str, start: int, stop: int, total: int, sentence_cut: bool) -> list[str]:
    """What the image leaves out, said on the image: a window of a long sentence, a cut subtitle."""
    notes = []
    if (start, stop) != (0, total):
        notes.append(t(lang, "img.window", start=start + 1, stop=stop, total=total))
    if sentence_cut:
        notes.append(t(lang, "img.sentence_cut"))
    return notes


def tokenizer_notes(lang: str, *sentences: TokenizedSentence) -> list[str]:
    """What the tokenizer did to the text that the picture cannot show by itself: Hangul taken apart
    into letters (an uncased WordPiece's accent stripping), pieces it had no token for."""
    notes = []
    if any(s.family.splits_hangul and has_hangul(s.text) for s in sentences):
        notes.append(t(lang, "tok.jamo"))
    if count := sum(s.unknown_count for s in sentences):
        notes.append(t(lang, "img.unknown", count=count, unk=sentences[0].family.unk))
    return notes
