"""A minimal stand-in bot (not BERT Lens) for the fake Discord's own tests, run in the test's event loop.

It exercises the Discord features BERT Lens depends on: a guild slash command with autocomplete, a
thinking defer, a multipart follow-up with an embed and a view, and a button that edits the message with
a new file. ``running()`` starts it against a fake and waits for READY.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_endpoints import use_discord_endpoints
from tests.helpers.fake_discord import FakeDiscord

# A real 1x1 PNG plus trailing bytes, so a truncated or re-encoded upload is caught.
HEATMAP = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
) + bytes(range(256)) * 4
PAGE_TWO = b"\x00page two\xff" * 100
SENTENCES = ["The cat sat on the mat", "The bank of the river", "Attention is all you need"]


class LensView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=60)

    @discord.ui.button(label="Next", custom_id="lens:next", style=discord.ButtonStyle.primary)
    async def next_page(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        button.disabled = True
        embed = discord.Embed(title="Page 2").set_image(url="attachment://page2.png")
        await interaction.response.edit_message(
            content=f"page 2 for {interaction.user.id}",
            embed=embed,
            attachments=[discord.File(io.BytesIO(PAGE_TWO), "page2.png")],
            view=self,
        )


def make_bot(guild_id: int, *, sharded: bool = False) -> commands.Bot | commands.AutoShardedBot:
    cls = commands.AutoShardedBot if sharded else commands.Bot
    # A short guild_ready_timeout only makes on_ready fire sooner; interactions work before it.
    bot = cls(
        command_prefix=commands.when_mentioned, intents=discord.Intents.default(), guild_ready_timeout=0.05
    )
    guild = discord.Object(id=guild_id)

    @app_commands.command(name="lens", description="Show how the model reads a sentence")
    @app_commands.describe(text="The sentence to analyse")
    async def lens(interaction: discord.Interaction, text: str) -> None:
        await interaction.response.defer(thinking=True)
        embed = discord.Embed(title="Tokens", description=text).set_image(url="attachment://heatmap.png")
        files = [
            discord.File(io.BytesIO(HEATMAP), "heatmap.png"),
            discord.File(io.BytesIO(text.encode()), "tokens.txt"),
        ]
        await interaction.followup.send(
            content=f"{interaction.locale.value} {interaction.user.id}",
            embed=embed,
            files=files,
            view=LensView(),
        )

    @lens.autocomplete("text")
    async def lens_text(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=s, value=s) for s in SENTENCES if current.lower() in s.lower()]

    bot.tree.add_command(lens, guild=guild)

    async def setup_hook() -> None:
        await bot.tree.sync(guild=guild)

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    return bot


@contextlib.asynccontextmanager
async def running(
    bot: commands.Bot | commands.AutoShardedBot, fake: FakeDiscord
) -> AsyncIterator[commands.Bot | commands.AutoShardedBot]:
    """Run ``bot`` in this event loop against ``fake`` until the fake has sent READY."""
    use_discord_endpoints(fake.api_base, fake.gateway_url)
    try:
        async with bot:
            task = asyncio.create_task(bot.start(fake.token))
            shards = fake.shard_count if isinstance(bot, discord.AutoShardedClient) else 1
            ready = asyncio.create_task(fake.async_wait_until_ready(count=shards))
            await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED)
            if task.done():  # login or connect failed: surface why instead of timing out
                ready.cancel()
                await asyncio.gather(ready, return_exceptions=True)
                task.result()
                raise AssertionError("bot stopped before READY")
            await ready
            try:
                yield bot
            finally:
                await bot.close()
                await asyncio.wait_for(task, 5)
    finally:
        use_discord_endpoints(None, None)
