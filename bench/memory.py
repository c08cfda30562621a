"""Memory, each measurement in a fresh child process so one model's pages never count for another:

* ``peak SHAPE``: RSS after the imports, after loading the model, and the peak over a request at
  every length and every view at the longest (the grid and rollout copy every head's matrix);
* ``growth N``: RSS growth over N mixed requests alternating between two models (bundled and the
  distilbert shape) through one ModelRegistry, as the bot serves several models, after a warm-up that
  fills the shared cache of forward passes to its bound (filling it is the cache working, not a leak).

    python -m bench.memory peak bert
    python -m bench.memory growth 1000
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
LENGTHS = (8, 32, 128, 512)
MIXED_LENGTHS = (8, 32, 8, 128, 32)  # odd length: every model meets every length (two models)


def child(*args: str, timeout: float = 900) -> dict[str, Any]:
    """Run ``python -m bench.memory ARGS`` from this checkout and return what it printed (JSON)."""
    return run_module("bench.memory", *args, timeout=timeout)


def run_module(module: str, *args: str, timeout: float = 900) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise RuntimeError(f"python -m {module} {' '.join(args)} failed ({done.returncode}): {tail}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def spawn(*args: str) -> subprocess.Popen[str]:
    """The same child started without waiting (memory runs overlap: RSS is per process)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen(
        [sys.executable, "-m", "bench.memory", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def collect(process: subprocess.Popen[str], what: str, timeout: float = 900) -> dict[str, Any]:
    out, err = process.communicate(timeout=timeout)
    if process.returncode != 0:
        tail = "\n".join(err.strip().splitlines()[-5:])
        raise RuntimeError(f"python -m bench.memory {what} failed ({process.returncode}): {tail}")
    return dict(json.loads(out.strip().splitlines()[-1]))


# ------------------------------------------------------------------------------------ in the child


def _peak(shape_key: str) -> dict[str, Any]:
    from bench.timing import peak_rss_mib, rss_mib

    import_started = rss_mib()
    import torch  # noqa: F401  (what the bot imports before any model: counted as "imports")
    import transformers  # noqa: F401

    from bench import shapes
    from bench.latency import MAX_CHARS, MAX_TOKENS, views
    from bench.texts import TARGET, exact_text
    from bot.engine.lens import Lens
    from bot.engine.query import AttentionQuery, for_view

    shape = shapes.BY_KEY[shape_key]
    shapes.model_dir(shape)  # built before measuring (a first run builds it here)
    imported = rss_mib()
    model = shapes.load(shape)
    lens = Lens(model, max_chars=MAX_CHARS, max_tokens=MAX_TOKENS)
    query = AttentionQuery(TARGET)
    # Weights are memory-mapped and read on first use: "ready" is loaded and one short answer given.
    lens.attention_png(exact_text(model.tokenizer, 8, variant=1), query)
    ready = rss_mib()
    for tokens in LENGTHS:
        text = exact_text(model.tokenizer, tokens)
        lens.attention_png(text, query)
    for view in views():
        lens.attention_png(text, for_view(replace(query, view=view)))
    return {
        "shape": shape_key,
        "weights_mib": model.nbytes / 2**20,
        "interpreter_mib": import_started,
        "imports_mib": imported,
        "ready_mib": ready,
        "after_mib": rss_mib(),
        "peak_mib": peak_rss_mib(),
    }


def mixed_requests(count: int, start: int, names: tuple[str, ...], pages: list[dict[str, Any]]) -> Any:
    """Requests ``start`` .. ``start + count`` of the mix, as (model, tokens, variant, page): each
    sentence is new (a session), sent once and then paged through (layer, head, specials, every view)
    from its cached forward pass; sessions alternate between the models and across lengths."""
    for i in range(start, start + count):
        session = i // len(pages)
        yield (
            names[session % len(names)],
            MIXED_LENGTHS[session % len(MIXED_LENGTHS)],
            session,
            pages[i % len(pages)],
        )


FILL_VARIANTS = range(300, 460)  # texts that fill the cache, never sent again by the mix


def _growth(requests: int, warmup: int) -> dict[str, Any]:
    import gc

    from bench import shapes
    from bench.latency import MAX_CHARS, MAX_TOKENS, pages
    from bench.texts import TARGET, exact_text
    from bench.timing import peak_rss_mib, rss_mib
    from bot.engine.defaults import DEFAULT_CACHE_MB
    from bot.engine.query import AttentionQuery, for_view
    from bot.engine.registry import ModelRegistry

    names = ("bundled", shapes.spec(shapes.BY_KEY["distilbert"]))
    registry = ModelRegistry(
        names, max_chars=MAX_CHARS, max_tokens=MAX_TOKENS, cache_mb=DEFAULT_CACHE_MB, torch_threads=1
    )
    bound = DEFAULT_CACHE_MB * 2**20
    # The cache of forward passes is meant to grow to its bound (CACHE_MB): fill it first, so what
    # is measured afterwards is what should stay flat.
    for variant in FILL_VARIANTS:
        if registry.analyses.nbytes >= 0.9 * bound:
            break
        lens = registry.lens(names[variant % len(names)])
        lens.analyse(exact_text(lens.model.tokenizer, 128, variant=variant))
    changes = [{}, *(change for _, change in pages())]

    def serve(count: int, start: int) -> None:
        text, session = "", -1
        for name, tokens, variant, change in mixed_requests(count, start, names, changes):
            lens = registry.lens(name)
            if variant != session:  # a new session: a new sentence
                text, session = exact_text(lens.model.tokenizer, tokens, variant=variant), variant
            lens.attention_png(text, for_view(replace(AttentionQuery(TARGET), **change)))

    serve(warmup, 0)
    gc.collect()
    rss_before, peak_before = rss_mib(), peak_rss_mib()
    serve(requests, warmup)
    gc.collect()
    return {
        "models": list(names),
        "warmup": warmup,
        "requests": requests,
        "cache_mib": registry.analyses.nbytes / 2**20,
        "cache_bound_mib": DEFAULT_CACHE_MB,
        "rss_before_mib": rss_before,
        "rss_after_mib": rss_mib(),
        "peak_before_mib": peak_before,
        "peak_after_mib": peak_rss_mib(),
        "malloc_mmap_threshold": os.environ.get("MALLOC_MMAP_THRESHOLD_", ""),
    }


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "peak":
        print(json.dumps(_peak(argv[1])))
        return 0
    if len(argv) in (2, 3) and argv[0] == "growth":
        requests = int(argv[1])
        warmup = int(argv[2]) if len(argv) == 3 else 300
        print(json.dumps(_growth(requests, warmup)))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
