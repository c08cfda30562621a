"""Timing on shared cores: candidates interleaved round-robin, wall and CPU time, medians.

Other work on the machine slows whatever runs at that moment; interleaving (order reversed every other
round) spreads it over every candidate alike, so ratios measured in one run hold even when absolute
milliseconds do not. CPU time (``process_time``: every thread of this process) is what the cores
actually spent, which a request needs to be compared with ideal throughput.
"""

from __future__ import annotations

import gc
import os
import statistics
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Timed:
    """Seconds per call, one entry per round."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    @property
    def ms(self) -> float:
        """Median wall time, ms: what a user waits."""
        return statistics.median(self.wall) * 1000 if self.wall else float("nan")

    @property
    def cpu_ms(self) -> float:
        return statistics.median(self.cpu) * 1000 if self.cpu else float("nan")


def interleaved(candidates: Mapping[str, Callable[[], Any]], repeats: int) -> dict[str, Timed]:
    """Each candidate once per round, ``repeats`` rounds, the order reversed every other round.

    Callers warm candidates up first (a first call at a new length pays for allocator growth)."""
    names = list(candidates)
    times = {name: Timed() for name in names}
    gc.collect()
    for round_ in range(repeats):
        for name in names if round_ % 2 == 0 else reversed(names):
            cpu = time.process_time()
            wall = time.perf_counter()
            candidates[name]()
            times[name].wall.append(time.perf_counter() - wall)
            times[name].cpu.append(time.process_time() - cpu)
    return times


def rss_mib() -> float:
    """Resident memory now."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mib() -> float:
    """The most resident memory this process has had since it started its program (VmHWM).

    Not ``getrusage``'s ru_maxrss: Linux carries that across exec, so a child started from a big
    parent reports the parent's peak."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def run_queue_seconds(threads: Iterable[threading.Thread]) -> dict[int, float]:
    """Seconds each thread has spent runnable but waiting for a core (``/proc/.../schedstat``).

    A thread waiting for the GIL sleeps and is not counted here; one waiting because another process
    holds the core is. Subtracting this wait projects what the threads would do on cores of their own.
    """
    waits: dict[int, float] = {}
    for thread in threads:
        tid = thread.native_id
        if tid is None:
            continue
        try:
            with open(f"/proc/self/task/{tid}/schedstat") as handle:
                waits[tid] = int(handle.read().split()[1]) / 1e9
        except OSError:
            continue  # the thread has ended
    return waits


def load_average() -> float:
    return os.getloadavg()[0]
