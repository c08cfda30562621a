"""The commands table's pure helpers: the masked text for /predict and the ratios to /attention."""

from __future__ import annotations

import math

import pytest

from bench.commands import COMMANDS, CommandResult, masked, rows
from bench.texts import LEAD, TARGET
from bench.timing import Timed


def test_masked_replaces_the_first_whole_target_word():
    text = f"{LEAD} raised its rates; the river bank and the banks"
    assert masked(text, "[MASK]") == "The [MASK] raised its rates; the river bank and the banks"
    assert masked("embankment bank", "<mask>") == "embankment <mask>"  # whole words only
    assert TARGET == "bank"


def test_masked_needs_the_word():
    with pytest.raises(ValueError):
        masked("no such word here", "[MASK]")


def timed(*seconds: float) -> Timed:
    return Timed(wall=list(seconds), cpu=list(seconds))


def test_ratios_to_attention_and_table_rows():
    result = CommandResult(
        "bert",
        32,
        3,
        times={
            "attention": timed(0.1, 0.2, 0.3),
            "norms": timed(0.2, 0.3, 0.4),
            "occlusion": timed(0.5, 0.6, 0.7),
        },
    )
    assert result.over_attention("norms") == pytest.approx(1.5)
    assert result.over_attention("occlusion") == pytest.approx(3.0)
    assert math.isnan(result.over_attention("predict"))  # no masked-LM head: not measured
    (row,) = rows([result])
    assert row[:4] == ["bert", "32", "3", "200"]
    assert row[4:] == ["300 (1.50x)", "600 (3.00x)", "-", "-", "-"]  # predict, animation, quiz
    assert len(row) == 4 + len(COMMANDS)
