"""The command line's arguments: every subcommand, its options and their help (``python -m bot --help``).

Parsing errors are one line and exit 2, like every other bad input (``bot.cli`` runs what is parsed).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any, NoReturn

from bot import __version__
from bot.engine.query import VALUES, VIEWS
from bot.i18n import EN, LANGUAGES

EXIT_BAD_INPUT = 2


def default_language(environ: dict[str, str] | os._Environ[str] = os.environ) -> str:
    """Korean when the terminal's locale is Korean (LC_ALL, then LC_MESSAGES, then LANG)."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            return "ko" if value.lower().startswith("ko") else EN
    return EN


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, like every other bad-input message, instead of argparse's usage dump.
        self.exit(EXIT_BAD_INPUT, f"bertlens: {message} (see: {self.prog} --help)\n")


def _common(parser: argparse.ArgumentParser, *, default: Any) -> None:
    """Options that work before or after the subcommand (after it, they win)."""
    parser.add_argument(
        "--model",
        default=default,
        help="Hugging Face model id, local folder, or 'bundled' (overrides MODEL and MODELS)",
    )
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=default,
        help="language of the text and images (default: from LC_ALL/LANG, else en)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m bot",
        description="BERT Lens: see how a BERT-family model reads a sentence. "
        "With no subcommand, runs the Discord bot.",
    )
    parser.add_argument("--version", action="version", version=f"BERT Lens {__version__}")
    _common(parser, default=None)
    common = _Parser(add_help=False)
    _common(common, default=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    sub.add_parser("run", help="run the Discord bot (the default)", parents=[common])
    sub.add_parser("sync", help="sync slash commands globally with Discord, then exit", parents=[common])
    sub.add_parser("health", help="exit 0 if the running bot reports itself healthy (container check)")
    sub.add_parser("migrate", help="create or upgrade the database of server settings (DATABASE_URL)")
    fetch = sub.add_parser("fetch-model", help="download a model into the Hugging Face cache (Docker build)")
    fetch.add_argument("name", nargs="?", help="model id (default: MODEL)")

    tok = sub.add_parser("tokenize", help="show tokens, ids, attention mask and padding", parents=[common])
    tok.add_argument(
        "sentences", nargs="+", metavar="SENTENCE", help="one to three sentences, padded together"
    )
    tok.add_argument(
        "--models", help="compare tokenizers: comma-separated model names, or 'all' (every model in MODELS)"
    )
    tok.add_argument("--json", action="store_true", help="print JSON (see README for the format)")

    att = sub.add_parser("attention", help="where a word attends, as a heatmap", parents=[common])
    att.add_argument("sentence", metavar="SENTENCE", help="the sentence to analyse")
    att.add_argument("word", metavar="WORD", help="a word of the sentence (a Korean stem such as 사과 works)")
    att.add_argument("--occurrence", type=int, default=1, help="which occurrence of the word (from 1)")
    att.add_argument("--layer", type=int, help="layer to summarise and outline (from 1; default: last)")
    att.add_argument("--head", type=int, help="one head (from 1) instead of combining heads")
    att.add_argument("--agg", choices=["mean", "max"], help="how to combine heads (default: mean)")
    att.add_argument(
        "--view",
        choices=VIEWS,
        default="word",
        help="word: layers x tokens; heads: one layer's heads; matrix: tokens x tokens; "
        "grid: every layer and head; rollout: attention flow through the layers",
    )
    att.add_argument(
        "--hide-special", action="store_true", help="drop [CLS]/[SEP] (or <s>/</s>), rescale rows"
    )
    att.add_argument(
        "--values",
        choices=VALUES,
        default="weights",
        help="weights: attention weights; norms: value-weighted norms (Kobayashi et al. 2020), "
        "how much of each token actually reaches the word",
    )
    att.add_argument(
        "--occlusion",
        action="store_true",
        help="does it matter? take out the most and the least attended token and chart how far the "
        "word's vector moves, layer by layer",
    )
    att.add_argument(
        "--gif",
        action="store_true",
        help="every layer in turn as an animated GIF, one frame per layer (--view word or matrix; "
        "default file: bertlens-animation.gif)",
    )
    att.add_argument("--top", type=int, default=5, help="how many top attended tokens to list (at least 1)")
    att.add_argument(
        "--out",
        type=Path,
        help="image to write: .png, .jpg or .webp (default: bertlens-VIEW.png); .gif with --gif",
    )
    att.add_argument("--json", action="store_true", help="print JSON; writes an image only with --out")

    quiz = sub.add_parser(
        "quiz", help="a guess-first question and its answer (for teachers)", parents=[common]
    )
    quiz.add_argument("sentence", metavar="SENTENCE", help="the sentence")
    quiz.add_argument("word", metavar="WORD", help="the word whose attention to guess")
    quiz.add_argument("--layer", type=int, help="layer to ask about (from 1; default: last)")
    quiz.add_argument("--occurrence", type=int, default=1, help="which occurrence of the word (from 1)")
    quiz.add_argument("--json", action="store_true", help="print JSON: candidates, weights and the answer")

    cmp_ = sub.add_parser(
        "compare", help="the same word in two sentences, with cosine similarity", parents=[common]
    )
    cmp_.add_argument("word", metavar="WORD", help="a word that appears in both sentences")
    cmp_.add_argument("sentence_a", metavar="SENTENCE_A", help="the first sentence")
    cmp_.add_argument("sentence_b", metavar="SENTENCE_B", help="the second sentence")
    cmp_.add_argument("--occurrence", type=int, default=1, help="which occurrence in each sentence (from 1)")
    cmp_.add_argument(
        "--hide-special", action="store_true", help="drop [CLS]/[SEP] (or <s>/</s>), rescale rows"
    )
    cmp_.add_argument(
        "--out", type=Path, help="image to write: .png, .jpg or .webp (default: bertlens-compare.png)"
    )
    cmp_.add_argument("--json", action="store_true", help="print JSON; writes an image only with --out")

    pred = sub.add_parser(
        "predict",
        help="what a masked-LM model would put in place of [MASK], at the last layer and layer by layer",
        parents=[common],
    )
    pred.add_argument(
        "sentence",
        metavar="SENTENCE",
        help="a sentence with the model's mask token ([MASK] or <mask>; either is read as the model's own)",
    )
    pred.add_argument(
        "--top", type=int, default=5, help="guesses per mask, 1 to 50 (the image draws up to 10; default 5)"
    )
    pred.add_argument(
        "--out", type=Path, help="image to write: .png, .jpg or .webp (default: bertlens-predict.png)"
    )
    pred.add_argument("--json", action="store_true", help="print JSON; writes an image only with --out")
    return parser
