"""Token tables, as the seed post walks through them: per-sentence rows of token, id, mask and a note,
then ``input_ids`` and ``attention_mask``, and what to notice. Shared by the CLI and Discord replies;
columns are aligned by display width (``bot.text``) so Hangul lines up too.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.engine import morphemes
from bot.engine.chars import is_final_jamo, without_ignorable
from bot.engine.family import VISIBLE_SPACE, TokenizerFamily
from bot.engine.tokens import TokenizationReport, TokenizedSentence
from bot.i18n import t
from bot.text import clip, display_width, one_line, pad


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
        elif sentence.subword[i] or (i + 1 < len(sentence) and sentence.subword[i + 1]):
            note = t(lang, "tok.note.piece", word=_word_of(sentence, i))  # the first piece too
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


# ------------------------------------------------------------------------------ Korean alignment


def report_alignment_lines(report: TokenizationReport, lang: str, *, wait: bool = True) -> list[str]:
    """``alignment_lines`` for every sentence of a report that has Hangul, under one title; [] when
    none has, or the morphological analyser is not available (``wait``: see ``alignment_lines``)."""
    lines: list[str] = []
    several = len(report.sentences) > 1
    for n, sentence in enumerate(report.sentences):
        table = alignment_lines(sentence, lang, wait=wait, title=False)
        if not table:
            continue
        if several:
            lines.extend(["", t(lang, "tok.sentence", n=n + 1, text=one_line(sentence.text))])
        lines.extend(table)
    if not lines:
        return []
    return [t(lang, "align.title"), *(lines[1:] if lines[0] == "" else lines)]


def alignment_lines(
    sentence: TokenizedSentence, lang: str, *, wait: bool = True, title: bool = True
) -> list[str]:
    """Eojeol -> morphemes (with the part of speech students learn: 명사, 조사, 동사, 어미 ...) -> the
    model's tokens, one row per morpheme, so a student sees where the model's pieces cut across
    morphemes (marked *). Only for text with Hangul, when kiwipiepy is installed: [] otherwise.

    Morphemes written in the same letters (했 = 하 + 었) each list the tokens of those letters; when a
    tokenizer splits a syllable into jamo, an ending written as a final consonant (ᆫ of 큰) takes the
    piece that ends with it. A morpheme not written at all (the 이 of 텍스트네) is shown in parentheses.
    ``wait=False`` (on the event loop) returns [] instead of waiting for the analyser to load.
    """
    analysis = morphemes.analyse(sentence.text, wait=wait)
    if analysis is None or not analysis.morphemes:
        return []
    owners = _token_owners(sentence, analysis.morphemes)
    crossing = {token for token, owned in owners.items() if len(owned) > 1}
    tokens_of: dict[int, list[int]] = {}
    for token, owned in sorted(owners.items()):
        for index in owned:
            tokens_of.setdefault(index, []).append(token)

    headers = t(lang, "align.columns").split("|")
    rows: list[list[str]] = []
    number = {id(m): i for i, m in enumerate(analysis.morphemes)}
    for e_index, (start, end) in enumerate(analysis.eojeols):
        for k, m in enumerate(analysis.in_eojeol(e_index)):
            index = number[id(m)]
            pieces = [
                sentence.display[ti] + ("*" if ti in crossing else "") for ti in tokens_of.get(index, [])
            ]
            rows.append(
                [
                    clip(without_ignorable(sentence.text[start:end]), 20) if k == 0 else "",
                    _morpheme_label(m),
                    f"{morphemes.group_name(m.tag, lang)} {m.tag}",
                    one_line(" ".join(pieces), 80) if pieces else "\u2014",
                ]
            )
    widths = [max(display_width(r[c]) for r in [headers, *rows]) for c in range(len(headers) - 1)]
    lines = [t(lang, "align.title")] if title else []
    for row in [headers, *rows]:
        cells = [pad(cell, widths[c]) for c, cell in enumerate(row[:-1])]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    lines.extend(_alignment_notes(analysis, bool(crossing), lang))
    return lines


def _morpheme_label(m: morphemes.Morpheme) -> str:
    if not m.written:
        return f"({m.form})"
    surface = without_ignorable(m.surface)
    return m.form if m.form == surface else f"{m.form} ({surface})"


def _token_owners(sentence: TokenizedSentence, found: tuple[morphemes.Morpheme, ...]) -> dict[int, list[int]]:
    """For each token of the text, the morphemes (indices) written in its characters."""
    owners: dict[int, list[int]] = {}
    for ti, offset in enumerate(sentence.offsets):
        if offset is None or sentence.framing[ti]:
            continue
        a, b = offset
        if a == b:  # a bare word-start marker: it belongs to the word starting there
            starting = [i for i, m in enumerate(found) if m.written and m.start == a]
            if starting:
                owners[ti] = starting[:1]
            continue
        owned = [i for i, m in enumerate(found) if m.written and m.start < b and m.end > a]
        if owned:
            owners[ti] = owned
    # A syllable split into jamo pieces (큰: ᄏ ##ᅳ ##ᆫ) where a morpheme starts with a final consonant
    # (크 + ᆫ, 나누 + ᆫ다): the piece ending in that consonant is that morpheme's, the others are not.
    for index, m in enumerate(found):
        if not (m.written and m.form and is_final_jamo(m.form[0])):
            continue
        syllable = (m.start, m.start + 1)
        pieces = [ti for ti, owned in owners.items() if index in owned and sentence.offsets[ti] == syllable]
        if len(pieces) < 2 or not sentence.display[pieces[-1]].endswith(m.form[0]):
            continue
        for ti in pieces[:-1]:
            if len(owners[ti]) > 1:
                owners[ti] = [i for i in owners[ti] if i != index]
        owners[pieces[-1]] = [index]
    return owners


def _alignment_notes(analysis: morphemes.Analysis, crossing: bool, lang: str) -> list[str]:
    notes = [t(lang, "align.cross")] if crossing else []
    # Morphemes written in overlapping letters, grouped: 했 = 하 + 었, 추워서 = 춥 + 어서.
    groups: list[list[morphemes.Morpheme]] = []
    for m in sorted((m for m in analysis.morphemes if m.written), key=lambda m: (m.start, m.end)):
        if groups and m.start < max(o.end for o in groups[-1]):
            groups[-1].append(m)
        else:
            groups.append([m])
    for group in groups:
        if len(group) > 1:
            written = without_ignorable(analysis.text[group[0].start : max(o.end for o in group)])
            parts = " + ".join(o.form for o in group)
            notes.append(t(lang, "align.shares", written=written, parts=parts, count=len(group)))
    zero = [m for m in analysis.morphemes if not m.written]
    if zero:
        notes.append(t(lang, "align.zero", form=zero[0].form))
    return notes


def _matrix(rows: Sequence[Sequence[int]]) -> str:
    inner = ", ".join("[" + ", ".join(map(str, row)) + "]" for row in rows)
    return inner if len(rows) == 1 else f"[{inner}]"
