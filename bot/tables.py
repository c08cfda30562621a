"""Token tables, as the seed post walks through them: per-sentence rows of token, id, mask and a note,
then ``input_ids`` and ``attention_mask``, and what to notice. Shared by the CLI and Discord replies;
columns are aligned by display width (``bot.text``) so Hangul lines up too.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.engine.family import VISIBLE_SPACE, TokenizerFamily
from bot.engine.tokens import TokenizationReport, TokenizedSentence
from bot.i18n import t
from bot.text import display_width, one_line, pad


def token_notes(sentence: TokenizedSentence, shared: set[int], lang: str) -> list[str]:
    notes = []
    for i in range(len(sentence)):
        note = ""
        if not sentence.attention_mask[i]:
            note = t(lang, "tok.note.pad")
        elif sentence.framing[i]:
            note = t(lang, "tok.note.cls") if i == 0 else t(lang, "tok.note.sep")
        elif sentence.unknown[i]:
            note = t(lang, "tok.note.unk")
        elif sentence.special[i]:
            note = t(lang, "tok.note.special")
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
        return sentence.display[index]
    return sentence.text[first[0] : last[1]]


def sentence_table(sentence: TokenizedSentence, shared: set[int], lang: str) -> list[str]:
    headers = t(lang, "tok.columns").split("|")
    rows = [
        [str(i), one_line(token, 24), str(token_id), str(mask), note]
        for i, (token, token_id, mask, note) in enumerate(
            zip(
                sentence.display,
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


def summary_lines(report: TokenizationReport, lang: str, *, cli: bool = False) -> list[str]:
    """What to notice: ids shared across sentences (the seed's 6207), the legend, and, once, what this
    tokenizer does to Hangul."""
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
            compare = "python -m bot compare" if cli else "/compare"
            lines.append(t(lang, "tok.shared", items=items, compare=compare))
        else:
            lines.append(t(lang, "tok.no_shared"))
    family = report.sentences[0].family
    lines.append(legend(family, lang))
    if (note := hangul_note(family, [s.text for s in report.sentences], lang)) is not None:
        lines.append(note)
    return lines


def legend(family: TokenizerFamily, lang: str) -> str:
    if family.word_start is None:
        pieces = t(lang, "tok.legend.wordpiece")
    elif family.byte_level:
        pieces = t(lang, "tok.legend.bytes", marker=VISIBLE_SPACE)
    else:
        pieces = t(lang, "tok.legend.marker", marker=family.word_start)
    return t(lang, "tok.legend", cls=family.cls, sep=family.sep, pad=family.pad, pieces=pieces)


def _has_hangul(texts: Sequence[str]) -> bool:
    return any("\uac00" <= char <= "\ud7a3" for text in texts for char in text)


def hangul_note(family: TokenizerFamily, texts: Sequence[str], lang: str) -> str | None:
    """Said once per reply: a tokenizer that splits Hangul into letters or bytes, and what to do."""
    if not _has_hangul(texts):
        return None
    if family.splits_hangul:
        return t(lang, "tok.jamo")
    if family.byte_level:
        return t(lang, "tok.bytes")
    return None


def comparison_lines(reports: Sequence[TokenizationReport], lang: str) -> list[str]:
    """The same sentences through several tokenizers: pieces, count, characters per piece, share of
    unknown pieces, and what each does to Hangul."""
    lines: list[str] = []
    headers = t(lang, "tok.models.columns").split("|")
    for n, text in enumerate(s.text for s in reports[0].sentences):
        if lines:
            lines.append("")
        lines.append(t(lang, "tok.sentence", n=n + 1, text=one_line(text)))
        rows = []
        for report in reports:
            sentence = report.sentences[n]
            real = [i for i in range(len(sentence)) if not sentence.framing[i]]
            count = len(real)
            chars = sum(1 for char in text if not char.isspace())
            unknown = sum(sentence.unknown)
            pieces = " ".join(sentence.display[i] for i in real)
            rows.append(
                [
                    one_line(report.model, 40),
                    str(count),
                    f"{chars / max(count, 1):.2f}",
                    f"{unknown / max(count, 1):.0%}",
                    one_line(pieces, 200),
                ]
            )
        widths = [max(display_width(r[c]) for r in [headers, *rows]) for c in range(len(headers) - 1)]
        for row in [headers, *rows]:
            cells = [pad(cell, widths[c]) for c, cell in enumerate(row[:-1])]
            lines.append("  ".join([*cells, row[-1]]).rstrip())
    texts = [s.text for s in reports[0].sentences]
    notes = [
        f"{report.model}: {note}"
        for report in reports
        if (note := hangul_note(report.sentences[0].family, texts, lang)) is not None
    ]
    return [*lines, "", *notes] if notes else lines


def _matrix(rows: Sequence[Sequence[int]]) -> str:
    inner = ", ".join("[" + ", ".join(map(str, row)) + "]" for row in rows)
    return inner if len(rows) == 1 else f"[{inner}]"
