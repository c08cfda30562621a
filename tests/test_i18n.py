"""English and Korean strings: same keys, same placeholders, every engine error explained in both."""

from __future__ import annotations

import string

import pytest

from bot import i18n
from bot.engine import errors
from bot.engine.quiz import NoCandidates
from bot.i18n import EN, KO, STRINGS, error_text, language, t
from bot.tables import display_width, one_line, pad, report_lines, summary_lines


def placeholders(template: str) -> set[str]:
    names = set()
    for _, field, _, _ in string.Formatter().parse(template):
        if field is not None:
            names.add(field.split(".")[0].split("[")[0])
    return names


def test_both_languages_have_the_same_keys():
    assert set(STRINGS[EN]) == set(STRINGS[KO])
    assert set(i18n.COMMAND_TEXT[EN]) == set(i18n.COMMAND_TEXT[KO])


@pytest.mark.parametrize("key", sorted(STRINGS[EN]))
def test_same_placeholders_in_both_languages(key):
    assert placeholders(STRINGS[EN][key]) == placeholders(STRINGS[KO][key])
    assert STRINGS[KO][key].strip()


@pytest.mark.parametrize("key", sorted(STRINGS[EN]))
def test_every_string_formats_with_its_placeholders(key):
    values = {name: 3 for name in placeholders(STRINGS[EN][key])}
    for lang in (EN, KO):
        text = t(lang, key, **values)
        assert "{" not in text.replace("{{", "") or key == "err.engine_error"


def test_korean_strings_are_korean():
    hangul = [k for k, v in STRINGS[KO].items() if any("\uac00" <= c <= "\ud7a3" for c in v)]
    assert len(hangul) >= 0.8 * len(STRINGS[KO])


@pytest.mark.parametrize("lang", [EN, KO])
def test_command_texts_fit_discord_limits(lang):
    for key, text in i18n.COMMAND_TEXT[lang].items():
        assert 1 <= len(text) <= 100, key  # descriptions, choice and menu names: 1-100 characters


def all_error_classes():
    found, todo = [], [errors.EngineError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


EXAMPLES = {
    errors.EmptyText: [errors.EmptyText(), errors.EmptyText("word")],
    errors.TextTooLong: [
        errors.TextTooLong(length=600, limit=500, unit="characters"),
        errors.TextTooLong(length=130, limit=128, unit="tokens"),
    ],
    errors.WordNotFound: [
        errors.WordNotFound("banana", "Apple is huge enterprise", ["Apple", "is", "huge", "enterprise"]),
        errors.WordNotFound("x", "!!!", []),
    ],
    errors.OccurrenceOutOfRange: [errors.OccurrenceOutOfRange("the", 4, 3)],
    errors.OutOfRange: [errors.OutOfRange("layer", 7, 6), errors.OutOfRange("head", 13, 12)],
    errors.InvalidChoice: [
        errors.InvalidChoice("view", "3d", ["word", "heads"]),
        errors.InvalidChoice("aggregation", "median", ["mean", "max"]),
    ],
    errors.OptionConflict: [
        errors.OptionConflict(case)
        for case in ("max_head", "rollout", "grid", "animation_view", "animation_layer")
    ],
    errors.AnimationTooLarge: [errors.AnimationTooLarge(size=12.34, limit=10.0)],
    NoCandidates: [NoCandidates("apple")],
}


def test_every_error_class_has_an_example():
    assert {c for c in all_error_classes() if c is not errors.EngineError} <= set(EXAMPLES)


@pytest.mark.parametrize("cls", sorted(EXAMPLES, key=lambda c: c.__name__))
@pytest.mark.parametrize("lang", [EN, KO])
def test_every_engine_error_is_explained(cls, lang):
    assert f"err.{cls.code}" in STRINGS[EN] and f"err.{cls.code}" in STRINGS[KO]
    for error in EXAMPLES[cls]:
        text = error_text(lang, error)
        assert text and "{" not in text and "}" not in text
        assert error.code not in text
        for value in error.params.values():
            if isinstance(value, int):
                assert str(value) in text
        if lang == KO:
            assert any("\uac00" <= c <= "\ud7a3" for c in text)
        if lang == EN:
            assert str(error) == text


def test_error_details_are_translated():
    assert "\ub808\uc774\uc5b4" in error_text(KO, errors.OutOfRange("layer", 7, 6))  # "layer"
    assert "\ud5e4\ub4dc" in error_text(KO, errors.OutOfRange("head", 13, 12))  # "head"
    assert "\uc790" in error_text(KO, errors.TextTooLong(length=600, limit=500, unit="characters"))
    assert "characters" in error_text(EN, errors.TextTooLong(length=600, limit=500, unit="characters"))
    assert "Apple, is, huge, enterprise" in error_text(EN, EXAMPLES[errors.WordNotFound][0])
    assert "\u2014" in error_text(EN, EXAMPLES[errors.WordNotFound][1])  # no words: a dash, not ""


def test_error_text_clips_and_escapes_user_text():
    long_word = "w" * 3000
    text = error_text(EN, errors.WordNotFound(long_word, "a b", ["a", "b"]))
    assert len(text) < 300
    escaped = error_text(
        EN, errors.WordNotFound("*bold*", "a b", ["a_b"]), escape=lambda s: s.replace("*", "\\*")
    )
    assert "\\*bold\\*" in escaped
    many = error_text(EN, errors.WordNotFound("x", "...", [f"w{i}" for i in range(30)]))
    assert "w19" in many and "w20" not in many and many.endswith("\u2026.")


def test_unknown_error_code_falls_back_to_the_generic_message():
    class Odd(errors.EngineError):
        code = "odd_new_code"

    assert error_text(EN, Odd()) == "odd_new_code"
    assert error_text(KO, Odd()) == "odd_new_code"


@pytest.mark.parametrize(
    ("locale", "lang"),
    [("ko", KO), ("ko-KR", KO), ("KO", KO), ("en-US", EN), ("ja", EN), (None, EN), ("", EN)],
)
def test_language_from_locale(locale, lang):
    assert language(locale) == lang


def test_language_from_an_enum_like_locale():
    class Locale:
        value = "ko"

    assert language(Locale()) == KO


def test_unknown_language_falls_back_to_english():
    assert t("fr", "tok.header", model="m") == "Model: m"


# ------------------------------------------------------------------------------------- formatting


def test_display_width_counts_wide_characters_twice():
    assert display_width("apple") == 5
    assert display_width("\ud55c\uad6d") == 4
    assert display_width("e\u0301") == 1
    assert pad("\ud55c", 4) == "\ud55c  "
    assert one_line("a\nb\t c") == "a b c"
    assert one_line("x" * 200, 10) == "x" * 9 + "\u2026"


@pytest.mark.parametrize("lang", [EN, KO])
def test_token_table_aligns_columns_in_both_languages(lens, lang):
    report = lens.tokenize(["Apple is huge enterprise", "\ud55c\uad6d\uc5b4 apple tokenization"])
    lines = report_lines(report, lang)
    assert lines[0] == t(lang, "tok.header", model=lens.name)
    header = t(lang, "tok.columns").split("|")
    table_starts = [i for i, line in enumerate(lines) if line.split()[:2] == ["#", header[1]]]
    assert len(table_starts) == 2
    for start in table_starts:
        rows = lines[start : start + len(report.sentences[0]) + 1]
        id_column = display_width(rows[0][: rows[0].index(" id ") + 1])
        for row in rows[1:]:
            # The id column starts at the same display position on every row.
            cells = row.split()
            before = row[: row.index(" " + cells[2] + " ") + 1] if len(cells) > 3 else row
            assert display_width(before) == id_column, (row, rows[0])
    notes = "\n".join(lines)
    assert t(lang, "tok.note.piece", word="tokenization") in notes
    assert t(lang, "tok.note.pad") in notes
    summary = summary_lines(report, lang)
    assert summary[0] == t(
        lang,
        "tok.shared",
        items=t(lang, "tok.shared.item", id=6207, token="apple", where="1, 2"),
        compare="/compare",
    )


@pytest.mark.parametrize("lang", [EN, KO])
def test_help_names_the_buttons_as_they_are_labelled(lang):
    body = t(lang, "help.body")
    for key in ("button.norms", "button.occlusion"):
        assert f"**{t(lang, key)}**" in body, key
    for command in ("/tokenize", "/attention", "/compare", "/quiz", "/predict", "/settings"):
        assert f"**{command}**" in body, command
