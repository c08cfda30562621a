"""The memory benchmark's mix: each sentence is new, sent first with the defaults, then paged through;
sessions alternate between the models and meet every length."""

from __future__ import annotations

from bench.memory import MIXED_LENGTHS, mixed_requests

PAGES = [{}, {"layer": 3}, {"view": "grid"}]
NAMES = ("a", "b")


def test_sessions_start_with_the_default_request() -> None:
    requests = list(mixed_requests(30, 0, NAMES, PAGES))
    for i in range(0, 30, len(PAGES)):
        session = requests[i : i + len(PAGES)]
        assert [page for *_, page in session] == PAGES
        assert len({(name, tokens, variant) for name, tokens, variant, _ in session}) == 1


def test_every_model_meets_every_length() -> None:
    seen = {(name, tokens) for name, tokens, _, _ in mixed_requests(300, 0, NAMES, PAGES)}
    assert seen == {(name, tokens) for name in NAMES for tokens in MIXED_LENGTHS}


def test_a_later_start_continues_the_same_mix() -> None:
    whole = list(mixed_requests(20, 0, NAMES, PAGES))
    assert list(mixed_requests(12, 8, NAMES, PAGES)) == whole[8:]
