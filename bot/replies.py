"""How BERT Lens talks on Discord: escaping, embeds, files, and one way to answer an interaction
whatever state it is in (not yet answered, deferred, or already followed up).

Nothing the user typed may ping anyone or break formatting: every message goes out with
``AllowedMentions.none()`` and user text is escaped for markdown, mentions and code blocks.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
from collections.abc import Sequence
from typing import Any

import discord

from bot.engine.analysis import AttentionResult, Comparison, TokenizationReport, WordAttention
from bot.engine.render import Image
from bot.formatting import one_line, report_lines, summary_lines
from bot.i18n import t

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
COLOUR = discord.Colour(0xE8D24A)  # cividis' bright end, so embed and heatmap belong together
MESSAGE_LIMIT = 2000
FIELD_LIMIT = 1024
ANSWERED = "bertlens_answered"


# discord.utils.escape_mentions only defuses ids of 17-20 digits; Discord's client renders any
# <@digits>, <@&digits> or <#digits> as a mention pill, so break every such tag open.
_MENTION_TAG = re.compile(r"<(?=[@#])")


def escape(text: str) -> str:
    """User text for normal message content or embeds: no markdown, no mentions, one line."""
    flat = " ".join(str(text).split())
    escaped = discord.utils.escape_mentions(discord.utils.escape_markdown(flat, as_needed=False))
    return _MENTION_TAG.sub("<\u200b", escaped)


def code_safe(text: str) -> str:
    """User text inside a code block: a zero-width space after each backtick keeps ``` from closing it."""
    return text.replace("`", "`\u200b")


def code_block(lines: Sequence[str]) -> str:
    return "```\n" + "\n".join(code_safe(line) for line in lines) + "\n```"


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def image_file(image: Image) -> discord.File:
    """A fresh File each time: a discord.File's buffer is consumed by one upload."""
    return discord.File(
        io.BytesIO(image.png), filename=image.filename, description=clip(image.alt_text, 1000)
    )


# --------------------------------------------------------------------------------------- answering


def _drop_missing(**kwargs: Any) -> dict[str, Any]:
    return {k: v for k, v in kwargs.items() if v is not None}


async def send(
    interaction: discord.Interaction,
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    file: discord.File | None = None,
    view: discord.ui.View | None = None,
    ephemeral: bool = False,
) -> discord.Message | None:
    """Answer through the initial response if it is still free, else through a follow-up.

    Returns the message when a view needs it later (to disable itself on timeout).
    """
    kwargs = _drop_missing(content=content, embed=embed, file=file, view=view)
    if not interaction.response.is_done():
        await interaction.response.send_message(**kwargs, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS)
        interaction.extras[ANSWERED] = True
        return await interaction.original_response() if view is not None else None
    message = await interaction.followup.send(
        **kwargs, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS, wait=True
    )
    interaction.extras[ANSWERED] = True
    return message


async def fail(interaction: discord.Interaction, text: str) -> None:
    """Tell only this user what went wrong, whatever state the interaction is in; never raise."""
    try:
        if interaction.is_expired():
            log.info("interaction %s expired before we could answer: %s", interaction.id, text)
            return
        if not interaction.response.is_done():
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        if interaction.response.type == discord.InteractionResponseType.deferred_channel_message and not (
            interaction.extras.get(ANSWERED)
        ):
            # The public "is thinking..." placeholder would otherwise stay forever, or turn into the error.
            with contextlib.suppress(discord.HTTPException):
                await interaction.delete_original_response()
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
        interaction.extras[ANSWERED] = True
    except discord.HTTPException:
        log.warning("could not deliver an error message for interaction %s", interaction.id, exc_info=True)


# ----------------------------------------------------------------------------------------- content


def heads_label(word: WordAttention, lang: str) -> str:
    heads = word.heads
    n = word.analysis.num_heads
    if heads.agg == "head":
        return t(lang, "heads.head", head=(heads.head or 0) + 1, n=n)
    return t(lang, f"heads.{heads.agg}", n=n)


def _top_lines(word: WordAttention, k: int = 5) -> str:
    lines = [f"{i}. **{escape(a.token)}** {a.weight:.3f}" for i, a in enumerate(word.top(k), start=1)]
    return "\n".join(lines) or "\u2014"


def attention_embed(result: AttentionResult, image: Image, lang: str) -> discord.Embed:
    word = result.word
    analysis = result.analysis
    description = [f"> {clip(escape(analysis.sentence.text), 1500)}"]
    if word.span.occurrences > 1:
        description.append(
            t(lang, "attention.occurrence", occurrence=word.span.occurrence, count=word.span.occurrences)
        )
    if word.span.pieces > 1:
        pieces = " + ".join(analysis.sentence.tokens[i] for i in word.span.token_indices)
        description.append(
            t(
                lang,
                "attention.pieces",
                word=escape(word.span.text),
                count=word.span.pieces,
                pieces=escape(pieces),
            )
        )
    share = word.sink_share()
    if share is not None and not result.is_rollout:
        description.append(t(lang, "attention.sink", share=share, layer=word.layer + 1))
    embed = discord.Embed(
        title=clip(t(lang, "attention.title", word=escape(one_line(word.span.text, 80))), 256),
        description="\n".join(description),
        colour=COLOUR,
    )
    heads = heads_label(word, lang)
    key = "attention.rollout_top" if result.is_rollout else "attention.top"
    embed.add_field(
        name=t(lang, key, layer=word.layer + 1, heads=heads), value=clip(_top_lines(word), FIELD_LIMIT)
    )
    embed.set_image(url=f"attachment://{image.filename}")
    embed.set_footer(
        text=clip(
            t(
                lang,
                "attention.footer",
                model=analysis.model,
                layer=word.layer + 1,
                layers=analysis.num_layers,
                heads=heads,
                view=result.resolved.view,
                specials=t(lang, "specials.hidden" if word.hide_special else "specials.shown"),
            ),
            2048,
        )
    )
    return embed


def compare_embed(comparison: Comparison, image: Image, lang: str) -> discord.Embed:
    a, b = comparison.a, comparison.b
    layers = a.analysis.num_layers
    if comparison.same_ids:
        ids = t(lang, "compare.same_ids", ids=", ".join(map(str, comparison.ids_a)))
    else:
        ids = t(
            lang,
            "compare.diff_ids",
            a=", ".join(map(str, comparison.ids_a)),
            b=", ".join(map(str, comparison.ids_b)),
        )
    embed = discord.Embed(
        title=clip(t(lang, "compare.title", word=escape(one_line(a.span.text, 80))), 256),
        description=f"**A** > {clip(escape(a.analysis.sentence.text), 900)}\n"
        f"**B** > {clip(escape(b.analysis.sentence.text), 900)}\n\n{ids}",
        colour=COLOUR,
    )
    cos = comparison.cosine
    figures = " \u00b7 ".join(f"{'emb' if i == 0 else f'L{i}'} {value:.3f}" for i, value in enumerate(cos))
    lesson = t(lang, "compare.lesson", first=float(cos[0]), last=float(cos[-1]), layers=layers)
    embed.add_field(
        name=t(lang, "compare.cosine"), value=clip(f"{figures}\n{lesson}", FIELD_LIMIT), inline=False
    )
    for label, word in (("A", a), ("B", b)):
        embed.add_field(
            name=t(lang, "compare.top", label=label, layer=word.layer + 1),
            value=clip(_top_lines(word, 3), FIELD_LIMIT),
        )
    embed.set_image(url=f"attachment://{image.filename}")
    embed.set_footer(text=clip(f"{a.analysis.model} \u00b7 {heads_label(a, lang)}", 2048))
    return embed


def tokenize_reply(report: TokenizationReport, lang: str) -> tuple[str, discord.File | None]:
    """The token table in a code block, or, when it cannot fit one message, a summary plus a .txt file
    with the whole table (never silently cut)."""
    table = report_lines(report, lang)
    summary = [escape(line) for line in summary_lines(report, lang)]
    content = code_block(table) + "\n" + "\n".join(summary)
    if len(content) <= MESSAGE_LIMIT:
        return content, None
    filename = "bertlens-tokens.txt"
    text = "\n".join(table) + "\n\n" + "\n".join(summary_lines(report, lang)) + "\n"
    head = [escape(table[0]), *summary, t(lang, "tok.attached", filename=filename)]
    return clip("\n".join(head), MESSAGE_LIMIT), discord.File(
        io.BytesIO(text.encode("utf-8")), filename=filename
    )
