"""Every user-facing string, in English and Korean: ``t(lang, key, **params)`` is the one way to say
anything, in replies, in the CLI and on images.

The tables live in ``en.py`` and ``ko.py`` (a key missing in Korean falls back to English). Replies
pick the language from ``interaction.locale`` (Korean for ``ko``, English otherwise). Command and
option descriptions are localised through ``BertLensTranslator`` in ``bot/translator.py``, which
reads the ``COMMAND_TEXT`` tables.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from bot.i18n import en, ko
from bot.text import one_line

EN = "en"
KO = "ko"
LANGUAGES = (EN, KO)

STRINGS: Mapping[str, Mapping[str, str]] = {EN: en.STRINGS, KO: ko.STRINGS}
COMMAND_TEXT: Mapping[str, Mapping[str, str]] = {EN: en.COMMANDS, KO: ko.COMMANDS}


def language(locale: object) -> str:
    """``discord.Locale.korean`` (value ``"ko"``) or the string ``"ko"`` -> Korean; anything else English."""
    value = str(getattr(locale, "value", locale) or "")
    return KO if value.lower().startswith("ko") else EN


def t(lang: str, key: str, **params: Any) -> str:
    """The string ``key`` in ``lang`` (falling back to English), formatted with ``params``."""
    table = STRINGS.get(lang, STRINGS[EN])
    template = table.get(key) or STRINGS[EN][key]
    return template.format(**params)


class Explainable(Protocol):
    @property
    def code(self) -> str: ...

    @property
    def params(self) -> Mapping[str, object]: ...


def heads_label(lang: str, agg: str, head: int | None, num_heads: int, values: str = "weights") -> str:
    """How heads are combined, in words: "mean of 12 heads", "head 3 of 12" (``head`` is 0-based).
    For value norms the "mean" is the norm of the heads' vectors added: "all 12 heads together"."""
    if agg == "head":
        return t(lang, "heads.head", head=(head or 0) + 1, n=num_heads)
    if agg == "mean" and values == "norms":
        return t(lang, "heads.sum", n=num_heads)
    return t(lang, f"heads.{agg}", n=num_heads)


def error_text(lang: str, error: Explainable, escape: Callable[[str], str] = str) -> str:
    """An engine error (``bot.engine.errors``) in the user's language, with its own values filled in.

    Text that came from the user is shortened (a 3,000-character "word" must not make a 3,000-character
    reply) and passed through ``escape`` (the bot escapes Discord markdown and mentions there).
    """
    params: dict[str, Any] = {
        k: escape(one_line(v, 60)) if isinstance(v, str) else v for k, v in error.params.items()
    }
    key = f"err.{error.code}" if f"err.{error.code}" in STRINGS[EN] else "err.engine_error"
    if "what" in params and f"what.{params['what']}" in STRINGS[EN]:
        params["what"] = t(lang, f"what.{params['what']}")
    if params.get("label"):  # which of several sentences
        params["what"] = f"{params['what']} {params['label']}"
    if "case" in params:  # a key, not user text: read before escaping ("rollout_norms" has a "_")
        params["case"] = t(lang, f"conflict.{error.params['case']}")
    if "unit" in params:
        params["unit"] = t(lang, f"unit.{params['unit']}")
    if "available" in params:
        words = [escape(one_line(w, 30)) for w in params["available"]]
        shown = words[:20]
        params["available"] = ", ".join(shown) + (" …" if len(words) > len(shown) else "") or "—"
    if "choices" in params:
        params["choices"] = ", ".join(params["choices"])
    params.setdefault("message", error.code)
    return t(lang, key, **params)
