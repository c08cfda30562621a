"""Start-up of the Discord bot, in order: settings and token check (before any model loads), logging,
endpoints, the service, the bot with its extensions, signal handling and a clean exit."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

import aiohttp
import discord

from bot.settings import ConfigError, Settings

log = logging.getLogger("bertlens")

# The cogs, loaded as extensions in this order (one file per command family).
EXTENSIONS = (
    "cogs.tokenize",
    "cogs.attention",
    "cogs.compare",
    "cogs.quiz",
    "cogs.meta",
    "cogs.settings",
    "cogs.predict",
)


def _setup_logging(level: str) -> None:
    discord.utils.setup_logging(level=getattr(logging, level, logging.INFO), root=True)
    # BERT Lens never joins voice; don't warn at every start that voice libraries are missing.
    for flag in ("warn_nacl", "warn_dave"):
        if hasattr(discord.VoiceClient, flag):
            setattr(discord.VoiceClient, flag, False)
    # transformers and huggingface_hub are chatty at INFO; their warnings still show.
    for name in ("transformers", "huggingface_hub", "urllib3", "matplotlib"):
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in ("discord.client", "discord.shard"):
        logging.getLogger(name).addFilter(_ReconnectNotice())


async def _unreachable(api_base: str, timeout: float) -> str | None:
    """None when Discord's REST API answers at all, else why not, in a few words. A failed connection
    would otherwise end in a long traceback, and a server that never answers would leave the bot silent."""
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session,
            session.get(f"{api_base}/gateway") as response,
        ):
            await response.read()
    except TimeoutError:
        return f"no answer within {timeout:g} s"
    except aiohttp.ClientError as exc:
        return str(exc) or type(exc).__name__
    return None


class _ReconnectNotice(logging.Filter):
    """discord.py logs each reconnect attempt with a full traceback; say it in one WARNING line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith(("Attempting a reconnect", "Failed to connect for shard_id")):
            error = record.exc_info[1] if record.exc_info else None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info, record.exc_text = None, None
            if error is not None:
                detail = str(error).splitlines()[0] if str(error) else ""
                record.msg = f"{record.msg} ({type(error).__name__}: {detail})"
        return True


async def _run(settings: Settings, token: str, *, sync_only: bool) -> int:
    from bot.client import BertLens
    from bot.discord_endpoints import DEFAULT_API_BASE, DEFAULT_GATEWAY_URL, use_discord_endpoints
    from bot.service import LensService
    from bot.store import Store

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    use_discord_endpoints(settings.discord_api_base, settings.discord_gateway_url)
    api_base = settings.discord_api_base or DEFAULT_API_BASE
    probe = asyncio.create_task(_unreachable(api_base, settings.connect_timeout))
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait({probe, stopper}, return_when=asyncio.FIRST_COMPLETED)
    if stop.is_set():  # a signal while waiting for Discord: nothing started, nothing to finish
        probe.cancel()
        log.info("Signal received before connecting: closed")
        return 0
    stopper.cancel()
    reason = probe.result()
    if reason is not None:
        log.error("Cannot reach Discord at %s: %s", api_base, reason)
        return 1
    service = LensService.from_settings(settings)
    store = None if sync_only else Store.from_url(settings.store_url(), ttl=settings.settings_ttl)
    bot = BertLens(settings, service, store=store, initial_extensions=EXTENSIONS, sync_only=sync_only)

    async with bot:
        try:
            await bot.login(token)  # runs setup_hook: the model loads, commands sync by policy
        except discord.LoginFailure:
            log.error("Discord rejected DISCORD_TOKEN. Reset the token on the Bot page and update .env.")
            return 2
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            log.error("Cannot reach Discord at %s: %s", api_base, exc)
            return 1
        if sync_only:
            return 0
        connected = asyncio.Event()

        async def on_connect() -> None:
            connected.set()

        bot.add_listener(on_connect, "on_connect")
        runner = asyncio.create_task(bot.connect(reconnect=True), name="discord-client")
        stopper = asyncio.create_task(stop.wait(), name="signal-wait")
        first = asyncio.create_task(connected.wait(), name="first-connect")
        done, _ = await asyncio.wait(
            {runner, stopper, first}, timeout=settings.connect_timeout, return_when=asyncio.FIRST_COMPLETED
        )
        first.cancel()
        gateway = settings.discord_gateway_url or DEFAULT_GATEWAY_URL
        if not done:
            log.error(
                "Cannot reach Discord's gateway at %s: no answer within %g s",
                gateway,
                settings.connect_timeout,
            )
            runner.cancel()
            stopper.cancel()
            return 1
        if stopper not in done:
            done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if stopper in done:
            log.info("Signal received: finishing requests in flight, then closing")
            await bot.shutdown(settings.shutdown_grace)
        else:
            stopper.cancel()
        try:
            await runner
        except asyncio.CancelledError:
            pass
        except (discord.DiscordException, aiohttp.ClientError, OSError) as exc:
            log.error("Lost Discord's gateway at %s: %s", gateway, exc)
            return 1
    log.info("Closed cleanly")
    return 0


def run_bot(settings: Settings, *, sync_only: bool = False) -> int:
    try:
        token = settings.require_token()
    except ConfigError as exc:
        print(f"bertlens: {exc}", file=sys.stderr)
        return 2
    _setup_logging(settings.log_level)
    from bot.engine.render.fonts import warn_undrawable
    from bot.i18n import STRINGS

    # Every word the bot may draw must have a glyph: a missing font shows at start-up, not in images.
    warn_undrawable(text for table in STRINGS.values() for text in table.values())
    from bot.engine.errors import ModelUnavailable

    try:
        return asyncio.run(_run(settings, token, sync_only=sync_only))
    except ModelUnavailable as exc:
        log.error("%s", exc)
        return 1
    except KeyboardInterrupt:
        return 0
