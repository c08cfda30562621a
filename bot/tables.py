"""Token tables, as the seed post walks through them: per-sentence rows of token, id, mask and a note,
then ``input_ids`` and ``attention_mask``, and what to notice. Shared by the CLI and Discord replies;
columns are aligned by display width (``bot.text``) so Hangul lines up too.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.engine.tokens import TokenizationReport, TokenizedSentence
from bot.i18n import t
from bot.text import display_width, one_line, pad


def token_notes(sentence: TokenizedSentence, shared: set[int], lang: str) -> list[str]:
    notes = []
    for i, token in enumerate(sentence.tokens):
        note = ""
        if not sentence.attention_mask[i]:
            note = t(lang, "tok.note.pad")
        elif sentence.framing[i]:
            note = t(lang, "tok.note.cls") if i == 0 else t(lang, "tok.note.sep")
        elif sentence.special[i]:
            note = t(lang, "tok.note.unk") if token.upper() == "[UNK]" else t(lang, "tok.note.special")
        elif sentence.subword[i]:
            note = t(lang, "tok.note.piece", word=_word_of(sentence, i))
        if i in shared:
            note = (note + ", " if note else "") + t(lang, "tok.note.shared")
        notes.append(note)
    return notes


def _word_of(sentence: TokenizedSentence, index: int) -> str:
    """The whole word a ## piece belongs to, from the first piece to the last."""
    start = index
    while start > 0 and sentence.subword[start]:
        start -= 1
    end = index
    while end + 1 < len(sentence) and sentence.subword[end + 1]:
        end += 1
    first, last = sentence.offsets[start], sentence.offsets[end]
    if first is None or last is None:
        return sentence.tokens[index]
    return sentence.text[first[0] : last[1]]


def sentence_table(sentence: TokenizedSentence, shared: set[int], lang: str) -> list[str]:
    headers = t(lang, "tok.columns").split("|")
    rows = [
        [str(i), one_line(token, 24), str(token_id), str(mask), note]
        for i, (token, token_id, mask, note) in enumerate(
            zip(
                sentence.tokens,
                sentence.input_ids,
                sentence.attention_mask,
                token_notes(sentence, shared, lang),
                strict=True,
            )
        )
    ]
    widths = [max(display_width(r[c]) for r in [headers, *rows]) for c in range(len(headers))]
    lines = []
    for row in [headers, *rows]:
        cells = [pad(cell, widths[c]) for c, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
    return lines


def report_lines(report: TokenizationReport, lang: str) -> list[str]:
    """The seed post's token walk-through: per-sentence tables, then input_ids and attention_mask."""
    lines = [t(lang, "tok.header", model=report.model)]
    if len(report.sentences) > 1:
        lines.append(t(lang, "tok.padded", length=len(report.sentences[0])))
    shared_positions: dict[int, set[int]] = {}
    for item in report.shared:
        for s_index, t_index in item.positions:
            shared_positions.setdefault(s_index, set()).add(t_index)
    for n, sentence in enumerate(report.sentences):
        lines.append("")
        lines.append(t(lang, "tok.sentence", n=n + 1, text=one_line(sentence.text)))
        lines.extend(sentence_table(sentence, shared_positions.get(n, set()), lang))
    lines.append("")
    lines.append("input_ids      = " + _matrix([s.input_ids for s in report.sentences]))
    lines.append("attention_mask = " + _matrix([s.attention_mask for s in report.sentences]))
    return lines


def summary_lines(report: TokenizationReport, lang: str) -> list[str]:
    """What to notice: ids shared across sentences (the seed's 6207), and the legend."""
    lines = []
    if len(report.sentences) > 1:
        if report.shared:
            items = "; ".join(
                t(
                    lang,
                    "tok.shared.item",
                    id=item.token_id,
                    token=one_line(item.token, 30),
                    where=", ".join(str(s + 1) for s in sorted({s for s, _ in item.positions})),
                )
                for item in report.shared[:10]
            )
            lines.append(t(lang, "tok.shared", items=items))
        else:
            lines.append(t(lang, "tok.no_shared"))
    lines.append(t(lang, "tok.legend"))
    return lines


def _matrix(rows: Sequence[Sequence[int]]) -> str:
    inner = ", ".join("[" + ", ".join(map(str, row)) + "]" for row in rows)
    return inner if len(rows) == 1 else f"[{inner}]"
