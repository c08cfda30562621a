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


@pytest.fixture(autouse=True)
def requests_follow_discords_spec() -> Iterator[None]:
    """Fail the test during which a request broke Discord's OpenAPI spec (the fake answered it 400).

    Every fake started in this process is checked, also ones started inside the test or by a module's
    bot fixture; a test that sends such a request on purpose takes it with ``fake.take_spec_violations()``.
    """
    yield
    violations = FakeDiscord.take_all_spec_violations()
    assert violations == [], "requests Discord's OpenAPI spec does not allow:\n" + "\n".join(violations)


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
