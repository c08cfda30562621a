"""BERT Lens: show how a BERT-family model reads a sentence (tokens, ids, attention)."""

__version__ = "0.1.0"
