"""A thread-safe least-recently-used store bounded by size, where concurrent requests for a missing
key share one computation ("single flight"). Forward passes and loaded models are both kept in one.

Sizes, not entry counts: a 128-token forward pass weighs ~100x a 12-token one, and bert-base weighs
~7x all-MiniLM-L6-v2. A value larger than the whole budget is returned but not kept (or, with
``keep_oversized``, kept alone: everything else is evicted). With ``together``, entries of one group
(a sentence's forward pass and the norms derived from it) never evict each other: storing one may
leave the cache over budget by the rest of its group rather than throw out what it was made from.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import Future
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SizedLRU(Generic[K, V]):
    def __init__(
        self,
        max_bytes: int,
        size: Callable[[V], int],
        *,
        on_evict: Callable[[K, V], None] | None = None,
        keep_oversized: bool = False,
        together: Callable[[K], Hashable] | None = None,
    ) -> None:
        self.max_bytes = max_bytes
        self._keep_oversized = keep_oversized
        self._together = together
        self._size = size
        self._on_evict = on_evict
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._pending: dict[K, Future[V]] = {}
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def keys(self) -> Iterator[K]:
        with self._lock:
            return iter(list(self._entries))

    def peek(self, key: K) -> V | None:
        """The value if it is kept, without counting a hit or changing its place."""
        return self._entries.get(key)

    @property
    def nbytes(self) -> int:
        return self._bytes

    def get_or_compute(self, key: K, compute: Callable[[], V]) -> V:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return found
            waiting = self._pending.get(key)
            if waiting is None:
                self.misses += 1
                mine: Future[V] = Future()
                self._pending[key] = mine
        if waiting is not None:
            return waiting.result()
        try:
            value = compute()
        except BaseException as exc:
            mine.set_exception(exc)
            raise
        finally:
            with self._lock:
                self._pending.pop(key, None)
        self._store(key, value)
        mine.set_result(value)
        return value

    def clear(self) -> None:
        self.drop(lambda _key: True)

    def drop(self, which: Callable[[K], bool]) -> int:
        """Forget every entry whose key ``which`` accepts; returns how many."""
        with self._lock:
            gone = [key for key in self._entries if which(key)]
            evicted = [(key, self._entries.pop(key)) for key in gone]
            self._bytes -= sum(self._size(value) for _, value in evicted)
        self._evicted(evicted)
        return len(gone)

    def _store(self, key: K, value: V) -> None:
        evicted: list[tuple[K, V]] = []
        with self._lock:
            size = self._size(value)
            if (size > self.max_bytes and not self._keep_oversized) or key in self._entries:
                return
            self._entries[key] = value
            self._bytes += size
            together = self._together or (lambda k: k)  # without groups, each key is its own
            group = together(key)
            while self._bytes > self.max_bytes:
                old_key = next((k for k in self._entries if together(k) != group), None)
                if old_key is None:
                    break  # only this entry (and its group) left: kept over budget
                old = self._entries.pop(old_key)
                self._bytes -= self._size(old)
                evicted.append((old_key, old))
        self._evicted(evicted)

    def _evicted(self, evicted: list[tuple[K, V]]) -> None:
        if self._on_evict is not None:
            for key, value in evicted:
                self._on_evict(key, value)
