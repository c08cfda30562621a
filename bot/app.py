"""Start-up of the Discord bot, in order: settings and token check (before any model loads), logging,
endpoints, the service, the bot with its extensions, signal handling and a clean exit."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

import discord

from bot.settings import ConfigError, Settings

log = logging.getLogger("bertlens")

# The cogs, loaded as extensions in this order (one file per command family).
EXTENSIONS = ("cogs.tokenize", "cogs.attention", "cogs.compare", "cogs.meta")


def _setup_logging(level: str) -> None:
    discord.utils.setup_logging(level=getattr(logging, level, logging.INFO), root=True)
    # BERT Lens never joins voice; don't warn at every start that voice libraries are missing.
    for flag in ("warn_nacl", "warn_dave"):
        if hasattr(discord.VoiceClient, flag):
            setattr(discord.VoiceClient, flag, False)
    # transformers and huggingface_hub are chatty at INFO; their warnings still show.
    for name in ("transformers", "huggingface_hub", "urllib3", "matplotlib"):
        logging.getLogger(name).setLevel(logging.WARNING)


async def _run(settings: Settings, token: str, *, sync_only: bool) -> int:
    from bot.client import BertLens
    from bot.discord_endpoints import use_discord_endpoints
    from bot.service import LensService

    use_discord_endpoints(settings.discord_api_base, settings.discord_gateway_url)
    service = LensService.from_settings(settings)
    bot = BertLens(settings, service, initial_extensions=EXTENSIONS, sync_only=sync_only)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    async with bot:
        if sync_only:
            await bot.login(token)  # runs setup_hook, which syncs globally in this mode
            return 0
        runner = asyncio.create_task(bot.start(token), name="discord-client")
        stopper = asyncio.create_task(stop.wait(), name="signal-wait")
        done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if stopper in done:
            log.info("Signal received: finishing requests in flight, then closing")
            await bot.shutdown(settings.shutdown_grace)
        else:
            stopper.cancel()
        try:
            await runner
        except discord.LoginFailure:
            log.error("Discord rejected DISCORD_TOKEN. Reset the token on the Bot page and update .env.")
            return 2
    log.info("Closed cleanly")
    return 0


def run_bot(settings: Settings, *, sync_only: bool = False) -> int:
    try:
        token = settings.require_token()
    except ConfigError as exc:
        print(f"bertlens: {exc}", file=sys.stderr)
        return 2
    _setup_logging(settings.log_level)
    from bot.engine.errors import ModelUnavailable

    try:
        return asyncio.run(_run(settings, token, sync_only=sync_only))
    except ModelUnavailable as exc:
        log.error("%s", exc)
        return 1
    except KeyboardInterrupt:
        return 0
