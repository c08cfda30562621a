"""``python -m bot``: runs the Discord bot, or, with a subcommand, the same engine offline.

    python -m bot                       run the bot (needs DISCORD_TOKEN)
    python -m bot sync                  push slash commands to Discord globally, then exit
    python -m bot health                exit 0 if the running bot is healthy (container HEALTHCHECK)
    python -m bot fetch-model [NAME]    download a model into the Hugging Face cache
    python -m bot tokenize S [S ...]    token table (or --json)
    python -m bot attention S WORD      heatmap PNG + top attended tokens (or --json)
    python -m bot compare WORD A B      the same word in two sentences

Bad input prints one line on stderr and exits with status 2; a model that cannot be loaded exits 1.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from bot import __version__
from bot.engine.errors import EngineError
from bot.settings import ConfigError, Settings, load_settings

EXIT_BAD_INPUT = 2
EXIT_UNAVAILABLE = 1

log = logging.getLogger("bertlens")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, like every other bad-input message, instead of argparse's usage dump.
        self.exit(EXIT_BAD_INPUT, f"bertlens: {message} (see: python -m bot {self._sub_hint()}--help)\n")

    def _sub_hint(self) -> str:
        parts = self.prog.split()
        return f"{parts[-1]} " if len(parts) > 2 else ""


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m bot",
        description="BERT Lens: see how a BERT-family model reads a sentence. "
        "With no subcommand, runs the Discord bot.",
    )
    parser.add_argument("--version", action="version", version=f"BERT Lens {__version__}")
    parser.add_argument("--model", help="Hugging Face model id, local path, or 'bundled' (overrides MODEL)")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    sub.add_parser("run", help="run the Discord bot (the default)")
    sub.add_parser("sync", help="sync slash commands globally with Discord, then exit")
    sub.add_parser("health", help="exit 0 if the running bot reports itself healthy (container check)")
    fetch = sub.add_parser("fetch-model", help="download a model into the Hugging Face cache (Docker build)")
    fetch.add_argument("name", nargs="?", help="model id (default: MODEL)")

    tok = sub.add_parser("tokenize", help="show tokens, ids, attention mask and padding")
    tok.add_argument("sentences", nargs="+", metavar="SENTENCE")
    tok.add_argument("--json", action="store_true", help="print JSON (see README for the format)")

    att = sub.add_parser("attention", help="where a word attends, as a heatmap")
    att.add_argument("sentence", metavar="SENTENCE")
    att.add_argument("word", metavar="WORD")
    att.add_argument("--occurrence", type=int, default=1, help="which occurrence of the word (from 1)")
    att.add_argument("--layer", type=int, help="layer to summarise and outline (from 1; default: last)")
    att.add_argument("--head", type=int, help="one head (from 1) instead of combining heads")
    att.add_argument("--agg", choices=["mean", "max"], default="mean", help="how to combine heads")
    att.add_argument("--view", choices=["word", "heads", "matrix", "grid", "rollout"], default="word")
    att.add_argument("--hide-special", action="store_true", help="drop [CLS]/[SEP] and rescale rows")
    att.add_argument("--top", type=int, default=5, help="how many top attended tokens to list")
    att.add_argument("--out", type=Path, help="PNG file to write (default: bertlens-VIEW.png)")
    att.add_argument("--json", action="store_true", help="print JSON (see README for the format)")

    cmp_ = sub.add_parser("compare", help="the same word in two sentences, with cosine similarity")
    cmp_.add_argument("word", metavar="WORD")
    cmp_.add_argument("sentence_a", metavar="SENTENCE_A")
    cmp_.add_argument("sentence_b", metavar="SENTENCE_B")
    cmp_.add_argument("--hide-special", action="store_true", help="drop [CLS]/[SEP] and rescale rows")
    cmp_.add_argument("--out", type=Path, help="PNG file to write (default: bertlens-compare.png)")
    cmp_.add_argument("--json", action="store_true", help="print JSON (see README for the format)")
    return parser


def _fail(message: str, code: int) -> NoReturn:
    print(f"bertlens: {message}", file=sys.stderr)
    raise SystemExit(code)


def _load_lens(settings: Settings) -> Any:
    from bot.engine.errors import ModelUnavailable
    from bot.service import load_lens

    try:
        return load_lens(settings)
    except ModelUnavailable as exc:
        _fail(str(exc), EXIT_UNAVAILABLE)


def _write_png(path: Path, png: bytes) -> None:
    try:
        path.write_bytes(png)
    except OSError as exc:
        _fail(f"cannot write {path}: {exc.strerror or exc}", EXIT_UNAVAILABLE)


def _dump(data: dict[str, Any]) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def cmd_tokenize(lens: Any, args: argparse.Namespace) -> None:
    from bot.engine.results import to_json
    from bot.tables import report_lines, summary_lines

    report = lens.tokenize(args.sentences)
    if args.json:
        _dump(to_json(report))
        return
    print("\n".join(report_lines(report, "en")))
    print()
    print("\n".join(summary_lines(report, "en")))


def _bar(weight: float, width: int = 24) -> str:
    return "\u2588" * max(1 if weight > 0 else 0, round(weight * width))


def cmd_attention(lens: Any, args: argparse.Namespace) -> None:
    from bot.engine.query import AttentionQuery
    from bot.engine.results import to_json
    from bot.engine.words import joined_pieces
    from bot.i18n import heads_label
    from bot.text import display_width, pad

    query = AttentionQuery(
        word=args.word,
        occurrence=args.occurrence,
        layer=args.layer,
        head=args.head,
        agg=args.agg,
        hide_special=args.hide_special,
        view=args.view,
    )
    result, image = lens.attention_png(args.sentence, query)
    out = args.out or Path(f"bertlens-{result.resolved.view}.png")
    _write_png(out, image.png)
    if args.json:
        data = to_json(result, top_k=args.top)
        data["image"] = {"path": str(out), "width": image.width, "height": image.height}
        _dump(data)
        return
    word = result.word
    analysis = result.analysis
    pieces = joined_pieces(analysis.sentence, word.span)
    print(f"Model:    {analysis.model}")
    print(f"Sentence: {analysis.sentence.text}")
    print(
        f"Word:     {word.span.text!r} (occurrence {word.span.occurrence} of {word.span.occurrences}; "
        f"tokens {list(word.span.token_indices)}: {pieces})"
    )
    heads = heads_label("en", word.heads.agg, word.heads.head, analysis.num_heads)
    kind = "rollout" if result.is_rollout else "attention"
    specials = "[CLS]/[SEP] hidden, rows rescaled" if word.hide_special else "specials shown"
    print(f"Values:   {kind}, {heads}, {specials}; layers and heads are numbered from 1")
    labels = word.tokens
    if len(labels) <= 16:
        widths = [max(6, display_width(label)) for label in labels]
        print()
        print(pad("", 9) + "  ".join(pad(label, w) for label, w in zip(labels, widths, strict=True)))
        for layer, row in enumerate(word.rows):
            mark = "*" if layer == word.layer else " "
            cells = "  ".join(pad(f"{v:.3f}", w) for v, w in zip(row, widths, strict=True))
            print(f"{mark}layer {layer + 1:<2} {cells}")
    print()
    print(f"Most attended in layer {word.layer + 1} (itself aside):")
    top = word.top(args.top)
    width = max((display_width(a.token) for a in top), default=0)
    for attended in top:
        print(f"  {pad(attended.token, width)}  {attended.weight:.3f}  {_bar(attended.weight)}")
    print()
    print(f"Wrote {out} ({image.width}\u00d7{image.height})")


def cmd_compare(lens: Any, args: argparse.Namespace) -> None:
    from bot.engine.results import to_json
    from bot.text import weighted_list

    comparison, image = lens.compare_png(
        args.word, args.sentence_a, args.sentence_b, hide_special=args.hide_special
    )
    out = args.out or Path("bertlens-compare.png")
    _write_png(out, image.png)
    if args.json:
        data = to_json(comparison)
        data["image"] = {"path": str(out), "width": image.width, "height": image.height}
        _dump(data)
        return
    a, b = comparison.a, comparison.b
    print(f"Model: {a.analysis.model}")
    print(f"A: {a.analysis.sentence.text}   ({a.span.text!r}: ids {list(comparison.ids_a)})")
    print(f"B: {b.analysis.sentence.text}   ({b.span.text!r}: ids {list(comparison.ids_b)})")
    print(
        "Same token ids: the same input vector before any context."
        if comparison.same_ids
        else "The token ids differ."
    )
    print()
    print("Cosine similarity of the word's vectors (1 = identical):")
    for layer, value in enumerate(comparison.cosine):
        name = "embeddings" if layer == 0 else f"layer {layer}"
        print(f"  {name:<11} {value:.3f}  {_bar(max(0.0, value))}")
    for label, word in (("A", a), ("B", b)):
        print(f"Most attended in {label}, layer {word.layer + 1}: {weighted_list(word.top(3))}")
    print()
    print(f"Wrote {out} ({image.width}\u00d7{image.height})")


def _precheck(args: argparse.Namespace, settings: Settings) -> None:
    """Reject empty or over-long text before spending seconds loading a model."""
    from bot.engine.tokens import check_text

    texts = getattr(args, "sentences", None) or [
        getattr(args, name) for name in ("sentence", "sentence_a", "sentence_b") if hasattr(args, name)
    ]
    for text in texts:
        check_text(text, max_chars=settings.max_chars)
    if hasattr(args, "word") and not args.word.strip():
        from bot.engine.errors import EmptyText

        raise EmptyText("word")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        _fail(str(exc), EXIT_BAD_INPUT)
    if args.model:
        from dataclasses import replace

        settings = replace(settings, model=args.model)

    command = args.command or "run"
    if command == "health":
        from bot.health import probe

        healthy, reason = probe(settings)
        print(f"bertlens: {'healthy' if healthy else 'unhealthy'}: {reason}")
        return 0 if healthy else 1
    if command == "fetch-model":
        from bot.engine.errors import ModelUnavailable
        from bot.engine.model import fetch_model

        try:
            loaded = fetch_model(args.name or settings.model)
        except ModelUnavailable as exc:
            _fail(str(exc), EXIT_UNAVAILABLE)
        print(f"bertlens: {loaded.name} is cached ({loaded.num_layers} layers x {loaded.num_heads} heads)")
        return 0
    if command in ("run", "sync"):
        from bot.app import run_bot

        return run_bot(settings, sync_only=command == "sync")

    logging.basicConfig(
        level=logging.WARNING, format="bertlens: %(levelname)s: %(message)s", stream=sys.stderr
    )
    handlers = {"tokenize": cmd_tokenize, "attention": cmd_attention, "compare": cmd_compare}
    try:
        _precheck(args, settings)
        lens = _load_lens(settings)
        handlers[command](lens, args)
    except EngineError as exc:
        _fail(str(exc), EXIT_BAD_INPUT)
    except BrokenPipeError:  # e.g. piped into `head`
        return 0
    return 0
