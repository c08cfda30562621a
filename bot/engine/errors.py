"""Errors the engine raises: bad input (``EngineError``) and a model that cannot load.

Each carries a stable ``code`` and the values needed to explain it. The wording lives in
``bot/i18n.py`` (English and Korean), so the CLI and the bot say the same thing: ``str(err)`` is the
English sentence, ``bot.i18n.error_text(lang, err)`` the sentence in the user's language.
"""

from __future__ import annotations

from collections.abc import Sequence


class ModelUnavailable(RuntimeError):
    """A model cannot be loaded. ``reason`` is a stable code (``i18n`` key ``model.<reason>``) and
    ``str(err)`` the English sentence: what is wrong with the name or path, and what to do."""

    code = "model_unavailable"

    def __init__(self, model: str, reason: str, **params: object) -> None:
        super().__init__(model, reason)
        self.model = model
        self.reason = reason
        self.params = {"model": model, **params}

    @classmethod
    def because(cls, model: str, reason: str, **params: object) -> ModelUnavailable:
        return cls(model, reason, **params)

    def text(self, lang: str) -> str:
        from bot.i18n import t

        reason = t(lang, f"model.{self.reason}", **self.params)
        return t(lang, "err.model_unavailable", model=self.model, reason=reason)

    def __str__(self) -> str:
        return self.text("en")


class EngineError(ValueError):
    """Input the engine cannot analyse."""

    code = "engine_error"

    def __init__(self, **params: object) -> None:
        super().__init__(self.code, params)
        self.params = params

    def __str__(self) -> str:
        from bot.i18n import EN, error_text  # the strings table imports nothing from the engine

        return error_text(EN, self)


class EmptyText(EngineError):
    code = "empty_text"

    def __init__(self, what: str = "sentence", label: str | None = None) -> None:
        # ``label``: which of several sentences ("2", "B"), only when there are several.
        super().__init__(what=what, **({"label": label} if label else {}))


class TextTooLong(EngineError):
    code = "text_too_long"

    def __init__(self, *, length: int, limit: int, unit: str) -> None:
        super().__init__(length=length, limit=limit, unit=unit)


class WordNotFound(EngineError):
    code = "word_not_found"

    def __init__(self, word: str, sentence: str, available: Sequence[str]) -> None:
        super().__init__(word=word, sentence=sentence, available=list(available))


class OccurrenceOutOfRange(EngineError):
    code = "occurrence_out_of_range"

    def __init__(self, word: str, occurrence: int, count: int) -> None:
        super().__init__(word=word, occurrence=occurrence, count=count)


class OutOfRange(EngineError):
    """A layer or head number outside the model (numbers users see start at 1)."""

    code = "out_of_range"

    def __init__(self, what: str, value: int, maximum: int) -> None:
        super().__init__(what=what, value=value, maximum=maximum)


class InvalidChoice(EngineError):
    code = "invalid_choice"

    def __init__(self, what: str, value: str, choices: Sequence[str]) -> None:
        super().__init__(what=what, value=value, choices=list(choices))


class OptionConflict(EngineError):
    """Two choices that cannot both hold: refused, never silently ignored. ``case`` is one of
    ``max_head``, ``rollout``, ``grid``, ``rollout_norms``, ``animation_view``, ``animation_layer``
    (i18n ``conflict.<case>``)."""

    code = "option_conflict"

    def __init__(self, case: str) -> None:
        super().__init__(case=case)


class AnimationTooLarge(EngineError):
    """An animation that stays over the upload limit even at its smallest (sizes in megabytes as users
    read them: one decimal, two below 1 MB so the two numbers do not read the same)."""

    code = "animation_too_large"

    def __init__(self, *, size: float, limit: float) -> None:
        super().__init__(size=_megabytes(size), limit=_megabytes(limit))


def _megabytes(value: float) -> float:
    return round(value, 1 if value >= 1 else 2)
