"""The offline command line: output, exit codes, and one-line errors.

Most tests call ``bot.cli.main`` in this process (the ``cli`` fixture serves ``MODEL=bundled`` from the
session's model); a few run the real ``python -m bot`` in a subprocess, which costs seconds each.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image as PILImage

from bot.engine.query import AttentionQuery

SEED_A = "Apple is huge enterprise"
SEED_B = "I am eating an apple"


def one_error_line(run) -> str:
    assert run.out == ""
    lines = run.err.splitlines()
    assert len(lines) == 1, run.err
    assert "Traceback" not in run.err
    assert lines[0].startswith("bertlens: ")
    return lines[0]


# ---------------------------------------------------------------------------------------- tokenize


def test_tokenize_table(cli):
    run = cli("tokenize", SEED_A, SEED_B)
    assert run.code == 0 and run.err == ""
    out = run.out
    assert "Model: sentence-transformers/all-MiniLM-L6-v2 (bundled)" in out
    assert "padded together to 7 tokens" in out
    assert (
        "input_ids      = [[101, 6207, 2003, 4121, 6960, 102, 0], [101, 1045, 2572, 5983, 2019, 6207, 102]]"
        in out
    )
    assert "attention_mask = [[1, 1, 1, 1, 1, 1, 0], [1, 1, 1, 1, 1, 1, 1]]" in out
    assert "Shared ids: 6207 (apple) in sentences 1, 2." in out
    lines = out.splitlines()
    header = lines.index("#  token       id    mask  note")
    assert lines[header + 1].split() == ["0", "[CLS]", "101", "1", "special:", "start"]
    assert lines[header + 2].split() == ["1", "apple", "6207", "1", "shared", "id"]
    assert lines[header + 7].split() == ["6", "[PAD]", "0", "0", "padding", "(mask", "0)"]
    assert cli.loads == [("bundled", cli.loads[0][1])]


def test_tokenize_table_notes_pieces(cli):
    out = cli("tokenize", "Tokenization rocks").out
    piece = next(line for line in out.splitlines() if "##ization" in line)
    assert "piece of Tokenization" in piece
    assert "No token id appears" not in out  # a single sentence has nothing to share


def test_tokenize_json(cli):
    run = cli("tokenize", "--json", SEED_A, SEED_B)
    assert run.code == 0
    data = run.json()
    assert set(data) == {"model", "sentences", "shared_ids"}
    assert data["model"] == "sentence-transformers/all-MiniLM-L6-v2 (bundled)"
    a, b = data["sentences"]
    for sentence in (a, b):
        assert set(sentence) == {
            "text",
            "tokens",
            "input_ids",
            "attention_mask",
            "special",
            "subword",
            "offsets",
        }
    assert a["input_ids"] == [101, 6207, 2003, 4121, 6960, 102, 0]
    assert b["input_ids"] == [101, 1045, 2572, 5983, 2019, 6207, 102]
    assert a["tokens"] == ["[CLS]", "apple", "is", "huge", "enterprise", "[SEP]", "[PAD]"]
    assert b["tokens"] == ["[CLS]", "i", "am", "eating", "an", "apple", "[SEP]"]
    assert a["attention_mask"] == [1, 1, 1, 1, 1, 1, 0]
    assert a["special"] == [True, False, False, False, False, True, True]
    assert data["shared_ids"] == [{"id": 6207, "token": "apple", "positions": [[0, 1], [1, 5]]}]


def test_tokenize_json_keeps_unicode(cli):
    data = cli("tokenize", "--json", "café \ud55c\uad6d").json()
    assert data["sentences"][0]["text"] == "café \ud55c\uad6d"


def test_undecodable_argument_bytes_do_not_crash(cli):
    # Python turns bytes that are not UTF-8 in argv (a Latin-1 terminal) into lone surrogates.
    text = b"caf\xe9 apple".decode("utf-8", "surrogateescape")
    run = cli("tokenize", "--json", text)
    assert run.code == 0, run.err
    assert run.json()["sentences"][0]["text"] == "caf\ufffd apple"
    run = cli("attention", text, "apple", "--json")
    assert run.code == 0, run.err
    assert run.json()["word"]["text"] == "apple"
    assert run.json()["sentence"] == "caf\ufffd apple"


# --------------------------------------------------------------------------------------- attention


def test_attention_human_output_and_png(cli):
    run = cli("attention", SEED_A, "apple", "--hide-special", "--out", "apple.png")
    assert run.code == 0, run.err
    out = run.out
    assert "Word:     'Apple' (occurrence 1 of 1; tokens [1]: apple)" in out
    assert "mean of 12 heads, [CLS]/[SEP] hidden" in out
    table = [line for line in out.splitlines() if "layer " in line and line.lstrip("* ").startswith("layer")]
    assert len(table) == 6 and table[-1].startswith("*layer 6")
    header = out.splitlines()[out.splitlines().index(table[0]) - 1]
    assert header.split() == ["apple", "is", "huge", "enterprise"]
    for row in table:
        assert sum(float(v) for v in row.split()[2:]) == pytest.approx(1.0, abs=0.003)
    assert "Most attended in layer 6 (itself aside):" in out
    picture = PILImage.open(cli.cwd / "apple.png")
    assert picture.format == "PNG" and picture.size[0] == 1000
    assert f"Wrote apple.png (1000\u00d7{picture.size[1]})" in out


def test_values_norms_text_json_and_png(cli, lens):
    run = cli("attention", SEED_B, "apple", "--values", "norms", "--out", "norms.png")
    assert run.code == 0, run.err
    assert "value norms (each row as shares; raw norms in --json)" in run.out
    assert "all 12 heads together" in run.out
    assert "Largest shares in layer 6 (itself aside):" in run.out
    assert PILImage.open(cli.cwd / "norms.png").size[0] == 1000
    data = cli("attention", SEED_B, "apple", "--values", "norms", "--layer", "3", "--json").json()
    expected = lens.attention(SEED_B, AttentionQuery("apple", layer=3, values="norms")).norms
    assert data["values"] == "norms" and "attention" not in data
    np.testing.assert_allclose(data["norms_raw"], expected.raw, atol=1e-6)
    np.testing.assert_allclose(data["norms"], expected.rows, atol=1e-6)


def test_occlusion_text_json_and_chart(cli, lens):
    run = cli("attention", SEED_A, "apple", "--occlusion", "--out", "occ.png")
    assert run.code == 0, run.err
    expected = lens.occlusion(SEED_A, AttentionQuery("apple"))
    top, least = expected.top, expected.least
    assert f"Without the most attended token, {top.token} (weight {top.weight:.3f})" in run.out
    assert f"Without the least attended token, {least.token} (weight {least.weight:.3f})" in run.out
    assert f"  layer 6     {top.shift[6]:.4f}" in run.out
    assert "Attention is not importance" in run.out or "matters more" in run.out
    assert PILImage.open(cli.cwd / "occ.png").size[0] == 1000
    data = cli("attention", SEED_A, "apple", "--occlusion", "--json").json()
    assert [r["token"] for r in data["removals"]] == [top.token, least.token]
    np.testing.assert_allclose(data["removals"][0]["shift"], top.shift[1:], atol=1e-6)
    assert not (cli.cwd / "bertlens-occlusion.png").exists()


@pytest.mark.parametrize(
    "render",
    [
        lambda lens: lens.attention_png(SEED_B, AttentionQuery("apple", head=3, hide_special=True), "ko"),
        lambda lens: lens.attention_png(SEED_B, AttentionQuery("apple", view="matrix", values="norms"), "en"),
        lambda lens: lens.attention_png(SEED_A, AttentionQuery("apple", view="grid"), "en"),
        lambda lens: lens.occlusion_png(SEED_A, AttentionQuery("apple", layer=4, agg="max"), "en"),
        lambda lens: lens.compare_png("apple", SEED_A, SEED_B, hide_special=True, lang="ko"),
    ],
    ids=["attention", "norms-matrix", "grid", "occlusion", "compare"],
)
def test_the_command_printed_on_an_image_makes_that_image_again(cli, lens, render, printed_commands):
    _, image = render(lens)
    (command,) = printed_commands
    assert command.startswith("python -m bot ") and command.endswith(
        " --model bundled --lang " + command[-2:]
    )
    argv = shlex.split(command)[3:]
    run = cli(*argv, "--out", "again.png")
    assert run.code == 0, run.err
    assert (cli.cwd / "again.png").read_bytes() == image.png


def test_attention_default_png_name(cli):
    run = cli("attention", SEED_B, "apple", "--view", "matrix")
    assert run.code == 0
    assert (cli.cwd / "bertlens-matrix.png").read_bytes().startswith(b"\x89PNG")


def test_compare_human_output_and_png(cli):
    run = cli("compare", "apple", SEED_A, SEED_B, "--out", "cmp.png")
    assert run.code == 0, run.err
    assert "A: Apple is huge enterprise   ('Apple': ids [6207])" in run.out
    assert "B: I am eating an apple   ('apple': ids [6207])" in run.out
    assert "Same token ids" in run.out
    assert sum(1 for line in run.out.splitlines() if line.strip().startswith("layer ")) == 6
    assert PILImage.open(cli.cwd / "cmp.png").size[0] == 1000


def test_compare_text_reads_each_cosine_against_the_band(cli, lens):
    expected = lens.compare("apple", SEED_A, SEED_B)
    band = expected.baseline
    text = cli("compare", "apple", SEED_A, SEED_B, "--out", "cmp.png").out.splitlines()
    rows = [line.split() for line in text if line.startswith(("  layer ", "  embeddings"))]
    assert len(rows) == len(expected.cosine) == 7
    for layer, row in enumerate(rows):
        cosine = row[1] if layer == 0 else row[2]
        assert float(cosine) == pytest.approx(expected.cosine[layer], abs=5e-4)
        assert [float(v) for v in row[-3:]] == pytest.approx(
            [band.low[layer], band.median[layer], band.high[layer]], abs=5e-3
        )
    assert "After layer 6 the two 'Apple' vectors (0.71) stand above the band (median 0.18)" in "\n".join(
        text
    )


def test_an_out_path_that_cannot_be_written_is_refused_before_any_work(cli):
    run = cli("attention", SEED_A, "apple", "--out", str(cli.cwd / "missing-dir" / "x.png"))
    assert run.code == 2
    assert "does not exist" in one_error_line(run)
    assert cli.loads == []  # checked before the model loads


@pytest.mark.parametrize(
    ("suffix", "fmt"), [(".jpg", "JPEG"), (".jpeg", "JPEG"), (".webp", "WEBP"), (".PNG", "PNG")]
)
def test_out_writes_the_format_its_suffix_names(cli, suffix, fmt):
    run = cli("attention", SEED_A, "apple", "--out", f"apple{suffix}")
    assert run.code == 0, run.err
    picture = PILImage.open(cli.cwd / f"apple{suffix}")
    assert picture.format == fmt and picture.size[0] == 1000


def test_an_out_suffix_without_an_image_format_is_refused(cli):
    run = cli("attention", SEED_A, "apple", "--out", "apple.gif")
    assert run.code == 2 and ".png, .jpg or .webp" in one_error_line(run)
    assert not (cli.cwd / "apple.gif").exists()


def test_json_without_out_writes_no_file(cli):
    for argv in (["attention", SEED_A, "apple", "--json"], ["compare", "apple", SEED_A, SEED_B, "--json"]):
        run = cli(*argv)
        assert run.code == 0, run.err
        assert "image" not in run.json()
    assert list(cli.cwd.iterdir()) == []


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--agg", "max", "--head", "3"], "One head and the max over heads"),
        (["--view", "rollout", "--head", "2"], "Rollout always mixes every head"),
        (["--view", "rollout", "--agg", "max"], "Rollout always mixes every head"),
        (["--view", "grid", "--layer", "2"], "grid view shows every layer and head"),
        (["--view", "grid", "--head", "2"], "grid view shows every layer and head"),
        (["--top", "0"], "--top must be at least 1"),
        (["--view", "rollout", "--values", "norms"], "Rollout multiplies attention weights"),
        (["--occlusion", "--view", "grid"], "--occlusion takes no --view and no --values"),
        (["--occlusion", "--values", "norms"], "--occlusion takes no --view and no --values"),
    ],
)
def test_options_that_would_be_ignored_are_refused(cli, argv, needle):
    run = cli("attention", SEED_A, "apple", *argv)
    assert run.code == 2
    assert needle in one_error_line(run)
    assert cli.loads == []


def test_model_and_lang_work_after_the_subcommand_too(cli, monkeypatch):
    monkeypatch.setenv("MODEL", "nonexistent/model-xyz")
    run = cli("tokenize", "hi", "--model", "bundled", "--lang", "ko")
    assert run.code == 0, run.err
    assert cli.loads[0][0] == "bundled"
    assert "모델: sentence-transformers/all-MiniLM-L6-v2 (bundled)" in run.out


def test_an_unknown_flag_points_at_the_subcommand_help(cli):
    run = cli("attention", SEED_A, "apple", "--colour", "red")
    assert run.code == 2
    assert "(see: python -m bot attention --help)" in one_error_line(run)


def test_korean_output_and_errors_with_lang_ko(cli):
    run = cli("--lang", "ko", "attention", SEED_B, "apple", "--hide-special", "--out", "ko.png")
    assert run.code == 0, run.err
    assert "단어:     'apple'" in run.out and "가장 주목한 토큰" in run.out
    run = cli("--lang", "ko", "attention", SEED_B, "banana")
    assert run.code == 2 and "문장에 없는 단어" in one_error_line(run)


@pytest.mark.parametrize(
    ("environ", "lang"),
    [
        ({"LANG": "ko_KR.UTF-8"}, "ko"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LC_ALL": "ko_KR.UTF-8", "LANG": "en_US.UTF-8"}, "ko"),
        ({"LC_ALL": "C", "LANG": "ko_KR.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_the_default_language_follows_the_locale(environ, lang):
    from bot.arguments import default_language

    assert default_language(environ) == lang


def test_the_cli_points_at_its_own_compare_command(cli):
    out = cli("tokenize", SEED_A, SEED_B).out
    assert "Try python -m bot compare." in out and "/compare" not in out


@pytest.mark.parametrize(
    ("view", "needle"),
    [
        ("heads", "*head 1"),
        ("matrix", "apple"),
        ("grid", "H12"),
        ("rollout", "*layer 6"),
    ],
)
def test_the_text_output_shows_the_chosen_view(cli, view, needle):
    argv = ["attention", SEED_B, "apple", "--view", view, "--out", "v.png"]
    run = cli(*argv, *(["--head", "1"] if view == "heads" else []))
    assert run.code == 0, run.err
    assert f"{view} view" in run.out
    assert needle in run.out


def test_fetch_model_bundled_downloads_nothing(cli):
    run = cli("fetch-model", "bundled")
    assert run.code == 0
    assert "installed with the package" in run.out


# -------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["attention", "", "apple"], "empty"),
        (["attention", "   ", "apple"], "empty"),
        (["attention", SEED_A, ""], "word"),
        (["attention", SEED_A, "banana"], "Words in it: Apple, is, huge, enterprise"),
        (["attention", SEED_A, "apple", "--layer", "0"], "layer 0"),
        (["attention", SEED_A, "apple", "--layer", "7"], "layer 7"),
        (["attention", SEED_A, "apple", "--head", "13"], "head 13"),
        (["attention", SEED_A, "apple", "--head", "0"], "head 0"),
        (["attention", SEED_A, "apple", "--occurrence", "2"], "occurrence 2"),
        (["attention", "x" * 501, "x"], "501 characters"),
        (["tokenize", "ok", "y" * 501], "limit is 500"),
        (["compare", "apple", SEED_A, "a" * 600], "600 characters"),
        (["compare", "apple", SEED_A, "no fruit here"], "Words in it"),
        (["compare", "apple", "", SEED_B], "empty"),
        (["tokenize", ""], "empty"),
        (["tokenize", "\x00\x01"], "empty"),
        (["attention", SEED_A], "required"),
        (["attention"], "required"),
        (["tokenize"], "required"),
        (["compare", "apple", SEED_A], "required"),
        (["attention", SEED_A, "apple", "--layer", "two"], "invalid int"),
        (["attention", SEED_A, "apple", "--agg", "median"], "invalid choice"),
        (["attention", SEED_A, "apple", "--view", "3d"], "invalid choice"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_is_one_line_exit_2(cli, argv, needle):
    run = cli(*argv)
    assert run.code == 2
    line = one_error_line(run)
    assert needle in line


def test_text_checks_happen_before_loading_the_model(cli):
    run = cli("attention", "x" * 501, "x")
    assert run.code == 2
    assert cli.loads == []


def test_max_chars_setting_is_honoured(cli, monkeypatch):
    monkeypatch.setenv("MAX_CHARS", "20")
    assert cli("tokenize", "x" * 20).code == 0
    run = cli("tokenize", "x" * 21)
    assert run.code == 2 and "limit is 20" in one_error_line(run)


def test_bad_settings_are_one_line_exit_2(cli, monkeypatch):
    monkeypatch.setenv("MAX_CHARS", "lots")
    monkeypatch.setenv("WORKERS", "0")
    run = cli("tokenize", "hi")
    assert run.code == 2
    line = one_error_line(run)
    assert "MAX_CHARS" in line and "WORKERS" in line


def test_torch_threads_setting_reaches_the_loader(cli, monkeypatch):
    monkeypatch.setenv("TORCH_THREADS", "1")
    assert cli("tokenize", "hi").code == 0
    assert cli.loads == [("bundled", 1)]


def test_model_option_overrides_the_environment(cli, monkeypatch):
    monkeypatch.setenv("MODEL", "nonexistent/model-xyz")
    assert cli("--model", "bundled", "tokenize", "hi").code == 0
    assert cli.loads[0][0] == "bundled"


def test_unavailable_model_in_process_is_one_line_exit_1(cli, monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    run = cli("--model", str(tmp_path / "nowhere"), "tokenize", "hi")
    assert run.code == 1
    assert "Cannot load model" in one_error_line(run)


def test_version(cli):
    run = cli("--version")
    assert run.code == 0 and run.out.startswith("BERT Lens ")


# --------------------------------------------------------------------------- the real python -m bot

# Each real run imports torch and loads a model (seconds), so they all start together when this module
# starts and run in the background while the in-process tests above run; each test then waits for its own.
SUBPROCESS_RUNS = {
    "fallback": (["tokenize", "--json", SEED_A, SEED_B], {}),
    "empty": (["attention", "", "apple"], {"MODEL": "bundled"}),
    "missing-word": (["attention", SEED_A], {"MODEL": "bundled"}),
    "too-long": (["tokenize", "z" * 501], {"MODEL": "bundled"}),
    "unavailable": (["--model", "nonexistent/model-xyz", "tokenize", "hi"], {}),
}


class Finished:
    def __init__(self, process: subprocess.Popen) -> None:
        self.stdout, self.stderr = process.communicate(timeout=180)
        self.returncode = process.returncode


@pytest.fixture(scope="module", autouse=True)
def python_m_bot(tmp_path_factory):
    """Start every real ``python -m bot`` run of this module at once; yields name -> result getter."""
    base = tmp_path_factory.mktemp("python-m-bot")
    home = base / "hf-home"
    (home / "hub").mkdir(parents=True)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("MODEL", "DISCORD_TOKEN", "MAX_CHARS", "TORCH_THREADS", "HF_HUB_CACHE", "HF_HOME")
    }
    # Offline, with an empty cache: distilbert-base-uncased cannot be found anywhere.
    env.update(
        HF_HUB_OFFLINE="1", HF_HOME=str(home), HF_HUB_CACHE=str(home / "hub"), PYTHONIOENCODING="utf-8"
    )
    processes = {}
    for name, (argv, extra) in SUBPROCESS_RUNS.items():
        cwd = base / name
        cwd.mkdir()
        processes[name] = subprocess.Popen(
            [sys.executable, "-m", "bot", *argv],
            cwd=cwd,
            env={**env, **extra},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
    results: dict[str, Finished] = {}

    def result(name: str) -> Finished:
        if name not in results:
            results[name] = Finished(processes[name])
        return results[name]

    yield result
    for process in processes.values():
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_subprocess_default_model_falls_back_with_one_warning(python_m_bot):
    """No MODEL set, empty offline cache: distilbert-base-uncased is unavailable, so the bundled model
    answers, after exactly one WARNING line on stderr."""
    proc = python_m_bot("fallback")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("bertlens: WARNING: Cannot load distilbert-base-uncased")
    assert "Traceback" not in proc.stderr
    data = json.loads(proc.stdout)
    assert data["model"] == "sentence-transformers/all-MiniLM-L6-v2 (bundled)"
    assert [s["input_ids"] for s in data["sentences"]] == [
        [101, 6207, 2003, 4121, 6960, 102, 0],
        [101, 1045, 2572, 5983, 2019, 6207, 102],
    ]


@pytest.mark.parametrize("name", ["empty", "missing-word", "too-long"])
def test_subprocess_bad_input_exit_2(python_m_bot, name):
    proc = python_m_bot(name)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert len(proc.stderr.splitlines()) == 1, proc.stderr
    assert proc.stderr.startswith("bertlens: ")
    assert "Traceback" not in proc.stderr


def test_subprocess_unavailable_model_exit_1(python_m_bot):
    proc = python_m_bot("unavailable")
    assert proc.returncode == 1
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("bertlens: Cannot load model 'nonexistent/model-xyz'")
    assert "MODEL=bundled" in lines[0]
    assert "Traceback" not in proc.stderr


def test_migrate_creates_the_settings_database(cli, monkeypatch):
    monkeypatch.setenv("DATA_DIR", str(cli.cwd / "state"))
    run = cli("migrate")
    assert run.code == 0, run.err
    assert "up to date" in run.out
    assert (cli.cwd / "state" / "bertlens.db").is_file()
    assert cli.loads == []  # no model needed


def test_migrate_with_a_bad_database_url_is_one_line_exit_2(cli, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "mysql://somewhere/db")
    run = cli("migrate")
    assert run.code == 2
    assert "DATABASE_URL" in one_error_line(run)


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["tokenize", "ok", ""], "The sentence 2 is empty"),
        (["tokenize", "", "ok"], "The sentence 1 is empty"),
        (["compare", "apple", "I eat an apple", "   "], "The sentence B is empty"),
        (["tokenize", "\x00\x01"], "The sentence is empty"),
    ],
)
def test_an_empty_sentence_among_several_is_named(cli, argv, says):
    run = cli(*argv)
    assert run.code == 2 and says in one_error_line(run)


def test_the_first_piece_of_a_split_word_is_noted_too(cli):
    lines = cli("tokenize", "Tokenization rocks").out.splitlines()
    first = next(line for line in lines if line.split()[:2] == ["1", "token"])
    assert "piece of Tokenization" in first


# ---------------------------------------------------------------------------------------- --gif


def test_gif_writes_one_frame_per_layer(cli):
    run = cli("attention", SEED_B, "apple", "--gif")
    assert run.code == 0, run.err
    picture = PILImage.open(cli.cwd / "bertlens-animation.gif")
    assert picture.format == "GIF" and picture.n_frames == 6 and picture.size[0] == 1000
    assert picture.info["loop"] == 0
    kb = round((cli.cwd / "bertlens-animation.gif").stat().st_size / 1024)
    assert f"Wrote bertlens-animation.gif (1000\u00d7{picture.size[1]}, 6 frames, {kb} KB)" in run.out
    assert "Most attended in layer 6 (itself aside):" in run.out


def test_gif_of_the_matrix_view_with_norms_in_korean(cli):
    run = cli("attention", SEED_B, "apple", "--gif", "--view", "matrix", "--values", "norms", "--lang", "ko")
    assert run.code == 0, run.err
    assert PILImage.open(cli.cwd / "bertlens-animation-matrix.gif").n_frames == 6
    assert "프레임 6개" in run.out


def test_gif_json_writes_nothing_without_out_and_names_the_gif_with_it(cli, lens):
    data = cli("attention", SEED_B, "apple", "--gif", "--json").json()
    assert list(cli.cwd.iterdir()) == []
    assert data["animated"] is True and data["layer"] is None
    expected = lens.animation(SEED_B, AttentionQuery("apple", animate=True))
    assert [f["layer"] for f in data["frames"]] == [1, 2, 3, 4, 5, 6]
    assert [f["top"][0]["token"] for f in data["frames"]] == [
        fr.word.top(1)[0].token for fr in expected.frames
    ]
    data = cli("attention", SEED_B, "apple", "--gif", "--json", "--out", "a.gif").json()
    assert data["image"]["path"] == "a.gif" and data["image"]["frames"] == 6
    assert PILImage.open(cli.cwd / "a.gif").n_frames == 6


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--layer", "2"], "An animation shows every layer in turn, so it takes no layer."),
        (["--view", "heads"], "Only the word view and the matrix view can be animated"),
        (["--view", "grid"], "Only the word view and the matrix view can be animated"),
        (["--view", "rollout"], "Only the word view and the matrix view can be animated"),
        (["--occlusion"], "--occlusion and --gif do not go together"),
        (["--out", "a.png"], "--out a.png: --gif writes a .gif"),
        (["--out", "a.gif.webp"], "--gif writes a .gif"),
    ],
)
def test_gif_refusals_are_one_line_exit_2(cli, argv, needle):
    run = cli("attention", SEED_A, "apple", "--gif", *argv)
    assert run.code == 2
    assert needle in one_error_line(run)
    assert cli.loads == []  # refused before the model loads
    assert list(cli.cwd.iterdir()) == []


def test_a_gif_out_without_gif_is_refused_and_points_at_it(cli):
    run = cli("attention", SEED_A, "apple", "--out", "a.gif")
    assert run.code == 2 and ".gif with --gif" in one_error_line(run)


@pytest.mark.parametrize(
    "query",
    [
        AttentionQuery("apple", animate=True),
        AttentionQuery("apple", view="matrix", head=3, hide_special=True, values="norms", animate=True),
    ],
    ids=["word", "matrix-head-norms"],
)
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_command_printed_on_every_frame_makes_that_gif_again(cli, lens, query, lang, printed_commands):
    _, image = lens.animation_gif(SEED_B, query, lang)
    assert len(printed_commands) == 6 and len(set(printed_commands)) == 1  # the same command on every frame
    command = printed_commands[0]
    assert command.endswith(f" --gif --model bundled --lang {lang}")
    run = cli(*shlex.split(command)[3:], "--out", "again.gif")
    assert run.code == 0, run.err
    assert (cli.cwd / "again.gif").read_bytes() == image.png
