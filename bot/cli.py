"""``python -m bot``: runs the Discord bot, or, with a subcommand, the same engine offline.

    python -m bot                       run the bot (needs DISCORD_TOKEN)
    python -m bot sync                  push slash commands to Discord globally, then exit
    python -m bot health                exit 0 if the running bot is healthy (container HEALTHCHECK)
    python -m bot migrate               create or upgrade the settings database (also done at start-up)
    python -m bot fetch-model [NAME]    download a model into the Hugging Face cache
    python -m bot tokenize S [S ...]    token table (or --json); --models a,b,c compares tokenizers
    python -m bot attention S WORD      heatmap image + top attended tokens (or --json)
    python -m bot attention S WORD --gif  every layer in turn, as an animated GIF (--view word|matrix)
    python -m bot compare WORD A B      the same word in two sentences
    python -m bot quiz S WORD           a guess-first question, its candidates and answer (or --json)
    python -m bot predict S             guesses for [MASK], last layer and layer by layer (or --json)

``--model`` and ``--lang`` go before or after the subcommand. Bad input prints one line on stderr and
exits with status 2, before any model loads; a model that cannot be loaded exits 1.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from bot.arguments import EXIT_BAD_INPUT, build_parser, default_language
from bot.engine.errors import EngineError, ModelUnavailable
from bot.i18n import error_text, t
from bot.settings import ConfigError, Settings, load_settings

EXIT_UNAVAILABLE = 1
# What Pillow writes for each suffix; PNG is written by the renderer itself.
IMAGE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}

log = logging.getLogger("bertlens")


class Refused(Exception):
    """A command line that cannot work: one line, exit 2."""


def _fail(message: str, code: int) -> NoReturn:
    print(f"bertlens: {message}", file=sys.stderr)
    raise SystemExit(code)


def _print(lines: Sequence[str]) -> None:
    print("\n".join(lines))


def _dump(data: dict[str, Any]) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


# ------------------------------------------------------------------------------- before any work


def _image_path(args: argparse.Namespace, default: str) -> Path | None:
    """Where the image goes (None: nowhere), checked before any work: a folder that does not exist or
    cannot be written, or a suffix no image format has, is refused at once."""
    if args.out is None:
        return None if args.json else Path(default)
    path: Path = args.out
    if getattr(args, "gif", False):
        if path.suffix.lower() != ".gif":
            raise Refused(f"--out {path}: --gif writes a .gif (the suffix names the format)")
    elif path.suffix.lower() not in IMAGE_FORMATS:
        raise Refused(
            f"--out {path}: write .png, .jpg or .webp (the suffix names the format; .gif with --gif)"
        )
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise Refused(f"--out {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise Refused(f"--out {path}: cannot write there")
    return path


def _check_arguments(args: argparse.Namespace, settings: Settings) -> None:
    """Every check that needs no model: text, word, numbers and combinations."""
    from bot.engine.errors import EmptyText
    from bot.engine.query import AttentionQuery, check_choices
    from bot.engine.tokens import check_text

    labelled: list[tuple[str | None, str]]
    if args.command == "compare":
        labelled = [("A", args.sentence_a), ("B", args.sentence_b)]
    else:
        texts = getattr(args, "sentences", None) or [args.sentence]
        labelled = [(str(n) if len(texts) > 1 else None, text) for n, text in enumerate(texts, start=1)]
    for label, text in labelled:
        check_text(text, max_chars=settings.max_chars, label=label)
    if hasattr(args, "word") and not args.word.strip():
        raise EmptyText("word")
    if args.command == "quiz":
        check_choices(AttentionQuery(args.word, occurrence=args.occurrence, layer=args.layer))
    if args.command == "attention":
        if args.top < 1:
            raise Refused(f"--top must be at least 1, got {args.top}")
        if args.occlusion and (args.view != "word" or args.values != "weights"):
            # The tokens to take out are chosen from the word's attention weights in one layer.
            raise Refused("--occlusion takes no --view and no --values: it charts its own experiment")
        if args.occlusion and args.gif:
            raise Refused("--occlusion and --gif do not go together: the experiment is one chart, not layers")
        check_choices(_query(args, AttentionQuery))
    if args.command == "predict":
        from bot.engine.predict import MAX_K

        if not 1 <= args.top <= MAX_K:
            raise Refused(f"--top must be 1 to {MAX_K}, got {args.top}")


def _query(args: argparse.Namespace, cls: Any) -> Any:
    return cls(
        word=args.word,
        occurrence=args.occurrence,
        layer=args.layer,
        head=args.head,
        agg=args.agg or "mean",
        hide_special=args.hide_special,
        view=args.view,
        values=args.values,
        animate=getattr(args, "gif", False),
    )


def _save(path: Path | None, image: Any) -> None:
    if path is None:
        return
    fmt = "GIF" if image.format == "GIF" else IMAGE_FORMATS[path.suffix.lower()]
    try:
        if fmt in ("PNG", "GIF"):  # written by the renderer itself
            path.write_bytes(image.png)
        else:
            import io

            from PIL import Image as PILImage

            PILImage.open(io.BytesIO(image.png)).convert("RGB").save(path, format=fmt, quality=92)
    except OSError as exc:
        _fail(f"cannot write {path}: {exc.strerror or exc}", EXIT_UNAVAILABLE)


def _image_json(path: Path | None, image: Any) -> dict[str, Any]:
    if path is None:
        return {}
    shown = {"path": str(path), "width": image.width, "height": image.height}
    return {"image": shown if image.format != "GIF" else {**shown, "frames": image.frames}}


# ------------------------------------------------------------------------------------- commands


def cmd_tokenize(registry: Any, args: argparse.Namespace, lang: str) -> None:
    from bot.console import tokenize_text
    from bot.engine.json_forms import to_json
    from bot.engine.tokens import tokenization_report

    if args.models:
        names = (
            registry.names
            if args.models.strip() == "all"
            else [registry.resolve(n) for n in args.models.split(",")]
        )
        reports = [
            tokenization_report(
                registry.tokenizer(name),
                args.sentences,
                max_chars=registry.max_chars,
                max_tokens=registry.max_tokens,
            )
            for name in names
        ]
    else:
        reports = [registry.lens().tokenize(args.sentences)]
    if args.json:
        _dump(to_json(reports[0]) if len(reports) == 1 else {"models": [to_json(r) for r in reports]})
        return
    _print(tokenize_text(reports, lang))


def cmd_attention(registry: Any, args: argparse.Namespace, lang: str) -> None:
    from bot.console import attention_text
    from bot.engine.json_forms import to_json
    from bot.engine.query import AttentionQuery

    if args.occlusion:
        cmd_occlusion(registry, args, lang)
        return
    if args.gif:
        cmd_animation(registry, args, lang)
        return
    out = _image_path(args, f"bertlens-{args.view}.png")
    result, image = registry.lens().attention_png(args.sentence, _query(args, AttentionQuery), lang)
    _save(out, image)
    if args.json:
        _dump({**to_json(result, top_k=args.top), **_image_json(out, image)})
        return
    _print(attention_text(result, args.top, lang))
    if out is not None:
        _print(["", t(lang, "cli.wrote", path=out, width=image.width, height=image.height)])


def cmd_animation(registry: Any, args: argparse.Namespace, lang: str) -> None:
    from bot.console import attention_text
    from bot.engine.json_forms import to_json
    from bot.engine.query import AttentionQuery

    default = "bertlens-animation.gif" if args.view == "word" else f"bertlens-animation-{args.view}.gif"
    out = _image_path(args, default)
    result, image = registry.lens().animation_gif(args.sentence, _query(args, AttentionQuery), lang)
    _save(out, image)
    if args.json:
        _dump({**to_json(result, top_k=args.top), **_image_json(out, image)})
        return
    _print(attention_text(result.last, args.top, lang))
    if out is not None:
        kb = round(len(image.png) / 1024)
        wrote = t(
            lang,
            "cli.wrote_gif",
            path=out,
            width=image.width,
            height=image.height,
            frames=image.frames,
            kb=kb,
        )
        _print(["", wrote])


def cmd_occlusion(registry: Any, args: argparse.Namespace, lang: str) -> None:
    from bot.console import occlusion_text
    from bot.engine.json_forms import to_json
    from bot.engine.query import AttentionQuery

    out = _image_path(args, "bertlens-occlusion.png")
    result, image = registry.lens().occlusion_png(args.sentence, _query(args, AttentionQuery), lang)
    _save(out, image)
    if args.json:
        _dump({**to_json(result), **_image_json(out, image)})
        return
    _print(occlusion_text(result, lang))
    if out is not None:
        _print(["", t(lang, "cli.wrote", path=out, width=image.width, height=image.height)])


def cmd_compare(registry: Any, args: argparse.Namespace, lang: str) -> None:
    from bot.console import compare_text
    from bot.engine.json_forms import to_json

    out = _image_path(args, "bertlens-compare.png")
    comparison, image = registry.lens().compare_png(
        args.word,
        args.sentence_a,
        args.sentence_b,
        hide_special=args.hide_special,
        occurrence=args.occurrence,
        lang=lang,
    )
    _save(out, image)
    if args.json:
        _dump({**to_json(comparison), **_image_json(out, image)})
        return
    _print(compare_text(comparison, lang))
    if out is not None:
        _print(["", t(lang, "cli.wrote", path=out, width=image.width, height=image.height)])


def cmd_quiz(registry: Any, args: argparse.Namespace, lang: str) -> None:
    from bot.console import quiz_text
    from bot.engine.json_forms import to_json

    question = registry.lens().quiz(args.sentence, args.word, args.occurrence, args.layer)
    if args.json:
        _dump(to_json(question))
        return
    _print(quiz_text(question, lang))


def cmd_predict(registry: Any, args: argparse.Namespace, lang: str) -> None:
    from bot.console import predict_text
    from bot.engine.json_forms import to_json
    from bot.engine.predict import problem

    out = _image_path(args, "bertlens-predict.png")
    try:
        result, image = registry.lens().predictions_png(args.sentence, args.top, lang)
    except EngineError as exc:
        explained = problem(exc, args.sentence)
        if explained is None:
            raise
        key, params = explained
        raise Refused(t(lang, key, **params).replace("`", "")) from exc
    _save(out, image)
    if args.json:
        _dump({**to_json(result), **_image_json(out, image)})
        return
    _print(predict_text(result, lang))
    if out is not None:
        _print(["", t(lang, "cli.wrote", path=out, width=image.width, height=image.height)])


HANDLERS = {
    "tokenize": cmd_tokenize,
    "attention": cmd_attention,
    "compare": cmd_compare,
    "quiz": cmd_quiz,
    "predict": cmd_predict,
}


# ------------------------------------------------------------------------------------------ main


def _service_command(command: str, args: argparse.Namespace, settings: Settings, lang: str) -> int:
    if command == "health":
        from bot.health import probe

        healthy, reason = probe(settings)
        print(f"bertlens: {'healthy' if healthy else 'unhealthy'}: {reason}")
        return 0 if healthy else 1
    if command == "migrate":
        import asyncio

        from bot.store import StoreConfigError, StoreUnavailable, migrate

        try:
            asyncio.run(migrate(settings.store_url()))
        except StoreConfigError as exc:
            _fail(str(exc), EXIT_BAD_INPUT)
        except StoreUnavailable as exc:
            _fail(str(exc), EXIT_UNAVAILABLE)
        print("bertlens: " + t(lang, "cli.migrated"))
        return 0
    if command == "fetch-model":
        from bot.engine.defaults import BUNDLED_MODEL
        from bot.engine.model import fetch_model

        name = args.name or settings.model
        try:
            loaded = fetch_model(name)
        except ModelUnavailable as exc:
            _fail(exc.text(lang), EXIT_UNAVAILABLE)
        key = "cli.bundled" if name.strip() == BUNDLED_MODEL else "cli.fetched"
        print(
            "bertlens: " + t(lang, key, model=loaded.name, layers=loaded.num_layers, heads=loaded.num_heads)
        )
        return 0
    from bot.app import run_bot

    return run_bot(settings, sync_only=command == "sync")


def main(argv: Sequence[str] | None = None) -> int:
    args, extra = build_parser().parse_known_args(argv)
    if extra:  # named after the subcommand they were given to, not the top level
        prog = f"python -m bot {args.command}" if args.command else "python -m bot"
        _fail(f"unrecognized arguments: {' '.join(extra)} (see: {prog} --help)", EXIT_BAD_INPUT)
    lang = args.lang or default_language()
    try:
        settings = load_settings()
    except ConfigError as exc:
        _fail(str(exc), EXIT_BAD_INPUT)
    if args.model:
        settings = settings.with_models(args.model)

    command = args.command or "run"
    if command not in HANDLERS:
        return _service_command(command, args, settings, lang)

    logging.basicConfig(
        level=logging.WARNING, format="bertlens: %(levelname)s: %(message)s", stream=sys.stderr
    )
    from bot.service import registry_from_settings

    try:
        _check_arguments(args, settings)
        if hasattr(args, "out"):
            _image_path(args, "")
        registry = registry_from_settings(settings, fast=False)
        HANDLERS[command](registry, args, lang)
    except EngineError as exc:
        _fail(error_text(lang, exc), EXIT_BAD_INPUT)
    except Refused as exc:
        _fail(str(exc), EXIT_BAD_INPUT)
    except ModelUnavailable as exc:
        _fail(exc.text(lang), EXIT_UNAVAILABLE)
    except BrokenPipeError:  # e.g. piped into `head`
        return 0
    return 0
