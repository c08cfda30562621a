"""Targets and tables as text: every target line ends in "met" or "missed", and one summary line counts
them. Pure functions of numbers, so they are tested without a model."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    """One measured value against its limit: ``at_most`` (value <= limit) or at least."""

    kind: str  # what is compared ("first request / floor")
    where: str  # at which shape and length ("bert, 512 tokens"); "" for a single measurement
    value: float
    limit: float
    at_most: bool
    unit: str = "x"  # "x" ratio, "%" share (value and limit as fractions), "ms", "s", "us"
    note: str = ""

    @property
    def name(self) -> str:
        return f"{self.kind}, {self.where}" if self.where else self.kind

    @property
    def met(self) -> bool:
        if math.isnan(self.value):
            return False  # not measured is not met
        return self.value <= self.limit if self.at_most else self.value >= self.limit

    def line(self, width: int = 44) -> str:
        op = "<=" if self.at_most else ">="
        value, limit = fmt(self.value, self.unit), fmt(self.limit, self.unit)
        note = f"  {self.note}" if self.note else ""
        return (
            f"{self.name:<{width}} {value:>8}  (target {op} {limit}){note}  {'met' if self.met else 'missed'}"
        )


def fmt(value: float, unit: str) -> str:
    if math.isnan(value):
        return "n/a"
    if unit == "%":
        return f"{value:.0%}"
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "ms":
        return f"{value:.0f} ms" if value >= 10 else f"{value:.1f} ms"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "us":
        return f"{value:.2f} us"
    return f"{value:g}{unit}"


def ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator, NaN when either is missing or the denominator is not positive."""
    if math.isnan(numerator) or math.isnan(denominator) or denominator <= 0:
        return float("nan")
    return numerator / denominator


def slope(times: Sequence[float], sizes: Sequence[int]) -> float:
    """The exponent k of time ~ size**k between the last two sizes (1 linear, 2 quadratic, 3 cubic).

    Fixed costs flatten short lengths, so the growth is read where it shows: the longest step."""
    if len(times) < 2 or any(math.isnan(t) or t <= 0 for t in times[-2:]):
        return float("nan")
    return math.log(times[-1] / times[-2]) / math.log(sizes[-1] / sizes[-2])


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Columns padded to their widest cell; the first column left-aligned, the rest right-aligned."""
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        parts = [str(cells[0]).ljust(widths[0])]
        parts += [str(cell).rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join(parts).rstrip()

    return [line(header), *(line(row) for row in rows)]


def ms(value: float) -> str:
    """Milliseconds for a table cell: one decimal below 100 ms, whole above."""
    if math.isnan(value):
        return "-"
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def summary(targets: Sequence[Target], elapsed: float, *, quick: bool) -> str:
    met = sum(t.met for t in targets)
    missed: dict[str, list[str]] = {}
    for target in targets:
        if not target.met:
            missed.setdefault(target.kind, []).append(target.where)
    run = "quick run" if quick else "full run"
    head = f"SUMMARY ({run}): {met}/{len(targets)} targets met in {elapsed:.0f} s"
    if not missed:
        return head
    said = "; ".join(
        f"{kind} ({', '.join(w for w in wheres if w)})".replace(" ()", "") for kind, wheres in missed.items()
    )
    return f"{head}; missed: {said}"
