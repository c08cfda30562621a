"""The real BERT Lens bot (``python -m bot``) as a subprocess against a FakeDiscord, for the bot scenarios.

The bot is started the way a newcomer starts it: ``python -m bot`` with its settings in the environment
(``.env.example``'s values where a scenario doesn't need others), ``MODEL=bundled`` and
``HF_HUB_OFFLINE=1``. Its working directory is an empty temporary directory, so no ``.env`` is read,
and none of the developer's own BERT Lens settings leak in from the environment.

Everything the bot logs goes to a file. When a test fails, the part of the log written during that
test is added to the failure report (the test modules load this file as a pytest plugin through
``pytest_plugins``). Every process is stopped at teardown: SIGTERM, then SIGKILL if it lingers.

Helpers for reading what the bot answered (``wait_answered``, ``assert_clean``...) live here too.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.settings import Settings
from tests.helpers.fake_discord import (
    AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE,
    DEFERRED_CHANNEL_MESSAGE,
    DEFERRED_UPDATE_MESSAGE,
    FLAG_EPHEMERAL,
    UPDATE_MESSAGE,
    FakeDiscord,
    InteractionHandle,
    RecordedRequest,
)

ROOT = Path(__file__).resolve().parents[2]
NO_MENTIONS = {"parse": []}
_ANSI = re.compile(r"\x1b\[[0-9;]*m")

# Every BERT Lens setting, so none of the developer's own leaks into a test bot.
SETTING_NAMES = frozenset(name.upper() for name in Settings.__dataclass_fields__)

# .env.example's values, made explicit so the bot behaves the same on any machine (the defaults of
# WORKERS and TORCH_THREADS depend on the number of cores).
BASE_SETTINGS = {
    "MODEL": "bundled",
    "WORKERS": "2",
    "TORCH_THREADS": "1",
    "QUEUE_LIMIT": "8",
    "COOLDOWN_RATE": "5",
    "COOLDOWN_SECONDS": "30",
    "LOG_LEVEL": "INFO",
}

# Lines in a bot log that mean something went wrong inside the bot (not merely on the network).
LOG_PROBLEMS = ("unexpected error", "Ignoring exception", "Task exception was never retrieved", "Unclosed")

_LIVE: list[BotProcess] = []


class BotDied(AssertionError):
    pass


class BotProcess:
    """``python -m bot`` pointed at ``fake`` through its settings, logging to ``workdir/<name>.log``."""

    def __init__(self, fake: FakeDiscord, workdir: Path, *, name: str = "bot", **settings: Any) -> None:
        self.fake = fake
        self.workdir = Path(workdir)
        self.name = name
        self.settings = {
            **BASE_SETTINGS,
            "DISCORD_TOKEN": fake.token,
            "DISCORD_API_BASE": fake.api_base,
            "DISCORD_GATEWAY_URL": fake.gateway_url,
            "DEV_GUILD_ID": str(fake.guild_id),
            **{key.upper(): str(value) for key, value in settings.items()},
        }
        self.log_path = self.workdir / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.started_at: float | None = None
        self._log_file: Any = None
        self.mark = 0  # log offset at the start of the current test

    # ------------------------------------------------------------------------------- lifecycle

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in SETTING_NAMES}
        env.update(self.settings)
        env.update(
            HF_HUB_OFFLINE="1",
            TRANSFORMERS_OFFLINE="1",
            HF_HUB_DISABLE_PROGRESS_BARS="1",
            TOKENIZERS_PARALLELISM="false",
            PYTHONUNBUFFERED="1",
            MPLBACKEND="Agg",
            # The scenarios are about the bot, not the forward pass: an export per started bot would
            # cost each one seconds (tests/engine/test_fastpath.py covers the fast path).
            FAST_PATH=self.settings.get("FAST_PATH", "off"),
            # The checkout's bot, also where the project is not installed in the venv.
            PYTHONPATH=os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
        )
        return env

    def start(self) -> BotProcess:
        assert self.proc is None, "already started"
        self.workdir.mkdir(parents=True, exist_ok=True)
        assert not (self.workdir / ".env").exists()
        self._log_file = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot"],
            cwd=self.workdir,
            env=self.environment(),
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )
        _LIVE.append(self)
        return self

    def wait_ready(self, timeout: float = 90.0) -> float:
        """Wait for READY (the model is loaded and commands are synced before the bot connects);
        return the seconds start-up took. Fails at once, with the log, if the process exits."""
        deadline = time.monotonic() + timeout
        while True:
            self.check_alive()
            try:
                self.fake.wait_for(lambda: self.fake.ready_count >= 1, timeout=0.25)
                break
            except TimeoutError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{self.name} not READY after {timeout}s\n{self.log()}") from None
        assert self.started_at is not None
        return time.monotonic() - self.started_at

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    @property
    def returncode(self) -> int | None:
        return self.proc.poll() if self.proc else None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def check_alive(self) -> None:
        if not self.alive():
            raise BotDied(f"{self.name} exited with status {self.returncode}\n{self.log()}")

    def send_signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def wait_exit(self, timeout: float) -> int:
        assert self.proc is not None
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{self.name} still running {timeout}s later\n{self.log()}") from None

    def stop(self) -> int | None:
        """Stop the process whatever state it is in (SIGTERM, then SIGKILL); safe to call twice."""
        try:
            if self.proc is not None and self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(15)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(10)
        finally:
            if self._log_file is not None:
                self._log_file.close()
                self._log_file = None
            if self in _LIVE:
                _LIVE.remove(self)
        return self.returncode

    # ------------------------------------------------------------------------------------ logs

    def log(self, since: int = 0) -> str:
        """The bot's log from byte offset ``since``, colour codes removed."""
        try:
            with open(self.log_path, "rb") as handle:
                handle.seek(since)
                raw = handle.read()
        except FileNotFoundError:
            return ""
        return _ANSI.sub("", raw.decode("utf-8", "replace"))

    def log_size(self) -> int:
        try:
            return self.log_path.stat().st_size
        except FileNotFoundError:
            return 0

    def wait_for_log(self, text: str, timeout: float = 10.0, since: int = 0) -> None:
        """Poll the log file (the fake is not told about it) until ``text`` appears."""
        deadline = time.monotonic() + timeout
        while text not in self.log(since):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{text!r} not in {self.name}'s log after {timeout}s\n{self.log()}")
            if not self.alive() and text not in self.log(since):
                raise BotDied(f"{self.name} exited before logging {text!r}\n{self.log()}")
            time.sleep(0.02)

    def log_problems(self) -> list[str]:
        return [line for line in self.log().splitlines() if any(p in line for p in LOG_PROBLEMS)]


@contextlib.contextmanager
def running_bot(
    workdir: Path, *, name: str = "bot", heartbeat_interval: int = 500, **settings: Any
) -> Iterator[BotProcess]:
    """A started FakeDiscord and a READY bot process against it; both stopped afterwards, always."""
    fake = FakeDiscord(heartbeat_interval=heartbeat_interval)
    fake.start()
    bot = BotProcess(fake, workdir, name=name, **settings)
    try:
        bot.start()
        seconds = bot.wait_ready()
        print(f"\n{name}: pid {bot.pid} READY after {seconds:.1f}s (log: {bot.log_path})")
        yield bot
    finally:
        try:
            bot.stop()
        finally:
            fake.stop()


# ----------------------------------------------------------------------------------- pytest plugin


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    for bot in _LIVE:
        bot.mark = bot.log_size()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for bot in list(_LIVE):
            text = bot.log(bot.mark if report.when != "setup" else 0)
            report.sections.append(
                (f"bot log: {bot.name} (pid {bot.pid}, {bot.log_path})", text or "(empty)")
            )


# ------------------------------------------------------------------------------ reading answers


def fresh_sentence(seed: int, words: int = 80) -> str:
    """A sentence of ~90 tokens ending in "zebra", different for each seed, so the bot's cache of
    forward passes cannot answer it: about 0.1-0.2 s of work for a worker."""
    import random

    vocabulary = [
        "the",
        "river",
        "bank",
        "was",
        "full",
        "of",
        "quiet",
        "water",
        "and",
        "old",
        "boats",
        "while",
        "people",
        "walked",
        "along",
        "the",
        "stone",
        "path",
        "near",
        "a",
        "small",
        "market",
        "selling",
        "bread",
        "fish",
        "apples",
        "honey",
    ]
    rng = random.Random(seed)
    return " ".join(rng.choice(vocabulary) for _ in range(words)) + " zebra"


def answered(fake: FakeDiscord, handle: InteractionHandle) -> list[RecordedRequest] | None:
    """The interaction's requests once it has a final answer, else None: an immediate message,
    autocomplete result or message update, or a deferral followed by a follow-up or an edit."""
    responses = fake.responses_for(handle)
    if not responses:
        return None
    kind = responses[0].callback_type
    if kind in (CHANNEL_MESSAGE, UPDATE_MESSAGE, AUTOCOMPLETE_RESULT):
        return responses
    if kind in (DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE) and any(
        r.kind in ("followup", "edit") for r in responses[1:]
    ):
        return responses
    return None


def wait_answered(
    fake: FakeDiscord, handle: InteractionHandle, timeout: float = 20.0
) -> list[RecordedRequest]:
    return fake.wait_for(lambda: answered(fake, handle), timeout, f"a final answer to {handle.name}")


def final_body(responses: list[RecordedRequest]) -> RecordedRequest:
    """The request that carries the answer: the message callback, or the last follow-up/edit."""
    bodies = [r for r in responses if r.callback_type in (CHANNEL_MESSAGE, UPDATE_MESSAGE)]
    bodies += [r for r in responses if r.kind in ("followup", "edit")]
    assert bodies, f"no message in {[(r.kind, r.callback_type) for r in responses]}"
    return bodies[-1]


def ephemeral_reply(fake: FakeDiscord, handle: InteractionHandle, timeout: float = 20.0) -> str:
    """Assert the interaction was answered at once with one ephemeral message; return its text."""
    responses = wait_answered(fake, handle, timeout)
    shape = [(r.kind, r.callback_type, r.status, r.data.get("content")) for r in responses]
    assert [(r.kind, r.callback_type, r.ok) for r in responses] == [("callback", CHANNEL_MESSAGE, True)], (
        shape
    )
    data = responses[0].data
    assert data.get("flags", 0) & FLAG_EPHEMERAL, data
    assert data.get("allowed_mentions") == NO_MENTIONS, data
    return data["content"]


def decode_png(data: bytes) -> tuple[int, int]:
    """Decode a PNG fully with Pillow (not just its header); return its size."""
    from PIL import Image

    assert data[:8] == b"\x89PNG\r\n\x1a\n", data[:16]
    with Image.open(io.BytesIO(data)) as image:
        image.verify()
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        image.load()
        assert image.width > 0 and image.height > 0
        return image.size


def attention_reply(fake: FakeDiscord, handle: InteractionHandle) -> tuple[dict[str, Any], bytes]:
    """Assert /attention was deferred, then answered by one public multipart follow-up; return its
    embed and PNG."""
    responses = wait_answered(fake, handle)
    kinds = [(r.kind, r.callback_type) for r in responses]
    assert kinds == [("callback", DEFERRED_CHANNEL_MESSAGE), ("followup", None)], kinds
    followup = responses[1]
    assert followup.ok and not followup.data.get("flags", 0) & FLAG_EPHEMERAL
    (embed,) = followup.data["embeds"]
    filename = embed["image"]["url"].removeprefix("attachment://")
    assert [f.filename for f in followup.files] == [filename]
    png = followup.file(filename)
    decode_png(png)
    message = fake.original_message(handle)
    assert message is not None and not message.loading and message.file(filename) == png
    return embed, png


def message_requests(fake: FakeDiscord) -> list[RecordedRequest]:
    """Every request in which the bot sent a message body (new, follow-up or edit)."""
    return [
        r
        for r in fake.requests
        if r.callback_type in (CHANNEL_MESSAGE, UPDATE_MESSAGE)
        or r.kind in ("followup", "edit")
        or (r.method in ("POST", "PATCH") and re.fullmatch(r"/channels/\d+/messages(/\d+)?", r.path))
    ]


def assert_no_mentions(fake: FakeDiscord) -> int:
    """``allowed_mentions`` parses nothing on every message the bot sent; returns how many."""
    sent = message_requests(fake)
    offenders = [
        (r.method, r.path, r.data.get("allowed_mentions"))
        for r in sent
        if r.data.get("allowed_mentions") != NO_MENTIONS
    ]
    assert offenders == [], offenders
    return len(sent)


def assert_clean(bot: BotProcess, *, running: bool = True) -> None:
    """Nothing went wrong so far: no unknown routes, no fake warnings, no REST errors, no mention
    parsing, the process still running (unless ``running=False``), no unexpected errors logged."""
    fake = bot.fake
    assert fake.unknown_routes == []
    assert fake.warnings == []
    failed = [(r.method, r.path, r.status, r.response) for r in fake.requests if r.status >= 400]
    assert failed == []
    assert_no_mentions(fake)
    if running:
        bot.check_alive()
    assert bot.log_problems() == []
