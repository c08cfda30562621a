"""Shared test helpers. ``families``: tiny random-weight models of every architecture and tokenizer family."""
