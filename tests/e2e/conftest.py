"""Shared fixtures for end-to-end tests against the fake Discord (tests/helpers/fake_discord/)."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

# `bot` is imported from the checkout, also when pytest runs without the project installed.
_ROOT = Path(__file__).resolve().parents[2]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

with warnings.catch_warnings():
    # discord.py imports the stdlib audioop (deprecated since 3.11) for voice, which we never use.
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    from bot.discord_endpoints import use_discord_endpoints
from tests.helpers.fake_discord import FakeDiscord  # noqa: E402


@pytest.fixture
def fake_discord() -> Iterator[FakeDiscord]:
    """A running fake Discord on a free 127.0.0.1 port, stopped after the test."""
    fake = FakeDiscord()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def discord_endpoints(fake_discord: FakeDiscord) -> Iterator[FakeDiscord]:
    """Point discord.py in this process at ``fake_discord``; restore discord.com afterwards."""
    use_discord_endpoints(fake_discord.api_base, fake_discord.gateway_url)
    try:
        yield fake_discord
    finally:
        use_discord_endpoints(None, None)
