"""What the command line prints for each command, in the reader's language: the same numbers the
images show, as aligned text (display width keeps Hangul columns straight)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bot.engine.occlusion import Occlusion
from bot.engine.predict import Predictions
from bot.engine.render import captions
from bot.engine.render.compare import band_standing
from bot.engine.render.occlusion import occlusion_lesson
from bot.engine.render.predict import mask_context, unreliable_rows
from bot.engine.results import AttentionResult, QuizQuestion
from bot.engine.similarity import Comparison
from bot.engine.tokens import TokenizationReport
from bot.engine.words import joined_pieces, word_notes
from bot.i18n import t
from bot.tables import comparison_lines, report_alignment_lines, report_lines, summary_lines
from bot.text import display_width, pad, probability, weighted_list

MAX_TABLE_COLUMNS = 16  # wider tables do not fit a terminal; the image and --json have them all


def _bar(weight: float, width: int = 24) -> str:
    return "\u2588" * max(1 if weight > 0 else 0, round(weight * width))


def tokenize_text(reports: Sequence[TokenizationReport], lang: str) -> list[str]:
    if len(reports) > 1:
        return comparison_lines(reports, lang)
    report = reports[0]
    alignment = report_alignment_lines(report, lang)
    return [
        *report_lines(report, lang),
        *(["", *alignment] if alignment else []),
        "",
        *summary_lines(report, lang, cli=True),
    ]


def _table(
    row_labels: Sequence[str], columns: Sequence[str], data: np.ndarray, mark: int | None
) -> list[str]:
    widths = [max(6, display_width(label)) for label in columns]
    left = max(display_width(label) for label in row_labels) + 1
    lines = [pad("", left + 1) + "  ".join(pad(label, w) for label, w in zip(columns, widths, strict=True))]
    for r, (label, row) in enumerate(zip(row_labels, data, strict=True)):
        cells = "  ".join(pad(f"{v:.3f}", w) for v, w in zip(row, widths, strict=True))
        lines.append(f"{'*' if r == mark else ' '}{pad(label, left)}{cells}")
    return lines


def _view_table(result: AttentionResult, lang: str) -> list[str]:
    """The numbers of the chosen view, when they fit a terminal."""
    word = result.word
    analysis = result.analysis
    view = result.resolved.view
    display = analysis.sentence.display
    if view == "grid":
        matrices, keep = result.all_heads()
        own = [p for p, index in enumerate(keep) if int(index) in set(word.span.token_indices)]
        rows = matrices[:, :, own, :].mean(axis=2)  # [layer, head, to]: the word's rows
        for p in own:
            rows[:, :, p] = -1  # itself aside
        best = rows.argmax(axis=-1)
        heads = [t(lang, "img.head_short", n=h + 1) for h in range(analysis.num_heads)]
        lines = [t(lang, "cli.grid"), "       " + " ".join(f"{h:>10}" for h in heads)]
        for layer in range(analysis.num_layers):
            cells = " ".join(
                f"{captions.short(display[keep[best[layer, h]]], 10):>10}" for h in range(len(heads))
            )
            lines.append(f"{t(lang, 'img.layer_short', n=layer + 1):<7}{cells}")
        return lines
    if view == "matrix":
        matrix, keep = result.layer_matrix()
        if len(keep) > MAX_TABLE_COLUMNS:
            return []
        labels = [display[i] for i in keep]
        own = [p for p, index in enumerate(keep) if int(index) in set(word.span.token_indices)]
        return _table(labels, labels, matrix, own[0] if own else None)
    columns = [display[i] for i in word.columns]
    if len(columns) > MAX_TABLE_COLUMNS:
        return []
    if view == "heads":
        labels = [t(lang, "img.head", n=h + 1) for h in range(analysis.num_heads)]
        mark = word.heads.head if word.heads.agg == "head" else None
        return _table(labels, columns, word.per_head[word.layer], mark)
    labels = [t(lang, "img.layer", n=layer + 1) for layer in range(analysis.num_layers)]
    return _table(labels, columns, word.rows, word.layer)


def attention_text(result: AttentionResult, top: int, lang: str) -> list[str]:
    word = result.word
    analysis = result.analysis
    span = word.span
    lines = [
        t(lang, "cli.model", model=analysis.model),
        t(lang, "cli.sentence", text=analysis.sentence.text),
        t(
            lang,
            "cli.word",
            word=span.text,
            occurrence=span.occurrence,
            count=span.occurrences,
            indices=list(span.token_indices),
            pieces=joined_pieces(analysis.sentence, span),
        ),
        t(
            lang,
            "cli.values",
            view=result.resolved.view,
            kind=t(
                lang, {"rollout": "cli.rollout", "norms": "cli.norms"}.get(result.values, "cli.attention")
            ),
            heads=captions.heads(lang, word.heads, analysis.num_heads, result.values),
            specials=captions.specials(
                lang, word.hide_special, word.heads.is_distribution, analysis.sentence
            ),
        ),
    ]
    lines += word_notes(span, lang)
    table = _view_table(result, lang)
    if table:
        lines += ["", *table]
    attended = word.top(top)
    width = max((display_width(a.token) for a in attended), default=0)
    lines += ["", t(lang, "cli.top_norms" if result.values == "norms" else "cli.top", layer=word.layer + 1)]
    lines += [f"  {pad(a.token, width)}  {a.weight:.3f}  {_bar(a.weight)}" for a in attended]
    return lines


def occlusion_text(result: Occlusion, lang: str) -> list[str]:
    """The experiment in a terminal: which tokens were taken out, and the shift per layer."""
    analysis = result.analysis
    lines = [
        t(lang, "cli.model", model=analysis.model),
        t(lang, "cli.sentence", text=analysis.sentence.text),
        "",
    ]
    if not result.removals:
        return [*lines, t(lang, "img.occ.none", word=result.span.text)]
    for removal in result.removals:
        lines.append(
            t(
                lang,
                f"cli.occ.{removal.which}",
                token=removal.token,
                weight=removal.weight,
                word=result.span.text,
            )
        )
        for layer, value in enumerate(removal.shift):
            name = t(lang, "cli.compare.embeddings") if layer == 0 else t(lang, "img.layer", n=layer)
            lines.append(f"  {pad(name, 11)} {value:.4f}")
        lines.append("")
    lines.append(occlusion_lesson(result, lang))
    return lines


def quiz_text(question: QuizQuestion, lang: str) -> list[str]:
    lines = [
        t(lang, "cli.model", model=question.model),
        t(lang, "cli.sentence", text=question.sentence),
        "",
        t(lang, "cli.quiz.question", word=question.word, layer=question.layer + 1),
    ]
    width = max(display_width(c) for c in question.candidates)
    for i, (word, weight) in enumerate(zip(question.candidates, question.weights, strict=True)):
        mark = "*" if i == question.answer else " "
        lines.append(f" {mark} {pad(word, width)}  {weight:.3f}  {_bar(weight)}")
    lines += ["", t(lang, "cli.quiz.answer", answer=question.right)]
    return lines


def compare_text(comparison: Comparison, lang: str) -> list[str]:
    a, b = comparison.a, comparison.b
    lines = [t(lang, "cli.model", model=a.analysis.model)]
    for label, word, ids in (("A", a, comparison.ids_a), ("B", b, comparison.ids_b)):
        lines.append(
            t(
                lang,
                "cli.compare.sentence",
                label=label,
                text=word.analysis.sentence.text,
                word=word.span.text,
            )
            + t(lang, "cli.compare.ids", ids=list(ids))
        )
    lines += [t(lang, "cli.compare.same" if comparison.same_ids else "cli.compare.differ"), ""]
    band = comparison.baseline
    lines.append(t(lang, "cli.compare.cosine" if band is None else "cli.compare.cosine_band"))
    for layer, value in enumerate(comparison.cosine):
        name = t(lang, "cli.compare.embeddings") if layer == 0 else t(lang, "img.layer", n=layer)
        row = f"  {pad(name, 11)} {value:.3f}  {_bar(max(0.0, value))}"
        if band is not None:
            spread = " ".join(f"{q[layer]:5.2f}" for q in (band.low, band.median, band.high))
            row = f"{pad(row, 2 + 11 + 7 + 24 + 2)}  {spread}"
        lines.append(row)
    standing = band_standing(comparison, repr(a.span.text), lang)
    if standing is not None:
        lines.append(standing)
    for label, word in (("A", a), ("B", b)):
        lines.append(
            t(lang, "cli.compare.top", label=label, layer=word.layer + 1, top=weighted_list(word.top(3)))
        )
    return lines


LENS_GUESSES = 3  # per layer in the logit-lens table; the image and --json have all k


def predict_text(result: Predictions, lang: str) -> list[str]:
    """The fill-mask guesses of each mask with bars, then the logit lens: each layer's top guesses,
    the rows marked reliable starred, and why the others are not."""
    analysis = result.analysis
    lines = [
        t(lang, "cli.model", model=analysis.model),
        t(lang, "cli.sentence", text=analysis.sentence.text),
    ]
    if result.aliases:
        lines.append(t(lang, "img.predict.alias", typed=", ".join(result.aliases), mask=result.mask))
    labels = [t(lang, "img.predict.embeddings")] + [
        t(lang, "img.layer", n=n) for n in range(1, analysis.num_layers + 1)
    ]
    left = max(display_width(label) for label in labels) + 2
    for n, mask in enumerate(result.masks, start=1):
        context = mask_context(result, mask.index)
        lines += [
            "",
            t(
                lang,
                "cli.predict.mask",
                mask=result.mask,
                n=n,
                count=len(result.masks),
                index=mask.index,
                context=context,
            ),
            t(lang, "cli.predict.final", layer=analysis.num_layers),
        ]
        width = max(display_width(g.display) for g in mask.final)
        lines += [
            f"  {pad(g.display, width)}  {probability(g.probability):>6}  {_bar(g.probability)}"
            for g in mask.final
        ]
        lines.append(t(lang, "cli.predict.lens"))
        for label, layer in zip(labels, mask.layers, strict=True):
            guesses = ", ".join(
                f"{g.display} {probability(g.probability)}" for g in layer.guesses[:LENS_GUESSES]
            )
            lines.append(f" {'*' if layer.reliable else ' '}{pad(label, left)}{guesses}")
    rows = unreliable_rows(lang, result.masks[0].layers)
    if rows is not None:
        lines += ["", t(lang, "cli.predict.unreliable", rows=rows)]
    return lines
