"""Settings turn into the right discord.py shard arguments, and exactly one cluster syncs commands."""

from __future__ import annotations

import pytest

from bot.client import BertLens
from bot.service import LensService
from bot.settings import ConfigError, load_settings


def settings(**env: str):
    return load_settings(env, dotenv_path="/nonexistent/.env")


def create_bot(settings):
    return BertLens(settings, LensService.from_settings(settings))


async def test_no_sharding_settings_let_discord_choose_the_shards_and_sync():
    bot = create_bot(settings())
    assert bot.shard_count is None and bot.shard_ids is None  # Discord recommends: one below 2,500 guilds
    assert bot.syncs_commands()


@pytest.mark.parametrize(
    ("ids", "syncs"),
    [("0,1", True), ("2,3", False), ("3", False), ("0", True)],
)
async def test_a_cluster_gets_its_shards_and_only_shard_zero_syncs(ids, syncs):
    bot = create_bot(settings(SHARD_COUNT="4", SHARD_IDS=ids))
    assert bot.shard_count == 4
    assert bot.shard_ids == sorted(int(i) for i in ids.split(","))
    assert bot.syncs_commands() is syncs


async def test_exactly_one_cluster_of_a_partition_syncs():
    clusters = ["0,1,2", "3,4,5", "6,7"]
    bots = [create_bot(settings(SHARD_COUNT="8", SHARD_IDS=ids)) for ids in clusters]
    assert sum(bot.syncs_commands() for bot in bots) == 1


async def test_shard_count_alone_runs_every_shard_in_one_process():
    bot = create_bot(settings(SHARD_COUNT="2"))
    assert bot.shard_count == 2 and bot.shard_ids is None
    assert bot.syncs_commands()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SHARD_IDS": "0"}, "SHARD_IDS needs SHARD_COUNT"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "2"}, "between 0 and SHARD_COUNT-1"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "a"}, "comma-separated whole numbers"),
        ({"SHARD_COUNT": "0"}, "SHARD_COUNT must be between"),
    ],
)
def test_bad_shard_settings_are_explained(env, message):
    with pytest.raises(ConfigError, match=message):
        settings(**env)
