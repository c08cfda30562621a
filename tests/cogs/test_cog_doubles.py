"""The interaction doubles keep Discord's rules, so the cog tests can trust what they record."""

from __future__ import annotations

import io

import discord
import pytest

from tests.helpers.doubles import FakeInteraction, command_interaction, component_interaction, dispatch


async def test_one_initial_response_only(bot):
    interaction = FakeInteraction(bot)
    await interaction.response.defer(thinking=True)
    assert interaction.response.type is discord.InteractionResponseType.deferred_channel_message
    with pytest.raises(discord.InteractionResponded):
        await interaction.response.send_message("again")
    message = await interaction.followup.send("done", wait=True)
    assert message.content == "done" and await interaction.original_response() is message


async def test_followup_before_responding_is_unknown_webhook(bot):
    interaction = FakeInteraction(bot)
    with pytest.raises(discord.NotFound):
        await interaction.followup.send("too early")
    with pytest.raises(discord.NotFound):
        await interaction.edit_original_response(content="too early")
    assert len(interaction.rejected) == 2 and interaction.calls == []


async def test_discord_limits_are_enforced(bot):
    interaction = FakeInteraction(bot)
    with pytest.raises(discord.HTTPException):
        await interaction.response.send_message("x" * 2001)
    assert not interaction.response.is_done()
    with pytest.raises(discord.HTTPException):
        await interaction.response.send_message(embed=discord.Embed(title="t" * 257))
    file = discord.File(io.BytesIO(b"data"), filename="a.txt")
    await interaction.response.send_message(file=file)
    assert interaction.calls[-1].files[0].data == b"data"
    with pytest.raises(discord.HTTPException):  # a discord.File is consumed by its upload
        await interaction.followup.send(file=file)


async def test_component_defer_is_a_message_update(bot):
    interaction = command_interaction(bot, "attention", sentence="I am eating an apple", word="apple")
    await dispatch(interaction)
    view = interaction.only_send().view
    click = component_interaction(
        bot, view.children[0].item, user=interaction.user, message=interaction.messages[0]
    )
    await click.response.defer()
    assert click.response.type is discord.InteractionResponseType.deferred_message_update
    assert await click.original_response() is interaction.messages[0]


async def test_expired_interaction_cannot_respond(bot):
    interaction = FakeInteraction(bot)
    interaction.expired = True
    assert interaction.is_expired()
    with pytest.raises(discord.NotFound):
        await interaction.response.send_message("late")
