"""``python -m bench``: how long users wait, against the seed-style baseline and the physical floor, for
the bundled model and the shapes of distilbert-base-uncased and bert-base-uncased, at 8 to 512 tokens,
for every view; bursts through the bot's own service, memory and cold start; every target met or missed.

Ratios are measured in one run on one machine, interleaved, medians of repeated runs: on shared cores
absolute milliseconds drift, ratios hold.

    python -m bench [--quick] [--repeats N] [--shapes bundled,distilbert,bert]
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import torch
import transformers

from bench import commands, memory, report, shapes
from bench import settings as settings_bench
from bench.latency import MAX_CHARS, MAX_TOKENS, STEPS, LengthResult, measure_length, pages
from bench.load import BURST, BurstResult, measure_bursts
from bench.report import Target, ms, ratio, slope, table
from bench.timing import load_average
from bot import __version__
from bot.engine.model import LoadedModel
from bot.pool import limit_blas_threads
from bot.settings import load_settings

LENGTHS = (8, 32, 128, 512)
BURST_LENGTHS = (8, 32)  # "short": what people send; the targets are set there
BASELINE_TARGET_LENGTHS = (8, 32)
REPEAT_SCALE = {8: 1.0, 32: 1.0, 128: 0.7, 512: 0.45}  # long lengths cost seconds per round

FIRST_OVER_FLOOR = 1.5
BASELINE_OVER_FIRST = 5.0
PAGING_OVER_RENDER = 1.2
BURST_SHARE = 0.90
LOOP_LAG = 0.050
RSS_GROWTH = 0.05
COLD_START = 5.0
SETTINGS_SHARE = 0.001  # a settings read must be noise next to the request it precedes
GROWTH_REQUESTS = 1000
RUNNERS = ("eager", "onnx")


@dataclass(frozen=True)
class Plan:
    quick: bool
    repeats: int
    shapes: tuple[shapes.Shape, ...]
    runners: tuple[str, ...] = RUNNERS

    def repeats_at(self, tokens: int) -> int:
        return max(1, round(self.repeats * REPEAT_SCALE[tokens]))

    def baseline_at(self, tokens: int) -> str:
        if tokens in BASELINE_TARGET_LENGTHS:
            return "interleaved"
        if tokens == 128 and not self.quick:
            return "once"
        return "skip"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next(line.split(":", 1)[1].strip() for line in handle if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory_gib:.0f} GiB; Python {platform.python_version()}, "
        f"torch {torch.__version__}, transformers {transformers.__version__}"
    )


def runners(
    shape: shapes.Shape, torch_threads: int, wanted: Sequence[str] = RUNNERS
) -> list[tuple[str, LoadedModel]]:
    """The forward-pass runners measured for a shape: eager transformers (the reference) and the ONNX
    Runtime fast path (FAST_PATH, bot/engine/fastpath.py) on the same weights, exported or loaded from
    the bench's cache and self-checked as the bot does. Every table gets a row per runner and every
    target is judged for each. A fast path that cannot be used here is said, not measured."""
    eager = shapes.load(shape, torch_threads=torch_threads)
    out = [("eager", eager)]
    if "onnx" in wanted:
        progress(f"fast path for {shape.key}: export (once, kept in {shapes.cache_root() / 'onnx'}) or load")
        fast, why = shapes.with_fast_path(eager, torch_threads)
        if fast is None:
            print(f"  {shape.key}/onnx: not measured: {why}")
        else:
            out.append(("onnx", fast))
    return out


def section(title: str) -> None:
    print(f"\n== {title}", flush=True)


_STARTED = time.perf_counter()


def progress(message: str) -> None:
    print(f"  ... {time.perf_counter() - _STARTED:5.0f} s  {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------ sections


def latency_section(plan: Plan, loaded: dict[str, LoadedModel], cache_mb: int) -> list[LengthResult]:
    section(
        "Latency per request: median wall ms, interleaved round-robin per (shape, length); "
        "page = one cached page (forward pass reused)"
    )
    results: list[LengthResult] = []
    for label, model in loaded.items():
        for tokens in LENGTHS:
            progress(f"latency: {label}, {tokens} tokens")
            results.append(
                measure_length(
                    label,
                    model,
                    tokens,
                    plan.repeats_at(tokens),
                    baseline=plan.baseline_at(tokens),
                    cache_mb=cache_mb,
                )
            )
    rows = []
    for r in results:
        base = ms(r.baseline) + ("*" if r.baseline_note == "one run, not interleaved" else "")
        rows.append(
            [
                r.shape,
                str(r.tokens),
                str(r.repeats),
                base,
                ms(r.ms("floor")),
                ms(r.ms("first")),
                ms(r.ms("hit")),
                ms(r.paging),
                ms(r.render_alone),
                f"{ratio(r.ms('first'), r.ms('floor')):.2f}",
                f"{ratio(r.baseline, r.ms('first')):.1f}" if r.baseline == r.baseline else "-",
            ]
        )
    header = ["shape", "tokens", "n", "baseline", "floor", "first", "hit", "page", "render", "first/floor"]
    for line in table([*header, "base/first"], rows):
        print(line)
    print(
        "  n = rounds (median); baseline = seed-style pyplot pipeline ('*' one run, not interleaved; '-' "
        "skipped at 512 tokens: 6,000+ text artists take tens of seconds for an unreadable image); "
        "floor = tokenizer + LoadedModel.forward + PNG encode of the same pixels; first = BERT Lens "
        "with an empty cache; hit = the same request again; page/render = mean over "
        f"{len(pages())} pages ({', '.join(label for label, _ in pages())}) with and without the "
        "engine's per-page work"
    )
    for r in results:
        for page, error in r.errors.items():
            print(f"  FAILED: {r.shape}, {r.tokens} tokens, {page}: {error}")
    return results


def growth_section(results: list[LengthResult]) -> None:
    section("Where the time goes: a first request by step, median ms from 8 to 512 tokens")
    by_shape: dict[str, dict[int, LengthResult]] = {}
    for r in results:
        by_shape.setdefault(r.shape, {})[r.tokens] = r
    for label, per_length in by_shape.items():
        lengths = sorted(per_length)
        rows = []
        longest = per_length[lengths[-1]]
        total = longest.ms("first")
        for step in (*STEPS, "first", "hit"):
            values = [per_length[n].step(step) for n in lengths]
            share = f"{ratio(values[-1], total):.0%}" if step in STEPS else ""
            rows.append([step, *(ms(v) for v in values), f"{slope(values, lengths):.2f}", share])
        print(f"  {label}")
        for line in table(["  step", *map(str, lengths), "k(128->512)", f"share@{lengths[-1]}"], rows):
            print(f"  {line}")
        view_rows = []
        for page, _ in pages():
            values = [per_length[n].ms(f"page:{page}") for n in lengths]
            draws = [per_length[n].ms(f"render:{page}") for n in lengths]
            view_rows.append(
                [page, *(ms(v) for v in values), f"{slope(values, lengths):.2f}", ms(values[-1] - draws[-1])]
            )
        for line in table(
            ["  page (cached)", *map(str, lengths), "k(128->512)", f"analyse@{lengths[-1]}"], view_rows
        ):
            print(f"  {line}")
    print(
        "  k = growth exponent, time ~ tokens^k between 128 and 512 (1 linear, 2 quadratic, 3 cubic).\n"
        "  The forward pass: linear layers grow as tokens x width^2, attention scores and the\n"
        "  layers x heads x tokens^2 weights BERT Lens keeps as tokens^2 x width; at base width the\n"
        "  linear part dominates up to 512. Drawing stays nearly flat: every view shows a window of the\n"
        "  tokens around the word (rows, matrix and grid have caps), so the quadratic matrix is cut\n"
        "  before it is drawn, except that the grid copies every layer x head matrix first. Rollout\n"
        "  multiplies token x token matrices per layer (cubic) once per forward pass and keeps them, so\n"
        "  its pages after the first reuse them ('analyse' column: a page less its drawing)."
    )


def settings_section(lengths: list[LengthResult]) -> list[Target]:
    """A server's settings read as a command reads them, against the shortest /attention request."""
    section("Server settings on a command's hot path (SQLite store; read from memory, database up and gone)")
    logging.getLogger("bertlens").setLevel(logging.ERROR)  # the outage warnings are expected here
    try:
        read = settings_bench.measure_settings_read()
    finally:
        logging.getLogger("bertlens").setLevel(logging.NOTSET)
    first = min((r for r in lengths if r.tokens == min(LENGTHS)), key=lambda r: r.ms("first"), default=None)
    first_ms = first.ms("first") if first is not None else float("nan")
    where = f"{first.shape}, {first.tokens} tok" if first is not None else ""
    print(
        f"  one read: {read.up_us:.2f} us with the database up, {read.down_us:.2f} us with it gone "
        f"(both return the saved language {read.language!r}); the fastest first /attention: {first_ms:.1f} ms"
    )
    # The limit: a thousandth of the fastest first /attention request, in microseconds.
    return [
        Target(
            f"server settings read on a command, database {state}",
            where,
            us,
            first_ms * 1000 * SETTINGS_SHARE,
            at_most=True,
            unit="us",
            note=f"{ratio(us / 1000, first_ms):.1e} of the first /attention request",
        )
        for state, us in (("up", read.up_us), ("gone", read.down_us))
    ]


def commands_section(
    plan: Plan, loaded: dict[str, LoadedModel], torch_threads: int, cache_mb: int
) -> list[commands.CommandResult]:
    section(
        "Other commands against /attention: first request (empty cache), median wall ms and the ratio "
        "to /attention on the same model, text and length"
    )
    models = dict(loaded)
    progress("loading the distilbert shape with its masked-LM head (for /predict)")
    masked_lm = shapes.load(shapes.MASKED_LM, torch_threads=torch_threads)
    models[shapes.MASKED_LM.key] = masked_lm
    print(f"  {shapes.describe(shapes.MASKED_LM, masked_lm)}")
    if "onnx" in plan.runners:
        fast, why = shapes.with_fast_path(masked_lm, torch_threads)
        if fast is not None:
            models[f"{shapes.MASKED_LM.key}/onnx"] = fast
        else:
            print(f"  {shapes.MASKED_LM.key}/onnx: not measured: {why}")
    lengths = (8, 32) if plan.quick else LENGTHS
    results = []
    for label, model in models.items():
        for tokens in lengths:
            progress(f"commands: {label}, {tokens} tokens")
            results.append(
                commands.measure_commands(label, model, tokens, plan.repeats_at(tokens), cache_mb=cache_mb)
            )
    header = [
        "shape",
        "tokens",
        "n",
        "/attention ms",
        *(f"{name} ms (x /attention)" for name in commands.COMMANDS),
    ]
    for line in table(header, commands.rows(results)):
        print(line)
    print(
        "  norms = /attention values=norms; occlusion = 'Does it matter?' (one more forward pass per\n"
        "  token taken out); predict = /predict top 5 with the target word masked (only models with a\n"
        "  masked-LM head: the distilbert shape as DistilBertForMaskedLM, random weights); '-' = not\n"
        "  applicable. Every command's first request includes its forward pass (cache cleared)."
    )
    for r in results:
        for name, error in r.errors.items():
            print(f"  FAILED: {r.shape}, {r.tokens} tokens, {name}: {error}")
    return results


def burst_section(
    plan: Plan, loaded: dict[str, LoadedModel], workers: int, torch_threads: int, cache_mb: int
) -> list[BurstResult]:
    section(
        f"Bursts of {BURST} concurrent /attention requests through LensService ({workers} workers, "
        f"{torch_threads} torch thread each), distinct sentences"
    )
    results = []
    for label, model in loaded.items():
        for tokens in BURST_LENGTHS:
            progress(f"bursts: {label}, {tokens} tokens")
            results.append(
                measure_bursts(
                    label,
                    model,
                    tokens,
                    rounds=1 if plan.quick else 3,
                    singles=3 if plan.quick else 4,
                    warm=8 if plan.quick else BURST,
                    workers=workers,
                    torch_threads=torch_threads,
                    cache_mb=cache_mb,
                )
            )
    rows = [
        [
            b.shape,
            str(b.tokens),
            f"{b.cpu_one * 1000:.1f}",
            f"{b.ideal:.1f}",
            f"{b.throughput:.1f}",
            f"{b.share:.0%}",
            f"{b.cpu_per_request * 1000:.1f}",
            f"{b.run_queue_share:.0%}",
            f"{b.projected_share:.0%}",
            f"{b.p50 * 1000:.0f}",
            f"{b.p95 * 1000:.0f}",
            f"{b.worst_lag * 1000:.1f}",
            f"{b.gc_pause * 1000:.0f}",
        ]
        for b in results
    ]
    header = ["shape", "tokens", "cpu1 ms", "ideal/s", "got/s", "share", "cpu/req in burst", "runq"]
    for line in table([*header, "projected", "p50 ms", "p95 ms", "lag ms", "gc ms"], rows):
        print(line)
    print(
        "  ideal = cores / cpu1; cpu1 = CPU seconds (all threads) of one request through the service with\n"
        "  nothing else running, median of lone requests before, between and after the bursts (so both\n"
        "  meet the same machine); got = requests/s over a burst (median of rounds, after an\n"
        "  uncounted warm-up burst); cpu/req in burst = CPU per request while the workers run together\n"
        "  (above cpu1: GIL hand-offs, cache contention); runq = share of the workers' time spent waiting\n"
        "  for a core held by another process (schedstat); projected = share / (1 - runq), the share on\n"
        "  cores of its own; lag = worst delay of a 10 ms timer on the event loop in the counted bursts;\n"
        "  gc = the longest garbage collection in them (it holds the GIL: the loop waits it out)."
    )
    return results


def memory_section(plan: Plan) -> tuple[list[dict[str, float]], dict[str, float], dict[str, float] | None]:
    section("Memory: one fresh process per measurement (RSS is per process; these run side by side)")
    requests = 100 if plan.quick else GROWTH_REQUESTS
    warmup = 50 if plan.quick else 300
    progress("memory: peak RSS per shape, RSS growth over mixed requests (child processes)")
    children = {s.key: memory.spawn("peak", s.key) for s in plan.shapes}
    growth_child = memory.spawn("growth", str(requests), str(warmup))
    peaks = [memory.collect(process, f"peak {key}") for key, process in children.items()]
    growth = memory.collect(growth_child, "growth")
    # The same mix with glibc's mmap threshold fixed at its initial 128 KiB: shows how much of any growth
    # is freed memory glibc keeps (its threshold rises after large frees) rather than live objects.
    fixed = None
    if not plan.quick:
        progress("memory: the same mix with MALLOC_MMAP_THRESHOLD_=131072")
        os.environ["MALLOC_MMAP_THRESHOLD_"] = "131072"
        try:
            fixed = memory.collect(memory.spawn("growth", str(requests), str(warmup)), "growth (fixed)")
        finally:
            del os.environ["MALLOC_MMAP_THRESHOLD_"]
    rows = [
        [
            p["shape"],
            f"{p['weights_mib']:.0f}",
            f"{p['imports_mib']:.0f}",
            f"{p['ready_mib']:.0f}",
            f"{p['ready_mib'] - p['imports_mib']:+.0f}",
            f"{p['after_mib']:.0f}",
            f"{p['peak_mib']:.0f}",
        ]
        for p in peaks
    ]
    header = ["shape", "weights", "RSS: imports", "ready", "model adds", "after 8..512", "peak"]
    for line in table(header, rows):
        print(line)
    print(
        "  MiB; ready = model loaded and one 8-token answer given (weights are memory-mapped and read on\n"
        "  first use); peak = most resident memory (VmHWM) over a request at 8, 32, 128 and 512 tokens and\n"
        "  every view at 512 (the grid copies every layer x head matrix; rollout works in float64)."
    )
    print(
        f"  growth: {growth['requests']} mixed requests alternating between bundled and the distilbert\n"
        f"  shape through one ModelRegistry (each a new sentence of 8, 32 or 128 tokens, then paged through\n"
        f"  {len(pages())} pages), after filling the {growth['cache_bound_mib']} MiB cache of forward passes "
        f"and {growth['warmup']} warm-up requests:\n"
        f"  peak RSS {growth['peak_before_mib']:.0f} -> {growth['peak_after_mib']:.0f} MiB "
        f"({_growth(growth):+.1%}), RSS {growth['rss_before_mib']:.0f} -> {growth['rss_after_mib']:.0f} MiB"
    )
    if fixed is not None:
        print(
            f"  with MALLOC_MMAP_THRESHOLD_=131072: peak RSS {fixed['peak_before_mib']:.0f} -> "
            f"{fixed['peak_after_mib']:.0f} MiB ({_growth(fixed):+.1%})"
        )
    return peaks, growth, fixed


@contextlib.contextmanager
def _environment(**values: str) -> Iterator[None]:
    """Settings for child processes (they inherit the environment), restored afterwards."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _growth(result: dict[str, float]) -> float:
    return ratio(result["peak_after_mib"] - result["peak_before_mib"], result["peak_before_mib"])


def cold_start_section(plan: Plan) -> tuple[list[tuple[str, float]], float]:
    """Median steps over runs of ``python -m bench.coldstart``: (step, seconds) in order, and the
    median time of a full garbage collection in the ready process."""
    section(
        "Cold start: process launch to the first /attention answer, bundled model (as `python -m bot run`)"
    )
    runs = []
    collections = []
    eager_totals = []
    # The bot's default FAST_PATH=auto, with the export the latency section kept (DATA_DIR/onnx is the
    # bench's cache): a restart, not the first start ever; FAST_PATH=off alternates with it.
    fast_path = "auto" if "onnx" in plan.runners else "off"
    for _ in range(1 if plan.quick else 3):
        for mode in dict.fromkeys((fast_path, "off")):
            progress(f"cold start (child process, FAST_PATH={mode})")
            launched = time.time()
            with _environment(FAST_PATH=mode, DATA_DIR=str(shapes.cache_root())):
                out = memory.run_module("bench.coldstart", f"{launched:.6f}", timeout=600)
            ordered = sorted(out["steps"].items(), key=lambda kv: kv[1])
            steps_of_run = [
                (name, at - before) for (name, at), (_, before) in zip(ordered[1:], ordered, strict=False)
            ]
            if mode == fast_path:
                collections.append(out["full_gc"])
                runs.append(steps_of_run)
            else:
                eager_totals.append(sum(seconds for _, seconds in steps_of_run))
    names = [name for name, _ in runs[0]]
    steps = [(name, statistics.median(dict(run)[name] for run in runs)) for name in names]
    total = sum(seconds for _, seconds in steps)
    rows = [[name, f"{seconds:.2f}", f"{seconds / total:.0%}"] for name, seconds in steps]
    for line in table(["step (median of runs)", "s", "share"], [*rows, ["total", f"{total:.2f}", ""]]):
        print(line)
    print(
        "  each step ends at the named point: interpreter = Python up; bot modules = bot.app, bot.client\n"
        "  and the cogs (discord.py, matplotlib, Pillow, numpy, SQLAlchemy); torch + transformers = their\n"
        "  imports, which the model load would otherwise pay; model loaded = LensService.start() loading\n"
        "  the model in the pool (and its fast path, per FAST_PATH); service started = the rest of start():\n"
        "  the Korean analyser (kiwipiepy, when installed) loads beside the model in the other worker, so\n"
        "  only what outlasts the model shows;\n"
        "  first request = one /attention through the service. Files are in the page cache (this run has\n"
        "  read them): a first start after boot is slower."
    )
    if fast_path != "off":
        print(
            f"  FAST_PATH={fast_path} (the default; the model's ONNX export loaded and self-checked in "
            f"'model loaded'); with FAST_PATH=off the same start took {statistics.median(eager_totals):.2f} s"
        )
    gc_seconds = statistics.median(c["seconds"] for c in collections)
    objects = statistics.median(c["objects"] for c in collections)
    print(
        f"  a full garbage collection in the ready process takes {gc_seconds * 1000:.0f} ms over "
        f"{objects:,.0f} objects not frozen (it holds the GIL: the event loop waits it out); the\n"
        "  start-up objects are exempt since the service freezes them once ready (gc.freeze())."
    )
    return steps, gc_seconds


# ------------------------------------------------------------------------------------------- targets


def targets(
    lengths: list[LengthResult],
    bursts: list[BurstResult],
    growth: dict[str, float],
    cold: list[tuple[str, float]],
    gc_seconds: float,
    quick: bool,
) -> list[Target]:
    out: list[Target] = []
    for r in lengths:
        out.append(
            Target(
                "first request / floor",
                f"{r.shape}, {r.tokens} tok",
                ratio(r.ms("first"), r.ms("floor")),
                FIRST_OVER_FLOOR,
                at_most=True,
            )
        )
    for r in lengths:
        if r.tokens in BASELINE_TARGET_LENGTHS:
            out.append(
                Target(
                    "baseline / first request",
                    f"{r.shape}, {r.tokens} tok",
                    ratio(r.baseline, r.ms("first")),
                    BASELINE_OVER_FIRST,
                    at_most=False,
                )
            )
    for r in lengths:
        out.append(
            Target(
                "paging / rendering alone (earlier target)",
                f"{r.shape}, {r.tokens} tok",
                ratio(r.paging, r.render_alone),
                PAGING_OVER_RENDER,
                at_most=True,
            )
        )
    for b in bursts:
        out.append(
            Target(
                "burst throughput / ideal",
                f"{b.shape}, {b.tokens} tok",
                b.share,
                BURST_SHARE,
                at_most=False,
                unit="%",
                note=(
                    f"{b.throughput:.1f} of {b.ideal:.1f} req/s, p95 {b.p95 * 1000:.0f} ms, "
                    f"projected {b.projected_share:.0%}"
                ),
            )
        )
    for b in bursts:
        out.append(
            Target(
                "worst event-loop lag in bursts",
                f"{b.shape}, {b.tokens} tok",
                b.worst_lag * 1000,
                LOOP_LAG * 1000,
                at_most=True,
                unit="ms",
                note=f"longest GC in it {b.gc_pause * 1000:.0f} ms (a full one: {gc_seconds * 1000:.0f} ms)",
            )
        )
    out.append(
        Target(
            f"peak RSS growth, {growth['requests']} mixed requests",
            "bundled + distilbert",
            _growth(growth),
            RSS_GROWTH,
            at_most=True,
            unit="%",
            note=f"{growth['peak_before_mib']:.0f} -> {growth['peak_after_mib']:.0f} MiB"
            + (" (quick: fewer requests)" if quick else ""),
        )
    )
    total = sum(seconds for _, seconds in cold)
    slowest = max(cold, key=lambda step: step[1])
    out.append(
        Target(
            "cold start to first answer",
            "bundled",
            total,
            COLD_START,
            at_most=True,
            unit="s",
            note=f"largest step: {slowest[0]} {slowest[1]:.1f} s",
        )
    )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="fewer repeats and requests: minutes, not a quarter of an hour"
    )
    parser.add_argument("--repeats", type=int, default=None, help="rounds per measurement at 8-32 tokens")
    parser.add_argument(
        "--shapes",
        default=None,
        help="comma-separated: "
        + ", ".join(shape.key for shape in shapes.SHAPES)
        + " (default: all; with --quick, bundled: a run of about a minute)",
    )
    parser.add_argument(
        "--runners",
        default=",".join(RUNNERS),
        help="comma-separated forward-pass runners: eager (the reference) and onnx (the fast path)",
    )
    args = parser.parse_args(argv)
    if args.shapes is None:
        args.shapes = "bundled" if args.quick else ",".join(shape.key for shape in shapes.SHAPES)
    unknown = [key for key in args.shapes.split(",") if key not in shapes.BY_KEY]
    if unknown:
        parser.error(f"unknown shape(s): {', '.join(unknown)}")
    wanted = tuple(dict.fromkeys(args.runners.split(",")))
    if "eager" not in wanted or any(r not in RUNNERS for r in wanted):
        parser.error(f"--runners takes eager and optionally onnx, got {args.runners!r}")
    plan = Plan(
        runners=wanted,
        quick=args.quick,
        repeats=args.repeats or (2 if args.quick else 7),
        shapes=tuple(shapes.BY_KEY[key] for key in dict.fromkeys(args.shapes.split(","))),
    )
    started = time.perf_counter()
    settings = load_settings()
    # numpy's BLAS bounded as the bot's worker pool bounds it (bot/pool.py), for every section.
    limit_blas_threads(settings.torch_threads)
    load_before = load_average()

    kind = "QUICK run: fewer repeats and requests, indicative only" if plan.quick else "full run"
    print(f"BERT Lens {__version__} benchmark ({kind})")
    print(f"machine: {machine()}; load average {load_before:.2f} at start")
    print(
        f"settings: WORKERS={settings.workers}, TORCH_THREADS={settings.torch_threads}, "
        f"CACHE_MB={settings.cache_mb}; MAX_TOKENS={MAX_TOKENS} and MAX_CHARS={MAX_CHARS} here "
        f"(the settings' ceilings; the bot's defaults are {settings.max_tokens} and {settings.max_chars})"
    )
    print(
        "runners: eager transformers through LoadedModel.forward (the reference)"
        + (
            "; onnx = the same weights through ONNX Runtime (FAST_PATH), rows 'shape/onnx'"
            if "onnx" in plan.runners
            else ""
        )
    )
    print("models:")
    loaded: dict[str, LoadedModel] = {}
    for shape in plan.shapes:
        progress(f"loading {shape.key} (built once into {shapes.cache_root()} if random)")
        for runner, model in runners(shape, settings.torch_threads, plan.runners):
            label = shape.key if runner == "eager" else f"{shape.key}/{runner}"
            loaded[label] = model
            if model.max_positions < MAX_TOKENS:
                print(f"  {label}: only {model.max_positions} positions: lengths above it fail (reported)")
            print(f"  {shapes.describe(shape, model)}")

    length_results = latency_section(plan, loaded, settings.cache_mb)
    growth_section(length_results)
    commands_section(plan, loaded, settings.torch_threads, settings.cache_mb)
    settings_targets = settings_section(length_results)
    bursts = burst_section(plan, loaded, settings.workers, settings.torch_threads, settings.cache_mb)
    del loaded  # memory and cold start run in fresh processes
    _, growth, _ = memory_section(plan)
    cold, gc_seconds = cold_start_section(plan)

    section("Targets (ratios within this run; medians of repeated runs)")
    checked = targets(length_results, bursts, growth, cold, gc_seconds, plan.quick) + settings_targets
    width = max(len(t.name) for t in checked)
    for target in checked:
        print(target.line(width))
    print(f"load average {load_before:.2f} at start, {load_average():.2f} at end (2 means both cores busy)")
    print()
    print(report.summary(checked, time.perf_counter() - started, quick=plan.quick))
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except subprocess.TimeoutExpired as exc:
        print(f"bench: a child process took too long: {exc}", file=sys.stderr)
        raise SystemExit(1) from exc
