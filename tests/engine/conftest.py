"""Fixtures for the engine tests: the Korean morphological analyser present or absent."""

from __future__ import annotations

import pytest

from bot.engine import morphemes


@pytest.fixture
def no_analyser(monkeypatch: pytest.MonkeyPatch) -> morphemes.Analyser:
    """A process without kiwipiepy: the shared analyser is swapped for one whose loader raises
    ModuleNotFoundError and which reports the package as not installed (nothing is imported)."""
    absent = morphemes.Analyser(loader=morphemes.not_installed, installed=lambda: False)
    monkeypatch.setattr(morphemes, "ANALYSER", absent)
    return absent
