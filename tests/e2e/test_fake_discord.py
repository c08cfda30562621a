"""Self-tests: the unmodified discord.py client against the fake Discord.

The bot here is a minimal stand-in (tests/helpers/stand_in_bot.py), not BERT Lens: it exercises the
same Discord features (guild slash command with autocomplete, thinking defer, multipart
follow-up with an embed and a view, a button that edits the message with a new file).
"""

from __future__ import annotations

import asyncio

import aiohttp
import discord
import pytest
from discord import app_commands

from bot.discord_endpoints import use_discord_endpoints
from tests.helpers.fake_discord import (
    AUTOCOMPLETE_RESULT,
    DEFERRED_CHANNEL_MESSAGE,
    FLAG_EPHEMERAL,
    UPDATE_MESSAGE,
    FakeDiscord,
    make_bot_token,
    token_user_id,
)
from tests.helpers.stand_in_bot import HEATMAP, PAGE_TWO, SENTENCES, make_bot, running


async def test_token_helper_round_trips_the_user_id() -> None:
    token = make_bot_token(1234567890123)
    assert token.count(".") == 2
    assert token_user_id(token) == 1234567890123
    assert token_user_id("not-a-token") is None


@pytest.mark.parametrize("compression", [True, False], ids=["compressed", "plain-text"])
async def test_startup_identifies_and_syncs_guild_commands(compression: bool) -> None:
    with FakeDiscord(compression=compression) as fake:
        bot = make_bot(fake.guild_id)
        async with running(bot, fake):
            await bot.wait_until_ready()
            assert bot.user is not None and bot.user.id == fake.bot_user.id
            assert bot.get_guild(fake.guild_id) is not None
            assert bot.get_channel(fake.channel_id) is not None

        identify = fake.identifies[0]
        assert identify["intents"] == discord.Intents.default().value
        assert "token" not in identify and "shard" not in identify
        sent = [f for f in fake.frames if f.direction == "sent" and f.event]
        assert [f.event for f in sent[:2]] == ["READY", "GUILD_CREATE"]
        assert [f.seq for f in sent[:2]] == [1, 2]
        # discord.py asks for zstd-stream when a zstd module is importable, else zlib-stream.
        asked = discord.utils._ActiveDecompressionContext.COMPRESSION_TYPE
        assert fake.connection_log[0]["query"]["compress"] == asked
        assert [c["compression"] for c in fake.connection_log] == [asked if compression else None]

        sync = [r for r in fake.requests if r.route == "PUT /applications/{app}/guilds/{guild}/commands"]
        assert len(sync) == 1 and sync[0].status == 200
        (command,) = sync[0].json
        assert command["name"] == "lens"
        assert command["options"][0] == {
            **command["options"][0],
            "name": "text",
            "type": 3,
            "required": True,
            "autocomplete": True,
        }
        assert [c["name"] for c in fake.commands(fake.guild_id)] == ["lens"]
        assert all(r.had_authorization for r in fake.requests)
        assert fake.unknown_routes == []
        assert fake.warnings == []


async def test_slash_command_defers_then_follows_up_with_files(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    async with running(make_bot(fake.guild_id), fake):
        handle = fake.push_slash_command("lens", text="The cat sat on the mat", locale="ko")
        callback, followup = await fake.async_wait_for_responses(handle, 2)

    assert callback.kind == "callback" and callback.callback_type == DEFERRED_CHANNEL_MESSAGE
    assert callback.status == 200 and callback.response["interaction"]["response_message_loading"] is True
    assert followup.kind == "followup" and followup.ok and followup.query["wait"] == "1"
    assert followup.route == "POST /webhooks/{app}/{token}" and not followup.had_authorization
    assert followup.file("heatmap.png") == HEATMAP
    assert followup.file("tokens.txt") == b"The cat sat on the mat"
    assert followup.json["content"] == f"ko {fake.invoker.id}"
    assert followup.json["embeds"][0]["image"]["url"] == "attachment://heatmap.png"

    # The first follow-up after a thinking defer fills in the loading message.
    (message,) = fake.messages_for(handle)
    assert fake.original_message(handle) == message
    assert not message.loading and not message.ephemeral and message.flags & FLAG_EPHEMERAL == 0
    assert message.filenames == ["heatmap.png", "tokens.txt"]
    assert message.file("heatmap.png") == HEATMAP
    assert message.find_component(custom_id="lens:next")["label"] == "Next"
    # Discord moves embed-referenced files into the embed and out of "attachments".
    body = followup.response
    assert body["id"] == str(message.id)
    assert [a["filename"] for a in body["attachments"]] == ["tokens.txt"]
    assert body["embeds"][0]["image"]["url"].startswith(fake.base_url)
    assert fake.unknown_routes == []


async def test_followup_after_deleting_the_loading_message_is_a_new_message(
    fake_discord: FakeDiscord,
) -> None:
    fake = fake_discord
    bot = make_bot(fake.guild_id)

    @bot.tree.command(
        name="oops",
        description="Thinks, gives up, tells only the user",
        guild=discord.Object(id=fake.guild_id),
    )
    async def oops(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.delete_original_response()
        await interaction.followup.send("sorry, busy", ephemeral=True)

    async with running(bot, fake):
        handle = fake.push_slash_command("oops")
        responses = await fake.async_wait_for_responses(handle, 3)

    assert [(r.kind, r.ok) for r in responses] == [("callback", True), ("delete", True), ("followup", True)]
    loading, followup = fake.messages_for(handle)
    assert loading.deleted and loading.loading and loading.content == ""
    assert not followup.deleted and followup.ephemeral and followup.content == "sorry, busy"


async def test_autocomplete_answers_with_choices(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    async with running(make_bot(fake.guild_id), fake):
        handle = fake.push_autocomplete("lens", focused="text", text="the")
        (callback,) = await fake.async_wait_for_responses(handle, 1)

    assert callback.callback_type == AUTOCOMPLETE_RESULT and callback.ok
    expected = [{"name": s, "value": s} for s in SENTENCES[:2]]
    assert callback.data["choices"] == expected
    assert fake.autocomplete_choices(handle) == expected
    assert fake.messages_for(handle) == []


async def test_button_click_updates_the_message_with_a_new_file(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    async with running(make_bot(fake.guild_id), fake):
        command = fake.push_slash_command("lens", text="The bank of the river")
        await fake.async_wait_for_responses(command, 2)
        (message,) = fake.messages_for(command)

        # The view was bound to the id the follow-up returned, so this click reaches it.
        click = fake.push_component(message, "lens:next", user="other")
        (callback,) = await fake.async_wait_for_responses(click, 1)

    assert callback.callback_type == UPDATE_MESSAGE and callback.ok
    assert callback.file("page2.png") == PAGE_TWO
    assert callback.data["attachments"] == [{"id": 0, "filename": "page2.png"}]
    updated = fake.message(message.id)
    assert updated.content == f"page 2 for {fake.other.id}"
    assert updated.filenames == ["page2.png"] and updated.file("page2.png") == PAGE_TWO
    assert updated.find_component(custom_id="lens:next")["disabled"] is True
    assert updated.edit_count == 1
    with pytest.raises(ValueError, match="disabled"):
        fake.push_component(updated, "lens:next")
    assert fake.warnings == [] and fake.unknown_routes == []


@pytest.mark.parametrize("close_code", [None, 4000], ids=["network-drop", "close-4000"])
async def test_dropped_gateway_resumes_and_keeps_answering(
    fake_discord: FakeDiscord, close_code: int | None
) -> None:
    fake = fake_discord
    async with running(make_bot(fake.guild_id), fake) as bot:
        await bot.wait_until_ready()
        fake.drop_connection(close_code)
        await fake.async_wait_for(lambda: fake.resume_count == 1 and fake.connected, description="RESUME")
        handle = fake.push_slash_command("lens", text="Attention is all you need")
        responses = await fake.async_wait_for_responses(handle, 2)

    assert fake.identify_count == 1
    assert [r.ok for r in responses] == [True, True]
    resumed = [f for f in fake.frames if f.event == "RESUMED"]
    assert len(resumed) == 1
    assert len(fake.connection_log) == 2


async def test_invalidated_session_identifies_again(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    bot = make_bot(fake.guild_id)

    async def no_identify_delay(shard_id: int | None, *, initial: bool = False) -> None:
        pass  # the default sleeps 5 s before every IDENTIFY after the first

    bot.before_identify_hook = no_identify_delay  # type: ignore[method-assign]
    async with running(bot, fake):
        fake.drop_connection(4009)  # session timed out: Discord refuses the RESUME that follows
        await fake.async_wait_until_ready(count=2)
        handle = fake.push_slash_command("lens", text="after a fresh IDENTIFY")
        responses = await fake.async_wait_for_responses(handle, 2)

    assert fake.identify_count == 2 and fake.resume_count == 0
    assert [f.op for f in fake.frames if f.op == 9] == [9]  # INVALID_SESSION answered the RESUME
    assert [r.ok for r in responses] == [True, True]


async def test_events_sent_while_disconnected_are_replayed_on_resume(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    async with running(make_bot(fake.guild_id), fake):
        fake.drop_connection()
        await fake.async_wait_for(lambda: not fake.connected, description="disconnect")
        # Discord queues events for a resumable session; the client gets them after RESUME.
        handle = fake.push_slash_command("lens", text="queued while offline")
        responses = await fake.async_wait_for_responses(handle, 2)
    assert fake.resume_count == 1
    assert responses[1].json["content"] == f"en-US {fake.invoker.id}"


async def test_heartbeats_are_acknowledged(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    fake.heartbeat_interval = 100
    async with running(make_bot(fake.guild_id), fake) as bot:
        await fake.async_wait_for(lambda: len(fake.heartbeats) >= 4, description="4 heartbeats")
        await fake.async_wait_for(
            lambda: len([f for f in fake.frames if f.op == 11]) >= 4, description="4 heartbeat ACKs"
        )
        assert bot.latency < 2.0
    gaps = fake.heartbeat_gaps()
    assert len(gaps) >= 3
    # discord.py sends one right after HELLO, then one per interval; nothing stalls this bot.
    assert 0.05 < max(gaps[1:]) < 2.0
    assert fake.max_heartbeat_gap() == max(gaps)


async def test_auto_sharded_client_uses_gateway_bot() -> None:
    with FakeDiscord(shards=2) as fake:
        bot = make_bot(fake.guild_id, sharded=True)

        async def no_identify_delay(shard_id: int | None, *, initial: bool = False) -> None:
            pass  # the default sleeps 5 s before every IDENTIFY after the first

        bot.before_identify_hook = no_identify_delay  # type: ignore[method-assign]
        async with running(bot, fake):
            await bot.wait_until_ready()
            guild = bot.get_guild(fake.guild_id)
            assert guild is not None and guild.shard_id == (fake.guild_id >> 22) % 2
            handle = fake.push_slash_command("lens", text="sharded")
            await fake.async_wait_for_responses(handle, 2)
        assert sorted(tuple(i["shard"]) for i in fake.identifies) == [(0, 2), (1, 2)]
        assert any(r.route == "GET /gateway/bot" for r in fake.requests)
        guild_creates = [f for f in fake.frames if f.event == "GUILD_CREATE"]
        assert len(guild_creates) == 1  # only the shard that owns the guild gets it
        assert fake.unknown_routes == []


async def test_discord_rules_are_enforced(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    bot = make_bot(fake.guild_id)
    refused: asyncio.Future[discord.HTTPException] = asyncio.get_running_loop().create_future()

    @bot.tree.command(
        name="empty",
        description="Replies, then sends an empty follow-up",
        guild=discord.Object(id=fake.guild_id),
    )
    async def empty_followup(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("first", ephemeral=True)
        try:
            await interaction.followup.send("")
        except discord.HTTPException as exc:
            refused.set_result(exc)

    async with running(bot, fake):
        handle = fake.push_slash_command("empty")
        responses = await fake.async_wait_for_responses(handle, 2)
        assert (await asyncio.wait_for(refused, 5)).code == 50006  # Cannot send an empty message

        # A second acknowledgement is refused, whoever sends it.
        async with aiohttp.ClientSession() as session:
            url = f"{fake.api_base}/interactions/{handle.id}/{handle.token}/callback"
            async with session.post(url, json={"type": 4, "data": {"content": "again"}}) as response:
                assert response.status == 400
                assert (await response.json())["code"] == 40060

        # Past the 3 s window Discord has forgotten the interaction.
        fake.interaction_timeout = 0.0
        late = fake.push_slash_command("lens", text="too late")
        (callback,) = await fake.async_wait_for_responses(late, 1)
        assert callback.status == 404 and callback.response["code"] == 10062

    assert [r.status for r in responses] == [200, 400]
    (message,) = fake.messages_for(handle)
    assert message.ephemeral and message.content == "first"
    assert fake.messages_for(late) == []
    with pytest.raises(LookupError, match="unknown options"):
        fake.push_slash_command("lens", txt="typo")
    with pytest.raises(ValueError, match="required"):
        fake.push_slash_command("lens")


class Picker(discord.ui.View):
    @discord.ui.select(
        custom_id="pick:view",
        options=[discord.SelectOption(label=v, value=v) for v in ("tokens", "attention", "ids")],
    )
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        await interaction.response.send_message(f"picked {','.join(select.values)}")

    @discord.ui.button(label="Rename", custom_id="pick:rename")
    async def rename(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.send_modal(RenameModal())


class RenameModal(discord.ui.Modal, title="Rename"):
    name: discord.ui.TextInput = discord.ui.TextInput(label="New name", custom_id="rename:name")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"renamed to {self.name.value}", ephemeral=True)


async def test_selects_modals_and_dms(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    bot = make_bot(fake.guild_id)

    @bot.tree.command(name="pick", description="Choose a view", guild=discord.Object(id=fake.guild_id))
    async def pick(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("choose", view=Picker())

    @bot.tree.command(name="whoami", description="Where am I")
    async def whoami(interaction: discord.Interaction) -> None:
        kind = type(interaction.channel).__name__
        admin = interaction.permissions.administrator
        await interaction.response.send_message(f"{kind} {interaction.user.id} {admin}")
        if interaction.guild is None:
            await interaction.user.send("a direct message")  # opens the DM over REST, then posts

    async def setup_hook() -> None:
        await bot.tree.sync(guild=discord.Object(id=fake.guild_id))
        await bot.tree.sync()

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    async with running(bot, fake):
        command = fake.push_slash_command("pick")
        await fake.async_wait_for_responses(command, 1)
        message = fake.original_message(command)
        assert message is not None and message.type == 20

        select = fake.push_component(message, "pick:view", values=["attention"])
        await fake.async_wait_for_responses(select, 1)
        with pytest.raises(ValueError, match="not among"):
            fake.push_component(message, "pick:view", values=["nope"])

        opened = fake.push_component(message, label="Rename", user="admin")
        await fake.async_wait_for_responses(opened, 1)
        modal = fake.modal_for(opened)
        assert modal is not None and modal["title"] == "Rename"
        submitted = fake.push_modal_submit(opened, {"rename:name": "새 이름"})
        await fake.async_wait_for_responses(submitted, 1)

        dm = fake.push_slash_command("whoami", guild=False, user="other")
        guild_admin = fake.push_slash_command("whoami", user="admin")
        await fake.async_wait_for(
            lambda: (
                fake.responses_for(guild_admin) and any(r.route.endswith("/messages") for r in fake.requests)
            )
        )

    (picked,) = fake.messages_for(select)
    assert picked.content == "picked attention"
    assert fake.response_type(opened) == 9
    (renamed,) = fake.messages_for(submitted)
    assert renamed.content == "renamed to 새 이름" and renamed.ephemeral
    assert fake.messages_for(dm)[0].content == f"DMChannel {fake.other.id} False"
    (direct,) = [m for m in fake.messages if m.interaction_id is None]  # sent over REST, not a response
    assert direct.content == "a direct message" and direct.guild_id is None
    assert direct.channel_id == fake.messages_for(dm)[0].channel_id
    assert fake.messages_for(guild_admin)[0].content == f"TextChannel {fake.admin.id} True"
    assert [c["name"] for c in fake.commands()] == ["whoami"]
    assert fake.unknown_routes == [] and fake.warnings == []


async def test_typed_options_in_subcommand_groups(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    bot = make_bot(fake.guild_id)
    lens = app_commands.Group(name="inspect", description="Inspect the model")
    view = app_commands.Group(name="view", description="Views", parent=lens)
    seen: asyncio.Future[dict[str, object]] = asyncio.get_running_loop().create_future()

    @view.command(name="heads", description="Attention heads")
    async def heads(
        interaction: discord.Interaction,
        layer: app_commands.Range[int, 0, 5],
        user: discord.Member,
        role: discord.Role,
        scale: float = 1.0,
        raw: bool = False,
        upload: discord.Attachment | None = None,
    ) -> None:
        await interaction.response.send_message("ok")
        data = await upload.read() if upload else None  # served by the fake at attachment.url
        seen.set_result(
            {"layer": layer, "user": user.id, "role": role.name, "scale": scale, "raw": raw, "data": data}
        )

    bot.tree.add_command(lens, guild=discord.Object(id=fake.guild_id))
    async with running(bot, fake):
        with pytest.raises(ValueError, match="within"):
            fake.push_slash_command(
                "inspect view heads", layer=9, options={"user": "other"}, role=fake.admin_role_id
            )
        with pytest.raises(ValueError, match="options="):
            fake.push_slash_command("inspect view heads", layer=1, user="other", role=fake.admin_role_id)
        handle = fake.push_slash_command(
            "inspect view heads",
            layer=3,
            options={"user": "other"},  # "user" would pick who invokes the command
            role=fake.admin_role_id,
            scale=2,
            raw=True,
            upload=("ids.bin", b"\x00\x01"),
        )
        result = await asyncio.wait_for(seen, 5)

    assert result == {
        "layer": 3,
        "user": fake.other.id,
        "role": "Admin",
        "scale": 2.0,
        "raw": True,
        "data": b"\x00\x01",
    }
    (callback,) = fake.responses_for(handle)
    assert callback.ok and handle.payload["data"]["options"][0]["name"] == "view"


async def test_unknown_routes_are_recorded(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    use_discord_endpoints(fake.api_base, fake.gateway_url)
    try:
        client = discord.Client(intents=discord.Intents.none())
        async with client:
            await client.login(fake.token)
            with pytest.raises(discord.NotFound):
                await client.http.request(discord.http.Route("GET", "/guilds/{guild_id}/bans", guild_id=1))
    finally:
        use_discord_endpoints(None, None)
    assert fake.unknown_routes == ["GET /api/v10/guilds/1/bans"]
    assert fake.requests[-1].status == 404 and fake.requests[-1].response["code"] == 0
