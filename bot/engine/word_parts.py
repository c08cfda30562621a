"""A word asked for inside a Korean eojeol: ``사과`` in ``사과를`` (the particle ``를`` left out), found
by morphemes (``bot.engine.morphemes``, the optional extra ``bertlens[korean]``) or, without the
analyser, guessed by letters at the start or end of an eojeol; and, for any text, every place a typed
word matches (``matches``)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from bot.engine import morphemes
from bot.engine.chars import has_hangul, is_hangul, is_ignorable, without_ignorable
from bot.engine.folding import RUN_RE, find_spans, fold, fold_word, is_wordish, with_marks


@dataclass(frozen=True)
class LeftOut:
    """Part of an eojeol outside the word asked for (``를`` of ``사과를``), with its morphemes' tags
    (empty when the analyser is not available and the split was guessed from letters)."""

    text: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class WordPart:
    """A word asked for inside a Korean eojeol: what was left out and how it was found."""

    eojeol: str  # the whole eojeol as written (invisible characters dropped): 사과를
    left_out: tuple[LeftOut, ...] = ()  # before and/or after the word: (LeftOut("를", ("JKO",)),)
    tag: str | None = None  # the morpheme's tag when the word is one morpheme: NNG
    form: str | None = None  # the form asked for when the sentence writes it otherwise: 하 (했), 먹다 (먹)
    shares: tuple[str, ...] = ()  # morphemes written together in these characters: (하, 었) for 했
    analysed: bool = True  # False: guessed from letters, the morphological analyser is not available


@dataclass(frozen=True)
class _Match:
    start: int
    end: int
    part: WordPart | None = None


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """A span without invisible characters at its ends."""
    while start < end and is_ignorable(text[start]):
        start += 1
    while end > start and is_ignorable(text[end - 1]):
        end -= 1
    return start, end


def _core(text: str, start: int, end: int) -> tuple[int, int]:
    """An eojeol without the punctuation around it: 사과를 of “사과를,”."""
    while start < end and not is_wordish(text[start]):
        start += 1
    while end > start and not (is_wordish(text[end - 1]) or unicodedata.category(text[end - 1]) == "Mn"):
        end -= 1
    return start, end


def _morpheme_matches(
    text: str, needle: str, analysis: morphemes.Analysis
) -> tuple[list[_Match], list[_Match]]:
    """Spans of morphemes (or runs of them within one eojeol) written ``needle``, or whose form is
    ``needle`` (하 in 했); and, apart, those whose dictionary form is ``needle`` (먹다 for 먹)."""
    found: list[_Match] = []
    by_lemma: list[_Match] = []
    for index, eojeol in enumerate(analysis.eojeols):
        if not has_hangul(text[eojeol[0] : eojeol[1]]):
            continue  # words without Hangul keep the whole-word rule
        core = _core(text, *eojeol)
        inside = analysis.in_eojeol(index)
        written = [m for m in inside if m.written]
        cuts = sorted(
            {p for m in written for p in (m.start, m.end) if not any(o.start < p < o.end for o in written)}
        )
        spans: set[tuple[int, int]] = set()
        for i, a in enumerate(cuts):
            for b in cuts[i + 1 :]:
                if fold_word(text[a:b]) == needle:
                    spans.add(_trim(text, a, b))
        spans |= {(m.start, m.end) for m in written if fold_word(m.surface) == needle}
        found.extend(_Match(a, b, _part(text, core, inside, a, b)) for a, b in sorted(spans))
        for m in written:
            if fold_word(m.form) == needle and fold_word(m.surface) != needle:
                found.append(_Match(m.start, m.end, _part(text, core, inside, m.start, m.end, m)))
            elif fold_word(m.lemma) == needle and m.lemma != m.form:
                by_lemma.append(_Match(m.start, m.end, _part(text, core, inside, m.start, m.end, m, m.lemma)))
    return found, by_lemma


def _part(
    text: str,
    core: tuple[int, int],
    inside: Sequence[morphemes.Morpheme],
    start: int,
    end: int,
    asked: morphemes.Morpheme | None = None,
    form: str | None = None,
) -> WordPart | None:
    """What to tell about ``text[start:end]`` inside its eojeol ``core``: the rest left out, and, when
    one morpheme was asked for (``asked``, by its form or dictionary form) or a morpheme is only
    partly inside, the morphemes written in the same letters."""
    overlapping = [m for m in inside if m.written and m.start < end and m.end > start]
    partly = any(m.start < start or m.end > end for m in overlapping)
    shares = tuple(m.form for m in overlapping) if (partly or asked) and len(overlapping) > 1 else ()
    tag: str | None
    if asked is not None:
        tag = asked.tag
        form = form or asked.form
    else:
        exact = [m for m in overlapping if (m.start, m.end) == (start, end)]
        tag = exact[0].tag if len(exact) == 1 else None
    left_out = []
    for side_start, side_end in ((core[0], start), (end, core[1])):
        piece = without_ignorable(text[side_start:side_end]) if side_start < side_end else ""
        if not piece.strip():
            continue
        tags = tuple(
            m.tag
            for m in inside
            if (m.written and m.start < side_end and m.end > side_start)
            or (not m.written and side_start <= m.start <= side_end)
        )
        left_out.append(LeftOut(piece, tags))
    if not left_out and not shares and form is None:
        return None
    return WordPart(
        eojeol=without_ignorable(text[core[0] : core[1]]),
        left_out=tuple(left_out),
        tag=tag,
        form=form,
        shares=shares,
    )


def _guessed_matches(text: str, needle: str) -> list[_Match]:
    """Without the analyser: a Hangul word at the start or the end of an eojeol (사과 or 를 of 사과를),
    cut between characters, with Hangul on one side of the cut at least ("apple" stays out of
    "pineapple" and "apples", but is found in "Apple은")."""
    haystack, origin = fold(text)
    found = []
    for run in RUN_RE.finditer(haystack):
        first, last = run.span()
        word = run.group()
        if len(needle) >= len(word) or not has_hangul(word):
            continue
        cuts = []
        if word.startswith(needle):
            cuts.append((first, first + len(needle), first + len(needle)))
        if word.endswith(needle):
            cuts.append((last - len(needle), last, last - len(needle)))
        for a, b, cut in cuts:
            between_characters = origin[cut - 1] != origin[cut]
            if between_characters and (is_hangul(haystack[cut - 1]) or is_hangul(haystack[cut])):
                start, end = origin[a], with_marks(text, origin[b - 1] + 1)
                core = (origin[first], with_marks(text, origin[last - 1] + 1))
                rest = [(core[0], start), (end, core[1])]
                left_out = tuple(
                    LeftOut(without_ignorable(text[s:e])) for s, e in rest if without_ignorable(text[s:e])
                )
                part = WordPart(
                    eojeol=without_ignorable(text[core[0] : core[1]]), left_out=left_out, analysed=False
                )
                found.append(_Match(start, end, part))
    return found


def matches(text: str, query: str, *, wait: bool) -> list[_Match]:
    needle = fold_word(query)
    if not needle:
        return []
    found = [_Match(start, end) for start, end in find_spans(text, query)]
    if has_hangul(text):
        analysis = morphemes.analyse(text, wait=wait)
        if analysis is not None:
            parts, by_lemma = _morpheme_matches(text, needle, analysis)
            found += parts
            if not found:
                found = by_lemma  # 먹다 for 먹었다's 먹, only when nothing is written 먹다
        else:
            found += _guessed_matches(text, needle)
    return _distinct(found)


def _distinct(found: list[_Match]) -> list[_Match]:
    """One match per place: the same span found twice keeps what is known about it; a span inside or
    across another is dropped, so occurrences never overlap."""
    best: dict[tuple[int, int], _Match] = {}
    for match in found:
        key = (match.start, match.end)
        if key not in best or (best[key].part is None and match.part is not None):
            best[key] = match
    kept: list[_Match] = []
    for match in sorted(best.values(), key=lambda m: (m.start, m.start - m.end)):
        if all(match.start >= k.end or match.end <= k.start for k in kept):
            kept.append(match)
    return sorted(kept, key=lambda m: m.start)
