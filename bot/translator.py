"""Korean command descriptions for Discord's command picker, from ``bot.i18n.COMMAND_TEXT``."""

from __future__ import annotations

from discord import Locale, app_commands

from bot.i18n import COMMAND_TEXT, EN, language


def text(key: str) -> app_commands.locale_str:
    """A command/option/choice text: English now, translated per locale when commands are synced."""
    return app_commands.locale_str(COMMAND_TEXT[EN][key], key=key)


class BertLensTranslator(app_commands.Translator):
    async def translate(
        self, string: app_commands.locale_str, locale: Locale, context: app_commands.TranslationContextTypes
    ) -> str | None:
        lang = language(locale)
        key = string.extras.get("key")
        if lang == EN or key is None:
            return None  # Discord shows the English text
        return COMMAND_TEXT.get(lang, {}).get(key)
