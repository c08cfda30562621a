"""Target lines say met or missed, ratios and growth exponents are computed as documented."""

from __future__ import annotations

import math

import pytest

from bench.report import Target, fmt, ratio, slope, summary, table


def test_target_at_most_and_at_least() -> None:
    assert Target("first / floor", "bert, 8 tok", 1.4, 1.5, at_most=True).met
    assert not Target("first / floor", "bert, 8 tok", 1.6, 1.5, at_most=True).met
    assert Target("baseline / first", "bundled, 8 tok", 5.0, 5.0, at_most=False).met
    assert not Target("baseline / first", "bundled, 8 tok", 4.9, 5.0, at_most=False).met


def test_unmeasured_is_missed() -> None:
    assert not Target("lag", "", math.nan, 50, at_most=True, unit="ms").met


def test_line_ends_in_verdict() -> None:
    line = Target("burst throughput / ideal", "bert, 8 tok", 0.8, 0.9, at_most=False, unit="%").line()
    assert line.endswith("missed")
    assert "80%" in line and ">= 90%" in line
    assert Target("cold start", "bundled", 4.2, 5.0, at_most=True, unit="s").line().endswith(" met")


def test_formats() -> None:
    assert fmt(1.234, "x") == "1.23x"
    assert fmt(0.051, "%") == "5%"
    assert fmt(4.25, "ms") == "4.2 ms"
    assert fmt(42.4, "ms") == "42 ms"
    assert fmt(math.nan, "s") == "n/a"
    assert fmt(0.0995, "us") == "0.10 us"


def test_ratio_guards() -> None:
    assert ratio(3, 2) == 1.5
    assert math.isnan(ratio(1, 0))
    assert math.isnan(ratio(math.nan, 1))


@pytest.mark.parametrize("power", [1, 2, 3])
def test_slope_recovers_the_power(power: int) -> None:
    sizes = [8, 32, 128, 512]
    assert slope([n**power for n in sizes], sizes) == pytest.approx(power)


def test_table_aligns() -> None:
    lines = table(["shape", "ms"], [["bert", "1.5"], ["bundled", "12.0"]])
    assert len({len(line) for line in lines}) == 1
    assert lines[1].startswith("bert ")


def test_summary_counts_and_names_misses() -> None:
    targets = [
        Target("first / floor", "bert, 8 tok", 1.4, 1.5, at_most=True),
        Target("first / floor", "bert, 512 tok", 1.6, 1.5, at_most=True),
        Target("cold start", "", 7.0, 5.0, at_most=True, unit="s"),
    ]
    line = summary(targets, 61.2, quick=True)
    assert line.startswith("SUMMARY (quick run): 1/3 targets met in 61 s")
    assert "first / floor (bert, 512 tok)" in line
    assert "cold start" in line and "()" not in line
