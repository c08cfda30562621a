"""A server's settings end to end, with the real bot process and a real database.

- An admin makes the server Korean with a second model as its default; after a restart an English-locale
  member's /attention comes back in Korean, from that model, and the footer's command line makes the very
  same PNG offline. A member without Manage Server is refused (by Discord, and by the bot where a server
  has overridden the command's permissions).
- Two bot processes (two clusters) on one PostgreSQL see each other's change within SETTINGS_TTL. The
  fake Discord holds one guild, and Discord gives a guild to one shard, so each process gets its own fake
  with the same guild: what they share is the database, which is what this test is about.
- The database stopped mid-run: commands keep answering (with the settings last read), /settings says it
  cannot save now, a process started during the outage answers with the built-in defaults, and once the
  database is back the server's settings return within the TTL.

The second model is a tiny RANDOM-weight BERT (tests/helpers/families.py): its attention means nothing;
what is tested is which model and which language answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import shlex
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.register_assert_rewrite("tests.helpers.bot_process")

from bot.cli import main as cli_main  # noqa: E402
from bot.i18n import STRINGS, t  # noqa: E402
from tests.helpers import families  # noqa: E402
from tests.helpers.bot_process import (  # noqa: E402
    BotProcess,
    assert_clean,
    attention_reply,
    wait_answered,
)
from tests.helpers.databases import (  # noqa: E402
    SKIP_REASON,
    Database,
    postgres_admin_url,
    postgres_database,
)
from tests.helpers.fake_discord import CHANNEL_MESSAGE, FLAG_EPHEMERAL, FakeDiscord  # noqa: E402

pytest_plugins = ["tests.helpers.bot_process"]

EN, KO = STRINGS["en"], STRINGS["ko"]
SENTENCE = "I am eating an apple"
TTL = 1.0  # SETTINGS_TTL for these processes: a change elsewhere is seen within a second or so


@pytest.fixture(scope="module")
def second_model(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A folder holding a tiny random-weight uncased BERT, the server's choice of default model."""
    return str(families.model_dir("bert-uncased", root=tmp_path_factory.mktemp("families")))


@pytest.fixture
def postgres() -> Iterator[tuple[Database, asyncio.AbstractEventLoop]]:
    """A fresh PostgreSQL database for the test, and the loop to break or heal it on."""
    admin = postgres_admin_url()
    if not admin:
        pytest.skip(SKIP_REASON)
    loop = asyncio.new_event_loop()
    manager = postgres_database(admin)
    database = loop.run_until_complete(manager.__aenter__())
    try:
        yield database, loop
    finally:
        loop.run_until_complete(manager.__aexit__(None, None, None))
        loop.close()


def _started(fake: FakeDiscord, workdir: Path, name: str, **settings: Any) -> BotProcess:
    bot = BotProcess(fake, workdir, name=name, COOLDOWN_RATE=0, SETTINGS_TTL=TTL, **settings)
    bot.start()
    bot.wait_ready()
    return bot


def _settings_reply(fake: FakeDiscord, handle: Any) -> dict[str, Any]:
    """The private reply to /settings: its one message body."""
    responses = wait_answered(fake, handle)
    assert [(r.kind, r.callback_type, r.ok) for r in responses] == [("callback", CHANNEL_MESSAGE, True)]
    data = responses[0].data
    assert data.get("flags", 0) & FLAG_EPHEMERAL, data
    return data


def _set(fake: FakeDiscord, **options: Any) -> dict[str, Any]:
    """/settings set as the admin (Manage Server through a role)."""
    return _settings_reply(fake, fake.push_slash_command("settings set", user="admin", **options))


def _model_of(embed: dict[str, Any]) -> str:
    line = embed["footer"]["text"].splitlines()[-1]
    return line.split(" --model ", 1)[1].split(" --lang ", 1)[0]


def _ask(fake: FakeDiscord) -> dict[str, Any]:
    """An English-locale member's /attention about the seed sentence; its embed."""
    handle = fake.push_slash_command("attention", sentence=SENTENCE, word="apple", locale="en-US")
    return attention_reply(fake, handle)[0]


def _answers_in(fake: FakeDiscord, lang: str) -> dict[str, Any]:
    """Assert an English-locale member's /attention comes back in ``lang``; return its embed."""
    embed = _ask(fake)
    assert embed["title"] == t(lang, "attention.title", word="apple"), embed["title"]
    assert embed["footer"]["text"].endswith(f" --lang {lang}")
    return embed


def _eventually_answers_in(fake: FakeDiscord, lang: str, within: float) -> dict[str, Any]:
    """Ask until the reply is in ``lang``, for at most ``within`` seconds (settings arrive by polling)."""
    deadline = time.monotonic() + within
    while True:
        embed = _ask(fake)
        if embed["title"] == t(lang, "attention.title", word="apple"):
            return embed
        assert time.monotonic() < deadline, f"no /attention reply in {lang} within {within} s"
        time.sleep(0.2)


def test_an_admin_makes_the_server_korean_and_it_survives_a_restart(
    tmp_path: Path, second_model: str
) -> None:
    models = f"bundled,{second_model}"
    data = tmp_path / "data"  # the SQLite file both processes use
    fake = FakeDiscord(heartbeat_interval=500)
    fake.start()
    try:
        before = _started(fake, tmp_path / "before", "settings-before", MODELS=models, DATA_DIR=data)
        try:
            _answers_in(fake, "en")
            with pytest.raises(PermissionError):  # Discord does not show /settings to this member
                fake.push_slash_command("settings set", user="invoker", language="ko")
            # ...unless the server overrode the command's permissions; then the bot refuses, politely.
            refused = _settings_reply(
                fake, fake.push_slash_command("settings set", user="invoker", language="ko", validate=False)
            )
            assert refused["content"] == EN["settings.refused"]
            saved = _set(fake, language="ko", model="1")
            assert saved["embeds"], saved
            assert_clean(before)
        finally:
            before.stop()
        ready = fake.ready_count

        after = _started(fake, tmp_path / "after", "settings-after", MODELS=models, DATA_DIR=data)
        try:
            fake.wait_for(lambda: fake.ready_count > ready, 30, "the new process READY")
            handle = fake.push_slash_command("attention", sentence=SENTENCE, word="apple", locale="en-US")
            embed, png = attention_reply(fake, handle)
            assert embed["title"] == t("ko", "attention.title", word="apple")
            assert _model_of(embed) == second_model
            assert_clean(after)
        finally:
            after.stop()
    finally:
        fake.stop()

    # The footer's command line makes the same picture offline, language and model included.
    command = embed["footer"]["text"].splitlines()[-1]
    assert command.startswith("python -m bot attention ")
    out = tmp_path / "again.png"
    assert cli_main([*shlex.split(command)[3:], "--out", str(out)]) == 0
    assert out.read_bytes() == png


@pytest.mark.postgres
def test_two_clusters_share_settings_and_outlive_a_database_outage(
    tmp_path: Path, postgres: tuple[Database, asyncio.AbstractEventLoop]
) -> None:
    database, loop = postgres
    fakes = [FakeDiscord(heartbeat_interval=500).start() for _ in range(2)]
    bots: list[BotProcess] = []
    try:
        for i, fake in enumerate(fakes):
            bots.append(_started(fake, tmp_path / f"cluster-{i}", f"cluster-{i}", DATABASE_URL=database.url))
        one, two = fakes

        # A change made through cluster 0 reaches cluster 1 within the TTL (plus a request's time).
        _answers_in(two, "en")
        assert _set(one, language="ko")["embeds"]
        _eventually_answers_in(two, "ko", within=TTL + 10)

        # The database goes away: answers go on, in the settings last read; saving says it cannot.
        loop.run_until_complete(database.break_())
        _answers_in(two, "ko")
        _answers_in(one, "ko")
        refused = _set(one, language="en")
        assert refused["content"] == EN["settings.unavailable"], refused
        bots[1].wait_for_log("Database unavailable", timeout=TTL + 20)

        # A process started during the outage has nothing to remember: the built-in defaults.
        bots[1].stop()
        ready = two.ready_count
        bots[1] = _started(two, tmp_path / "cluster-1b", "cluster-1b", DATABASE_URL=database.url)
        two.wait_for(lambda: two.ready_count > ready, 30, "the restarted cluster READY")
        _answers_in(two, "en")

        # The database is back: the server's Korean returns within the TTL, with no restart.
        loop.run_until_complete(database.heal())
        _eventually_answers_in(two, "ko", within=TTL + 20)
        assert _set(one, language="en")["embeds"]
        _eventually_answers_in(two, "en", within=TTL + 10)
        for bot in bots:
            assert_clean(bot)
            assert bot.log().count("Database unavailable") <= 2  # one WARNING per minute, not per request
    finally:
        for bot in bots:
            with contextlib.suppress(Exception):
                bot.stop()
        for fake in fakes:
            fake.stop()
