"""Sentences of an exact token count (``[CLS]`` and ``[SEP]`` included), cut from varied English prose.

Real prose rather than a repeated word, so the tokenizer splits words into pieces as it does for users
and the attention rows are not degenerate; the target word comes first, so it is in every length; and
``variant`` rotates where the prose starts, so a burst of requests gets distinct sentences (no cache
hits) of the very same length.
"""

from __future__ import annotations

from typing import Any

TARGET = "bank"

# The target word's sentence: it opens every text.
LEAD = "The bank"

PROSE = """
raised its rates again on Monday, and the small shops along the river bank felt it within a week.
Nobody in the village could remember a spring this wet: the ferry stopped twice, the bakery ran out of
flour, and the schoolteacher moved her lessons into the library because the roof of the old hall leaked
onto the desks. Children kept diaries of the weather as homework, and some of them drew maps of where
the water reached each morning, with arrows, dates and the names of the ducks they had adopted.
Meanwhile a group of engineers from the university arrived with instruments, tripods and a surprising
amount of coffee. They measured the current, photographed the banks, interviewed the fishermen and
published a report that recommended reinforcing the embankment before autumn. The council debated it
for three evenings. One councillor argued that the money should go to the hospital instead; another
insisted that a stronger wall would simply push the flood downstream to the next town, which seemed
unfair to its residents. In the end they agreed on a compromise nobody loved: a lower wall, a wider
meadow for the river to spread across, and a promise to revisit the question after the harvest.
Transformers changed natural language processing when attention replaced recurrence, and today a
student can watch a model decide which words matter to each other. She typed a sentence about an apple
she was eating, then another about the company that sells telephones, and compared the two heatmaps
with obvious delight. The tokenizer split unfamiliar words into pieces, marked with two hashes, and
she laughed at how it handled her grandmother's surname. Her brother, unimpressed, was reading a
detective novel in which the butler, the gardener and the visiting astronomer all had excellent
alibis, and the real culprit turned out to be a parrot trained to open locked cabinets. Later that
evening the family cooked dinner together: roasted vegetables, lentil soup, fresh bread with butter,
and a lemon cake that collapsed in the middle but tasted wonderful anyway. Their neighbour brought
over a jar of honey and stayed for hours, telling stories about sailing across the northern sea in a
boat he had built himself from salvaged timber, navigating by the stars whenever his compass failed.
Astronomers, he said, were the only people who truly understood patience, because the light they
studied had left its source before anyone alive was born. The conversation drifted to music, to
mountains, to the price of train tickets, and finally to the question of whether machines would ever
understand jokes. Nobody reached a conclusion, but everyone agreed that the cake deserved a second try.
Outside, the rain finally stopped, the clouds thinned, and a pale moon rose over the quiet fields.
"""

PROSE_WORDS: tuple[str, ...] = tuple(PROSE.split())


def _pieces(tokenizer: Any, word: str) -> int:
    return len(tokenizer.tokenize(word))


def count_tokens(tokenizer: Any, text: str) -> int:
    """Tokens as the engine counts them: the special tokens included, nothing truncated."""
    return len(tokenizer(text, truncation=False)["input_ids"])


def exact_text(tokenizer: Any, tokens: int, *, variant: int = 0) -> str:
    """A text of exactly ``tokens`` tokens, starting with ``LEAD`` (so ``TARGET`` is in it).

    WordPiece splits on whitespace and punctuation before cutting words into pieces, so a text's count
    is its words' counts added up plus the specials; the result is checked once at the end anyway.
    """
    specials = count_tokens(tokenizer, "")
    lead = LEAD.split()
    budget = tokens - specials - sum(_pieces(tokenizer, w) for w in lead)
    if budget < 0:
        raise ValueError(f"{tokens} tokens cannot hold {LEAD!r} and the special tokens")
    start = (variant * 7) % len(PROSE_WORDS)  # 7: consecutive variants differ in more than one word
    words = list(lead)
    offset = 0
    while budget > 0:
        if offset >= 4 * len(PROSE_WORDS):
            raise ValueError(f"cannot build a text of {tokens} tokens from the prose")
        word = PROSE_WORDS[(start + offset) % len(PROSE_WORDS)]
        offset += 1
        cost = _pieces(tokenizer, word)
        if 0 < cost <= budget:  # a word that does not fit is skipped; a shorter one follows soon
            words.append(word)
            budget -= cost
    text = " ".join(words)
    got = count_tokens(tokenizer, text)
    if got != tokens:
        raise ValueError(f"built {got} tokens instead of {tokens}: this tokenizer's counts do not add up")
    return text
