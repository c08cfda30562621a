"""The fast path: ``LoadedModel.forward`` run by ONNX Runtime instead of eager transformers.

The model is exported once with torch.onnx's dynamo exporter, with every layer's attention weights and
every hidden state as graph outputs and a dynamic sequence length, so one ``InferenceSession.run``
returns exactly what the eager forward returns::

    attentions     float32 [layer, head, from, to]
    hidden_states  float32 [layer 0..L, token, dim]     (0 is the embedding output)

Why: the eager forward makes ~200 PyTorch calls from Python and holds the GIL between them (31 % of
its time for all-MiniLM-L6-v2 at 8 tokens), so two workers got ~1.6 cores; ``session.run`` is one call
that releases the GIL for the whole forward, and ONNX Runtime's fused CPU kernels took 0.36-0.75x of
eager's time at 8-32 tokens and 0.6-0.9x at 128-512 in the study behind this module (docs/bench.md).

The setting ``FAST_PATH`` (bot/settings.py) chooses:

* ``auto`` (default): used when onnxruntime, onnx and onnxscript are installed (``bertlens[fast]``),
  the architecture is one this module was checked on, and the self-check passes; otherwise eager, with
  one WARNING naming why;
* ``onnx``: required; any of those failing is a start-up error (``ModelUnavailable``, reason
  ``fast_path``);
* ``off``: eager transformers only.

Faithful by construction and by check: after export (or loading an export from the cache), the model
runs eager *and* the session on inputs of several lengths (8, 33 and 130 tokens, capped by the
model's positions); if any attention weight or hidden state differs by more than 2e-4, the fast path
is not used. Eager stays the reference and the fallback: inputs the export was not checked for (batch
size other than 1, padding, more tokens than positions, other input names) run eager per call.

Cost: the export takes seconds (3-15 s on a quiet machine, up to ~90 s for a base model on busy
cores) and is kept on disk under ``DATA_DIR/onnx/<fingerprint>/`` (model class, config, weights and
library versions), so later starts load it (0.7 s for all-MiniLM-L6-v2). The session holds its own
copy of the weights: +1.4-2x the weights' size in memory, counted in the model's size for
``MODEL_MEMORY_MB``. All of it runs in the worker thread that loads the model, never on the event loop.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator, Mapping
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from bot.engine.model import LoadedModel

log = logging.getLogger(__name__)

__all__ = ["CHECK_LENGTHS", "MODES", "SUPPORTED_MODEL_TYPES", "TOLERANCE", "FastForward", "attach"]

MODES = ("auto", "onnx", "off")
#: Architectures whose export was checked (tests/engine/test_fastpath.py); others stay eager.
SUPPORTED_MODEL_TYPES = frozenset(
    {"bert", "distilbert", "roberta", "xlm-roberta", "electra", "albert", "mpnet", "deberta-v2"}
)
#: Inputs the exported graph may take, in this order (those the tokenizer gives and forward accepts).
INPUT_ORDER = ("input_ids", "attention_mask", "token_type_ids")
#: Largest difference from eager allowed in any attention weight or hidden state.
TOLERANCE = 2e-4
#: Lengths (tokens) the self-check compares at, each capped by the model's positions.
CHECK_LENGTHS = (8, 33, 130)
EXPORT_LENGTH = 33  # the example the export traces; odd, so it matches no width or head size
RUNTIME_PACKAGES = ("onnxruntime", "onnx", "onnxscript")

Arrays = tuple[np.ndarray, np.ndarray]
# One export at a time: each takes both cores' worth of seconds anyway, and _quiet_export changes
# process-wide logger levels that two overlapping exports would restore in the wrong order.
_EXPORTING = threading.Lock()


class FastPathFailed(Exception):
    """Why the fast path cannot serve a model (the sentence after "fast path off for <model>:")."""


def missing_packages() -> list[str]:
    return [name for name in RUNTIME_PACKAGES if find_spec(name) is None]


def unsupported(model: Any) -> str | None:
    """Why this model cannot take the fast path, or None."""
    import torch

    config = getattr(model, "config", None)
    model_type = getattr(config, "model_type", None)
    if model_type not in SUPPORTED_MODEL_TYPES:
        return f"the {model_type!s} architecture was not checked with it"
    if getattr(config, "_attn_implementation", "eager") != "eager" or model.training:
        return "the model is not in eager-attention eval mode"
    param = next(iter(model.parameters()), None)
    if param is None or param.dtype != torch.float32 or param.device.type != "cpu":
        return "its weights are not float32 on the CPU"
    if missing := missing_packages():
        return f"{', '.join(missing)} not installed (pip install 'bertlens[fast]')"
    return None


def attach(
    lm: LoadedModel, mode: str, *, cache_dir: str | os.PathLike[str] | None, threads: int | None
) -> None:
    """Give ``lm`` the fast path per ``mode`` (see the module's docstring). Blocking: seconds, or
    more for a first export; call it where the model loads, in a worker thread."""
    from bot.engine.errors import ModelUnavailable

    if mode == "off":
        return
    if mode not in MODES:
        raise ValueError(f"FAST_PATH must be one of {', '.join(MODES)}, got {mode!r}")
    reason = unsupported(lm.model)
    if reason is None:
        fast = FastForward(lm, threads=threads or 1, cache_dir=cache_dir)
        try:
            fast.prepare()
        except FastPathFailed as exc:
            reason = str(exc)
        except Exception as exc:  # an exporter or runtime failure is a reason to stay eager, not a crash
            reason = f"{type(exc).__name__}: {_first_line(exc)}"[:300]
        else:
            lm.fast = fast
            lm.nbytes += fast.nbytes
            return
    if mode == "onnx":
        raise ModelUnavailable.because(lm.spec or lm.name, "fast_path", detail=reason)
    log.warning("Fast path (ONNX Runtime) off for %s: %s; using eager transformers.", lm.name, reason)


class FastForward:
    """One model's exported graph in an ONNX Runtime session. ``run`` may be called from any number
    of threads at once (ONNX Runtime sessions are safe to run concurrently); each run executes in the
    calling thread with ``threads`` intra-op threads, like TORCH_THREADS for eager."""

    def __init__(self, lm: LoadedModel, *, threads: int = 1, cache_dir: str | os.PathLike[str] | None = None):
        self.lm = lm
        self.threads = max(1, int(threads))
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.max_tokens = min(int(lm.max_positions), 512)
        self.names: tuple[str, ...] = ()
        self.session: Any = None
        self.run_options: Any = None
        self.nbytes = 0  # the session's copy of the weights (the .onnx file's size)
        #: what the last ``prepare`` did: path, whether it exported, seconds, worst difference per length
        self.path: Path | None = None
        self.exported = False
        self.seconds = 0.0
        self.differences: dict[int, float] = {}
        self._lock = threading.Lock()
        self._calls = {"fast": 0, "eager": 0}

    # ------------------------------------------------------------------------------------- public

    def prepare(self) -> None:
        """Export (or load the kept export), open the session and self-check it against eager at
        ``CHECK_LENGTHS``; raises ``FastPathFailed`` saying why when it must not be used."""
        started = time.perf_counter()
        self.names = self._input_names()
        checks = [self.example(n) for n in sorted({min(n, self.max_tokens) for n in CHECK_LENGTHS})]
        export_example = self.example(min(EXPORT_LENGTH, self.max_tokens))
        # One eager call first: transformers installs its output-capturing hooks on a model's first
        # call, and the exporter must see the model as every later call does.
        references = [self.eager(inputs) for inputs in checks]
        with tempfile.TemporaryDirectory(prefix="bertlens-onnx-") as scratch:
            # Without a cache directory the export lives only until the session has read it.
            self.path, self.exported = self._onnx_file(export_example, Path(scratch))
            self.session, self.run_options = _session(self.path, self.threads)
            self.nbytes = self.path.stat().st_size
        for inputs, reference in zip(checks, references, strict=True):
            length = int(inputs["input_ids"].shape[1])
            self.differences[length] = _max_difference(reference, self._run(inputs))
        self.seconds = time.perf_counter() - started
        worst = max(self.differences.values())
        if not worst <= TOLERANCE:  # also catches NaN
            self.session = None
            lengths = ", ".join(f"{n}: {d:.2g}" for n, d in self.differences.items())
            raise FastPathFailed(f"its self-check differs from eager by more than {TOLERANCE:g} ({lengths})")
        log.info(
            "Fast path (ONNX Runtime) on for %s: %s in %.1fs, largest difference from eager %.1e at %s "
            "tokens.",
            self.lm.name,
            "exported" if self.exported else "loaded",
            self.seconds,
            worst,
            "/".join(map(str, self.differences)),
        )

    def run(self, inputs: Mapping[str, Any]) -> Arrays | None:
        """The forward pass through the session, or None when these inputs must go to eager (not
        what the export was checked for)."""
        if self.session is None or not self._fits(inputs):
            with self._lock:
                self._calls["eager"] += 1
            return None
        with self._lock:
            self._calls["fast"] += 1
        return self._run(inputs)

    @property
    def calls(self) -> tuple[int, int]:
        """(fast, sent to eager) calls of ``run`` so far."""
        with self._lock:
            return self._calls["fast"], self._calls["eager"]

    def eager(self, inputs: Mapping[str, Any]) -> Arrays:
        return self.lm.forward_eager(inputs)

    def example(self, length: int) -> dict[str, Any]:
        """Inputs of ``length`` tokens as the engine sends them: the tokenizer's first and last
        special tokens around seeded ordinary ids, an all-ones mask, segment 0."""
        import torch

        with self.lm.tokenizing() as tokenizer:
            first_last = tokenizer("a", return_tensors="pt")["input_ids"][0]
            specials = set(tokenizer.all_special_ids)
        vocab = int(getattr(self.lm.model.config, "vocab_size", 0) or 0)
        ordinary = torch.tensor([i for i in range(min(vocab, 4096)) if i not in specials])
        generator = torch.Generator().manual_seed(length)
        middle = ordinary[torch.randint(len(ordinary), (length - 2,), generator=generator)]
        ids = torch.cat([first_last[:1], middle, first_last[-1:]]).unsqueeze(0)
        tensors = {
            "input_ids": ids,
            "attention_mask": torch.ones_like(ids),
            "token_type_ids": torch.zeros_like(ids),
        }
        return {name: tensors[name] for name in self.names}

    # ---------------------------------------------------------------------------------- internals

    def _input_names(self) -> tuple[str, ...]:
        with self.lm.tokenizing() as tokenizer:
            given = set(tokenizer("a", return_tensors="pt"))
        accepted = self.lm.forward_args
        names = tuple(k for k in INPUT_ORDER if k in given and k in accepted)
        if "input_ids" not in names:
            raise FastPathFailed("its tokenizer gives no input_ids")
        return names

    def _fits(self, inputs: Mapping[str, Any]) -> bool:
        """One unpadded sentence of 2..max_tokens tokens with exactly the exported inputs."""
        import torch

        if tuple(k for k in INPUT_ORDER if k in inputs) != self.names or len(inputs) != len(self.names):
            return False
        ids = inputs["input_ids"]
        if not isinstance(ids, torch.Tensor) or ids.dim() != 2 or ids.shape[0] != 1:
            return False
        length = int(ids.shape[1])
        if not 2 <= length <= self.max_tokens:
            return False
        for value in inputs.values():
            if (
                not isinstance(value, torch.Tensor)
                or value.is_floating_point()
                or tuple(value.shape) != (1, length)
            ):
                return False
        mask = inputs.get("attention_mask")
        return mask is None or bool(mask.bool().all())

    def _run(self, inputs: Mapping[str, Any]) -> Arrays:
        """One forward; ``InferenceSession.run`` releases the GIL until it returns."""
        feeds = {k: inputs[k].numpy().astype(np.int64, copy=False) for k in self.names}
        attentions, hidden = self.session.run(None, feeds, self.run_options)
        return attentions, hidden

    def _onnx_file(self, example: Mapping[str, Any], scratch: Path) -> tuple[Path, bool]:
        """The export kept under ``cache_dir`` (exported now if it is not there yet), or exported
        into ``scratch`` without one; and whether it was exported now."""
        if self.cache_dir is None:
            path = scratch / "model.onnx"
            _export(self.lm.model, self.names, example, self.max_tokens, path)
            return path, True
        folder = self.cache_dir / _fingerprint(self.lm.model, self.names, self.max_tokens)
        path = folder / "model.onnx"
        if path.is_file():
            return path, False
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f"model.{os.getpid()}.{threading.get_ident()}.part"
        try:
            _export(self.lm.model, self.names, example, self.max_tokens, partial)
            os.replace(partial, path)  # atomic: another process never loads half a file
        finally:
            partial.unlink(missing_ok=True)  # a failed export leaves no half file behind
        return path, True


@contextlib.contextmanager
def _quiet_export() -> Iterator[None]:
    """torch.onnx logs optional-operator notes and warnings that are noise in a bot's log. Logger
    levels and warning filters are process-wide: other threads' messages from these loggers are muted
    too for the seconds the export takes."""
    names = ("torch.onnx", "torch.export", "torch._dynamo", "onnxscript", "onnx_ir")
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    try:
        for lg in loggers:
            lg.setLevel(logging.ERROR)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def _export(
    model: Any, names: tuple[str, ...], example: Mapping[str, Any], max_tokens: int, path: Path
) -> None:
    """torch.onnx's dynamo exporter with a dynamic sequence length, to one self-contained file. (The
    legacy TorchScript exporter, dynamo=False, gives wrong outputs with transformers 5: not used.)"""
    import torch

    class Graph(torch.nn.Module):
        """Positional inputs, two stacked outputs, batch axis dropped: what forward returns."""

        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *tensors: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            out = self.model(
                **dict(zip(names, tensors, strict=True)),
                output_attentions=True,
                output_hidden_states=True,
                return_dict=True,
            )
            return torch.stack(out.attentions)[:, 0], torch.stack(out.hidden_states)[:, 0]

    seq = torch.export.Dim("seq", min=2, max=max_tokens)
    with _EXPORTING, _quiet_export():
        torch.onnx.export(
            Graph().eval(),
            tuple(example[k] for k in names),
            str(path),
            input_names=list(names),
            output_names=["attentions", "hidden_states"],
            dynamic_shapes=(tuple({1: seq} for _ in names),),  # one entry: the *tensors parameter
            dynamo=True,
            external_data=False,
            verbose=False,
        )


def _session(path: Path, threads: int) -> tuple[Any, Any]:
    """A session that runs in the calling thread only, and the options for its runs."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    run_options = ort.RunOptions()
    # The arena gives back its extra chunks after each run: a 512-token request would otherwise keep
    # its peak (~+300 MB for MiniLM, more for base models) for the life of the process.
    run_options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
    return session, run_options


def _fingerprint(model: Any, names: tuple[str, ...], max_tokens: int) -> str:
    """Names an export: model class and config, library versions, the graph's inputs and a digest of
    every weight (a sample of values and a float64 sum). The self-check runs on whatever is loaded, so
    a collision could cost speed, never correctness."""
    import onnxruntime
    import torch
    import transformers

    digest = hashlib.sha256()
    config = getattr(model, "config", None)
    text = config.to_json_string() if config is not None and hasattr(config, "to_json_string") else ""
    versions = (torch.__version__, transformers.__version__, onnxruntime.__version__)
    digest.update(repr((type(model).__qualname__, text, versions, names, max_tokens)).encode())
    with torch.no_grad():
        for key, tensor in model.state_dict().items():
            flat = tensor.detach().reshape(-1)
            digest.update(key.encode())
            digest.update(flat[:: max(1, flat.numel() // 64)][:64].float().numpy().tobytes())
            digest.update(np.float64(flat.sum(dtype=torch.float64).item()).tobytes())
    return digest.hexdigest()[:24]


def _max_difference(a: Arrays, b: Arrays) -> float:
    if a[0].shape != b[0].shape or a[1].shape != b[1].shape:
        return float("inf")
    return float(max(np.abs(a[0] - b[0]).max(), np.abs(a[1] - b[1]).max()))


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else ""
