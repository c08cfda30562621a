"""The quiz message on Discord: its buttons (one per candidate word, and Reveal), the vote count, the
reveal, and the timer that reveals it when the time is up.

Votes and the quiz itself live in the database (``bot.store``), and the buttons are persistent
(``DynamicItem``: the quiz id, the choice and the language are in each custom_id), so a quiz goes on
after a restart or on another cluster: a press still counts, and the timer is armed again at start-up.
Only counts are shown until the reveal; who was right is shown with mentions in an embed, which
Discord renders as names and never pings.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import shlex
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import discord

from bot import limits
from bot.embeds import COLOUR, image_file
from bot.engine.query import AttentionQuery
from bot.i18n import EN, KO, language, t
from bot.interactions import send
from bot.markup import NO_MENTIONS, escape
from bot.store import Quiz, QuizClosed, StoreUnavailable, Tally
from bot.text import clip
from bot.tree import handle_error

if TYPE_CHECKING:
    from bot.client import BertLens

log = logging.getLogger(__name__)

_LANGS = {EN: "e", KO: "k"}
KEEP_REVEALED = timedelta(days=1)
PURGE_SECONDS = 3600.0
PER_ROW = limits.BUTTONS_PER_ROW


def _lang(code: str | None) -> str:
    return KO if code in ("k", KO) else EN


def quiz_custom_id(quiz_id: int, choice: int | str, lang: str) -> str:
    return f"bertlens:quiz:{quiz_id}:{choice}:{_LANGS.get(lang, 'e')}"


class QuizButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"bertlens:quiz:(?P<quiz>\d+):(?P<choice>\d+|reveal):(?P<lang>[ek])",
):
    def __init__(self, quiz_id: int, choice: int | str, lang: str, label: str, *, row: int) -> None:
        style = discord.ButtonStyle.success if choice == "reveal" else discord.ButtonStyle.secondary
        super().__init__(
            discord.ui.Button(
                label=clip(label, limits.BUTTON_LABEL),
                style=style,
                custom_id=quiz_custom_id(quiz_id, choice, lang),
                row=row,
            )
        )
        self.quiz_id = quiz_id
        self.choice = choice
        self.lang = lang

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> QuizButton:
        choice: int | str = match["choice"] if match["choice"] == "reveal" else int(match["choice"])
        label = getattr(item, "label", None) or str(choice)
        return cls(int(match["quiz"]), choice, _lang(match["lang"]), label, row=getattr(item, "row", 0) or 0)

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            if self.choice == "reveal":
                await press_reveal(interaction, self.quiz_id, self.lang)
            else:
                await vote(interaction, self.quiz_id, int(self.choice), self.lang)
        except Exception as exc:  # discord.py only logs what a dynamic item raises; users get an answer
            await handle_error(interaction, exc)


def buttons(quiz: Quiz, lang: str, *, disabled: bool = False, tally: Tally | None = None) -> discord.ui.View:
    """One button per candidate (with its votes once revealed), then Reveal; five to a row."""
    view = discord.ui.View(timeout=None)
    for index, word in enumerate(quiz.candidates):
        label = word if tally is None else f"{word} · {tally.counts[index]}"
        item = QuizButton(quiz.id, index, lang, label, row=index // PER_ROW)
        if tally is not None and index == quiz.answer:
            item.item.style = discord.ButtonStyle.success
        item.item.disabled = disabled
        view.add_item(item)
    if not disabled:
        view.add_item(
            QuizButton(quiz.id, "reveal", lang, t(lang, "quiz.reveal"), row=len(quiz.candidates) // PER_ROW)
        )
    return view


def question_embed(quiz: Quiz, lang: str, voters: int, framing: str) -> discord.Embed:
    seconds = max(0, round((quiz.deadline - datetime.now(UTC)).total_seconds()))
    embed = discord.Embed(
        title=t(lang, "quiz.title"),
        description=f"> {clip(escape(quiz.sentence), 1500)}\n\n"
        + t(lang, "quiz.question", word=escape(quiz.word), layer=quiz.layer, specials=framing),
        colour=COLOUR,
    )
    embed.add_field(name=t(lang, "quiz.votes"), value=str(voters))
    embed.set_footer(text=t(lang, "quiz.footer", seconds=seconds, model=quiz.model))
    return embed


def reveal_embed(quiz: Quiz, lang: str, tally: Tally, image_name: str) -> discord.Embed:
    right = quiz.candidates[quiz.answer]
    winners = tally.voters[quiz.answer]
    lines = [
        f"{'**' if i == quiz.answer else ''}{escape(word)}{'**' if i == quiz.answer else ''}: {count}"
        for i, (word, count) in enumerate(zip(quiz.candidates, tally.counts, strict=True))
        if count or i == quiz.answer
    ]
    embed = discord.Embed(
        title=t(lang, "quiz.revealed", word=escape(quiz.word), answer=escape(right)),
        description=f"> {clip(escape(quiz.sentence), 1500)}\n\n" + t(lang, "quiz.lesson"),
        colour=COLOUR,
    )
    embed.add_field(name=t(lang, "quiz.tally", total=tally.total), value=clip("\n".join(lines), 1024))
    who = " ".join(f"<@{user}>" for user in winners[:50]) or t(lang, "quiz.nobody")  # names, never pings
    embed.add_field(name=t(lang, "quiz.right"), value=clip(who, limits.EMBED_FIELD_VALUE))
    embed.set_image(url=f"attachment://{image_name}")
    embed.set_footer(
        text=clip(
            t(lang, "quiz.answer_footer", layer=quiz.layer, model=quiz.model)
            + f"\npython -m bot quiz {_quote(quiz.sentence)} {_quote(quiz.word)} "
            + f"--layer {quiz.layer} --model {_quote(quiz.model)}",
            limits.EMBED_FOOTER,
        )
    )
    return embed


def _quote(text: str) -> str:
    return shlex.quote(text)


# ------------------------------------------------------------------------------------ the presses


async def vote(interaction: discord.Interaction, quiz_id: int, choice: int, lang: str) -> None:
    bot: BertLens = interaction.client  # type: ignore[assignment]
    here = language(interaction.locale)
    if bot.store is None:
        await send(interaction, t(here, "quiz.expired"), ephemeral=True)
        return
    await interaction.response.defer()  # the database may take a moment; Discord wants an answer in 3 s
    try:
        voters = await bot.store.quizzes.vote(quiz_id, interaction.user.id, choice)
        quiz = await bot.store.quizzes.get(quiz_id)
    except QuizClosed:
        await interaction.followup.send(t(here, "quiz.closed"), ephemeral=True, allowed_mentions=NO_MENTIONS)
        return
    except StoreUnavailable:
        await interaction.followup.send(t(here, "quiz.unsaved"), ephemeral=True, allowed_mentions=NO_MENTIONS)
        return
    message = interaction.message
    if quiz is not None and message is not None and message.embeds:
        embed = message.embeds[0].copy()
        embed.set_field_at(0, name=embed.fields[0].name, value=str(voters))
        await interaction.edit_original_response(embed=embed, allowed_mentions=NO_MENTIONS)
    word = quiz.candidates[choice] if quiz is not None and choice < len(quiz.candidates) else "?"
    await interaction.followup.send(
        t(here, "quiz.voted", word=escape(word)), ephemeral=True, allowed_mentions=NO_MENTIONS
    )


async def press_reveal(interaction: discord.Interaction, quiz_id: int, lang: str) -> None:
    bot: BertLens = interaction.client  # type: ignore[assignment]
    here = language(interaction.locale)
    quiz = await bot.store.quizzes.get(quiz_id) if bot.store is not None else None
    if quiz is None:
        await send(interaction, t(here, "quiz.expired"), ephemeral=True)
        return
    permissions = interaction.permissions
    if interaction.user.id != quiz.owner_id and not (
        permissions.manage_messages or permissions.administrator
    ):
        await send(interaction, t(here, "quiz.not_yours", user=f"<@{quiz.owner_id}>"), ephemeral=True)
        return
    await interaction.response.defer()
    revealed = await reveal(bot, quiz, interaction=interaction)
    if not revealed:
        await interaction.followup.send(t(here, "quiz.already"), ephemeral=True, allowed_mentions=NO_MENTIONS)


async def reveal(bot: BertLens, quiz: Quiz, *, interaction: discord.Interaction | None = None) -> bool:
    """Reveal once, whoever asks first (the owner, the timer, another cluster): False if it was already."""
    assert bot.store is not None
    won = await bot.store.quizzes.reveal(quiz.id)
    if won is None:
        return False
    lang = _lang(won.language)
    tally = await bot.store.quizzes.tally(quiz.id)
    query = AttentionQuery(won.word, occurrence=won.occurrence, layer=won.layer, hide_special=True)
    model = won.model if won.model in bot.service.models.names else None
    _result, image = await bot.service.attention(won.sentence, query, lang, model=model)
    embed = reveal_embed(won, lang, tally, image.filename)
    view = buttons(won, lang, disabled=True, tally=tally)
    edit: dict[str, Any] = {"embed": embed, "attachments": [image_file(image)], "view": view}
    if interaction is not None:
        await interaction.edit_original_response(**edit, allowed_mentions=NO_MENTIONS)
    elif won.message_id is not None:
        channel = bot.get_partial_messageable(won.channel_id)
        await channel.get_partial_message(won.message_id).edit(**edit, allowed_mentions=NO_MENTIONS)
    return True


# ----------------------------------------------------------------------------------------- timers


class QuizTimers:
    """Reveals each quiz when its time is up; armed again at start-up for the quizzes left open."""

    def __init__(self, bot: BertLens) -> None:
        self.bot = bot
        self._tasks: dict[int, asyncio.Task[None]] = {}

    def arm(self, quiz: Quiz, interaction: discord.Interaction | None = None) -> None:
        if quiz.id in self._tasks:
            return
        self._tasks[quiz.id] = asyncio.create_task(self._later(quiz, interaction), name=f"quiz-{quiz.id}")

    async def _later(self, quiz: Quiz, interaction: discord.Interaction | None) -> None:
        try:
            await asyncio.sleep(max(0.0, (quiz.deadline - datetime.now(UTC)).total_seconds()))
            # The interaction's token edits the message anywhere (also where the bot is not a member)
            # for 15 minutes; after that, or after a restart, the bot edits it in its channel.
            fresh = interaction is not None and not interaction.is_expired()
            await reveal(self.bot, quiz, interaction=interaction if fresh else None)
        except (discord.HTTPException, StoreUnavailable):
            log.warning("quiz %s could not be revealed on time; a press on it will", quiz.id, exc_info=True)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("quiz %s: unexpected error while revealing", quiz.id)
        finally:
            self._tasks.pop(quiz.id, None)

    async def rearm(self) -> None:
        if self.bot.store is None:
            return
        with contextlib.suppress(StoreUnavailable):
            for quiz in await self.bot.store.quizzes.open_quizzes():
                self.arm(quiz)

    async def purge_forever(self, every: float = PURGE_SECONDS) -> None:
        """Quizzes and their votes are kept a day after the reveal (see the README), then deleted."""
        while self.bot.store is not None:
            with contextlib.suppress(StoreUnavailable):
                gone = await self.bot.store.purge_quizzes(KEEP_REVEALED)
                if gone:
                    log.info("Deleted %d finished quiz(zes) and their votes", gone)
            await asyncio.sleep(every)

    def cancel(self) -> list[asyncio.Task[None]]:
        """Cancel every pending reveal; returns the tasks, for the caller to wait for."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        return tasks
