"""Tiny models of every architecture and tokenizer family BERT Lens claims, built offline in seconds.

**The weights are random.** Every model here is initialised from a seed and never trained: its
attentions, hidden states and fill-mask guesses mean nothing. These models exist to test *plumbing*:
special tokens, offsets, word ids, shapes, eager attention, what each family's tokenizer class does in
the installed transformers, that every ``from_pretrained`` path works without the hub. Never read
meaning into their numbers.

The tokenizers are real, though small: each is a ``tokenizers`` pipeline with the same normalizer,
pre-tokenizer, decoder and post-processor as the family's own transformers class, its vocabulary learnt
here from :data:`CORPUS` (English and Korean sentences, punctuation, digits, an emoji: byte-level BPE
and Unigram by the ``tokenizers`` trainers, WordPiece by :func:`_learn_wordpiece`), then saved with that
class, which checks that ``AutoTokenizer.from_pretrained(dir)`` gives it back and tokenizes the same:

==================  ==========================  =========================================================
kind                families                    like
==================  ==========================  =========================================================
wordpiece-uncased   bert-uncased, distilbert,   bert-base-uncased: NFD, lowercase, accents stripped,
                    electra, mpnet              ``##`` continuations (Hangul falls apart into jamo)
wordpiece-cased     bert-cased                  bert-base-multilingual-cased, klue/bert-base
byte-level-bpe      roberta                     roberta-base: bytes as characters, ``Ġ`` starts a word
unigram-metaspace   xlm-roberta, albert,        SentencePiece models: ``▁`` starts a word (ALBERT also
                    deberta-v2                  lowercases and strips accents, decomposing Hangul)
==================  ==========================  =========================================================

Every model is 2 layers x 4 heads, hidden size 32, and is saved with its tokenizer by
``save_pretrained`` into one directory per family, so that::

    AutoModel.from_pretrained(dir, local_files_only=True, attn_implementation="eager")

works exactly as it does for a model from the hub. Pass ``attn_implementation="eager"``: in
transformers 5, BERT, DistilBERT, RoBERTa, XLM-R, ELECTRA and ALBERT otherwise load with sdpa and
answer ``output_attentions=True`` with an empty tuple (and a warning); MPNet and DeBERTa-v2 only have
eager attention.

Building is deterministic (seeded weights, tie-free vocabularies: the same files byte for byte on every
run), takes about two seconds for all 18 models once transformers is imported (most of it importing each
architecture's module), and is cached twice: in this process (``functools.cache``) and on disk under the
cache root (a stamp file records the recipe and library versions; a stale directory is rebuilt). The
default root is a temporary directory removed at exit; pass ``root=`` (e.g. from pytest's
``tmp_path_factory``) or set ``BERTLENS_FAMILIES_DIR`` to choose one.

Import-light on purpose: transformers, tokenizers and torch are imported only when something is built.
"""

from __future__ import annotations

import atexit
import functools
import itertools
import json
import os
import random
import shutil
import tempfile
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "CORPUS",
    "FAMILIES",
    "KINDS",
    "MASKED_LM_FAMILIES",
    "Family",
    "describe",
    "family",
    "load",
    "model_dir",
    "tokenizer",
    "tokenizer_dir",
]

# Bump when anything below changes what is written to disk: stale cache directories are rebuilt.
RECIPE_VERSION = "1"

# ----------------------------------------------------------------------------------------------- corpus

#: Sentences the tokenizers are trained on. The seed sentences of BERT Lens come first and are
#: repeated (see :data:`_REPEATS`) so that their common words become single tokens; the rest gives
#: subwords, punctuation, digits, accents and an emoji something to be learnt from.
SEED_SENTENCES: tuple[str, ...] = (
    "Apple is huge enterprise",
    "I am eating an apple",
    "나는 사과를 먹었다",
    "친구에게 사과를 했다",
    "사과를 먹었다",
    "The bank raised interest rates",
)

CORPUS: tuple[str, ...] = (
    *SEED_SENTENCES,
    "Apple is a huge enterprise, and I am eating an apple.",
    "The apple fell from the tree.",
    "Apple released a new phone in 2024.",
    "She ate 3 apples and 12 grapes!",
    "An apple a day keeps the doctor away.",
    "I am eating lunch at 12:30 with a friend.",
    "We sat on the bank of the river.",
    "The river bank was quiet in the morning.",
    "Is the bank open today? Yes, it is.",
    "The bank raised interest rates by 0.5% this year.",
    "Interest rates rose again; the bank said so.",
    "The enterprise is huge, and the bank is small.",
    'He said: "I love apples 🍎" and smiled.',
    "My friend apologized to me for being late.",
    "The café serves crème brûlée in Paris.",
    "Naïve readers read a résumé slowly.",
    "A dog is running in the park, and the cat is eating.",
    "Time flies like an arrow; fruit flies like a banana.",
    "They were reading 100 books (maybe 101) in 2023...",
    "What is BERT? It reads a sentence, token by token.",
    "나는 친구에게 사과했다.",
    "사과가 정말 맛있다!",
    "친구는 사과도 좋아하고 배도 좋아한다.",
    "친구가 나에게 사과는 했다.",
    "그는 사과 3개를 샀다.",
    "2024년에 사과 값이 올랐다.",
    "사과 🍎 하나 주세요.",
    "사과와 배를 먹었다.",
    "은행이 금리를 올렸다.",
    "우리는 은행에 갔다.",
    "우리는 학교에 갔다.",
    "오늘 날씨가 좋다!",
    "그는 밥을 먹고 친구는 빵을 먹는다.",
    "Apple은 큰 기업이다.",
)

#: How often each sentence of :data:`CORPUS` is fed to a trainer: the English seed sentences most, so
#: that their words are whole tokens in every family; Korean less, so that Korean words split into
#: pieces as they do in real multilingual vocabularies.
_ENGLISH_SEEDS = tuple(s for s in SEED_SENTENCES if s.isascii())
_REPEATS = {sentence: 8 for sentence in _ENGLISH_SEEDS}


def _training_text() -> Iterator[str]:
    for sentence in CORPUS:
        yield from [sentence] * _REPEATS.get(sentence, 1)
    # The Unigram trainer seeds its pieces only from substrings shared by two *different* pre-tokenized
    # words (it dedupes words before counting): without these variants ("apple," next to "apple"), even
    # a frequent word like "bank" would stay split into "▁ban" "k".
    for sentence in _ENGLISH_SEEDS:
        yield " ".join(f"{word}," for word in sentence.split())


# ----------------------------------------------------------------------------------------------- recipes

KINDS: tuple[str, ...] = ("wordpiece-uncased", "wordpiece-cased", "byte-level-bpe", "unigram-metaspace")

#: Vocabulary sizes asked of each kind's learner: small enough that Korean words fall into pieces
#: (jamo for uncased WordPiece, syllables for cased, bytes for byte-level BPE), large enough that the
#: English seed sentences are one token per word. The Unigram trainer stops by itself near 225 pieces.
VOCAB_SIZES = {
    "wordpiece-uncased": 170,
    "wordpiece-cased": 200,
    "byte-level-bpe": 320,
    "unigram-metaspace": 300,
}

# Model size: tiny, so that every family builds and runs in well under a second.
LAYERS, HEADS, HIDDEN, INTERMEDIATE, EMBEDDING = 2, 4, 32, 64, 16
#: The longest input, special tokens included. RoBERTa-style position ids start after the padding id,
#: so those families have ``MAX_TOKENS + 2`` position embeddings (roberta-base: 514 for 512).
MAX_TOKENS = 128


@dataclass(frozen=True)
class Family:
    """What a family is made of: its tokenizer recipe and its architecture."""

    name: str
    model_type: str  # transformers' config.model_type
    kind: str  # one of KINDS
    tokenizer_class: str  # the class AutoTokenizer returns (transformers 5 names)
    like: str  # the hub checkpoint whose tokenizer this one imitates
    special_tokens: tuple[tuple[str, str], ...]  # (attribute, token); distinct tokens get ids 0, 1, ...
    tokenizer_options: tuple[tuple[str, Any], ...] = ()  # extra tokenizer_config.json options
    roberta_positions: bool = False  # position ids offset by the padding id (+2 position embeddings)
    base_architecture: str = ""  # saved instead of the bare model (e.g. ELECTRA's discriminator)

    @property
    def specials(self) -> dict[str, str]:
        return dict(self.special_tokens)

    @property
    def first(self) -> str:
        """The token every single-sentence input starts with."""
        return self.specials["cls_token"]

    @property
    def last(self) -> str:
        """The token every single-sentence input ends with."""
        return self.specials["sep_token"]

    @property
    def word_start(self) -> str | None:
        """The marker that starts a word (``Ġ``, ``▁``), or None for WordPiece (``##`` continues one)."""
        return {"byte-level-bpe": "Ġ", "unigram-metaspace": "▁"}.get(self.kind)


_BERT_SPECIALS = (
    ("pad_token", "[PAD]"),
    ("unk_token", "[UNK]"),
    ("cls_token", "[CLS]"),
    ("sep_token", "[SEP]"),
    ("mask_token", "[MASK]"),
)
# RoBERTa and XLM-R: ids 0-3 as in the real vocabularies (XLMRobertaTokenizer assumes <unk> is 3).
_ROBERTA_SPECIALS = (
    ("bos_token", "<s>"),
    ("pad_token", "<pad>"),
    ("eos_token", "</s>"),
    ("unk_token", "<unk>"),
    ("mask_token", "<mask>"),
    ("cls_token", "<s>"),
    ("sep_token", "</s>"),
)

_FAMILIES = (
    Family(
        "bert-uncased",
        "bert",
        "wordpiece-uncased",
        "BertTokenizer",
        "bert-base-uncased",
        _BERT_SPECIALS,
        (("do_lower_case", True),),
    ),
    Family(
        "bert-cased",
        "bert",
        "wordpiece-cased",
        "BertTokenizer",
        "bert-base-multilingual-cased",
        _BERT_SPECIALS,
        (("do_lower_case", False),),
    ),
    Family(
        "distilbert",
        "distilbert",
        "wordpiece-uncased",
        "DistilBertTokenizer",
        "distilbert-base-uncased",
        _BERT_SPECIALS,
        (("do_lower_case", True),),
    ),
    Family(
        "roberta",
        "roberta",
        "byte-level-bpe",
        "RobertaTokenizer",
        "roberta-base",
        _ROBERTA_SPECIALS,
        (("add_prefix_space", False), ("trim_offsets", True)),
        roberta_positions=True,
    ),
    Family(
        "xlm-roberta",
        "xlm-roberta",
        "unigram-metaspace",
        "XLMRobertaTokenizer",
        "xlm-roberta-base",
        _ROBERTA_SPECIALS,
        (("add_prefix_space", True),),
        roberta_positions=True,
    ),
    Family(
        "electra",
        "electra",
        "wordpiece-uncased",
        "BertTokenizer",  # transformers 5 has no ElectraTokenizer: ElectraTokenizerFast is BertTokenizer
        "google/electra-small-discriminator",
        _BERT_SPECIALS,
        (("do_lower_case", True),),
        base_architecture="ElectraForPreTraining",
    ),
    Family(
        "albert",
        "albert",
        "unigram-metaspace",
        "AlbertTokenizer",
        "albert-base-v2",
        # ids 0-4 as in albert-base-v2 (AlbertTokenizer assumes <unk> is 1)
        (
            ("pad_token", "<pad>"),
            ("unk_token", "<unk>"),
            ("cls_token", "[CLS]"),
            ("sep_token", "[SEP]"),
            ("mask_token", "[MASK]"),
            ("bos_token", "[CLS]"),
            ("eos_token", "[SEP]"),
        ),
        (("do_lower_case", True), ("keep_accents", False), ("add_prefix_space", True)),
    ),
    Family(
        "mpnet",
        "mpnet",
        "wordpiece-uncased",
        "MPNetTokenizer",
        "microsoft/mpnet-base",
        # ids 0-2 as in microsoft/mpnet-base (there [UNK] is 104 and <mask> the last id)
        (
            ("bos_token", "<s>"),
            ("pad_token", "<pad>"),
            ("eos_token", "</s>"),
            ("unk_token", "[UNK]"),
            ("mask_token", "<mask>"),
            ("cls_token", "<s>"),
            ("sep_token", "</s>"),
        ),
        (("do_lower_case", True),),
        roberta_positions=True,
    ),
    Family(
        "deberta-v2",
        "deberta-v2",
        "unigram-metaspace",
        "DebertaV2Tokenizer",
        "microsoft/deberta-v3-base",
        # ids 0-3 as in deberta-v3-base ([MASK] is its last id there)
        (
            ("pad_token", "[PAD]"),
            ("cls_token", "[CLS]"),
            ("sep_token", "[SEP]"),
            ("unk_token", "[UNK]"),
            ("mask_token", "[MASK]"),
            ("bos_token", "[CLS]"),
            ("eos_token", "[SEP]"),
        ),
        (("do_lower_case", False), ("split_by_punct", False), ("add_prefix_space", True)),
    ),
)

_BY_NAME = {f.name: f for f in _FAMILIES}

#: Every family, in a stable order.
FAMILIES: tuple[str, ...] = tuple(_BY_NAME)
#: Families with a ``*ForMaskedLM`` variant (``model_dir(name, masked_lm=True)``): all of them.
MASKED_LM_FAMILIES: tuple[str, ...] = FAMILIES


def family(name: str) -> Family:
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown family {name!r}; choose one of {', '.join(FAMILIES)}") from None


def describe(name: str) -> dict[str, Any]:
    """What a family is, without building anything: tokenizer kind and class, special tokens, sizes.

    Keys: ``family``, ``model_type``, ``tokenizer_kind`` (one of :data:`KINDS`), ``tokenizer_class``,
    ``like`` (the hub checkpoint it imitates), ``special_tokens`` ({attribute: token}), ``first`` and
    ``last`` (the tokens that frame a single sentence), ``word_start`` (``Ġ``/``▁``/None),
    ``continuation`` (``##`` for WordPiece, else None), ``lowercase``, ``strip_accents``,
    ``num_layers``, ``num_heads``, ``hidden_size``, ``max_tokens``, ``max_position_embeddings``,
    ``random_weights`` (always True: plumbing, not meaning).
    """
    f = family(name)
    options = dict(f.tokenizer_options)
    lowercase = bool(options.get("do_lower_case", False))
    strips_accents = f.kind == "wordpiece-uncased" or (f.name == "albert" and not options["keep_accents"])
    return {
        "family": f.name,
        "model_type": f.model_type,
        "tokenizer_kind": f.kind,
        "tokenizer_class": f.tokenizer_class,
        "like": f.like,
        "special_tokens": f.specials,
        "first": f.first,
        "last": f.last,
        "word_start": f.word_start,
        "continuation": "##" if f.kind.startswith("wordpiece") else None,
        "lowercase": lowercase,
        "strip_accents": strips_accents,
        "num_layers": LAYERS,
        "num_heads": HEADS,
        "hidden_size": HIDDEN,
        "max_tokens": MAX_TOKENS,
        "max_position_embeddings": MAX_TOKENS + 2 if f.roberta_positions else MAX_TOKENS,
        "random_weights": True,
    }


# ----------------------------------------------------------------------------------------------- cache


@functools.cache
def _default_root() -> Path:
    configured = os.environ.get("BERTLENS_FAMILIES_DIR", "").strip()
    if configured:
        path = Path(configured).expanduser()
        path.mkdir(parents=True, exist_ok=True)
        return path
    path = Path(tempfile.mkdtemp(prefix="bertlens-families-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def _stamp() -> str:
    import tokenizers
    import torch
    import transformers

    return json.dumps(
        {
            "recipe": RECIPE_VERSION,
            "transformers": transformers.__version__,
            "tokenizers": tokenizers.__version__,
            "torch": torch.__version__,
        },
        sort_keys=True,
    )


_STAMP_FILE = "bertlens-families.json"


def _cached_build(target: Path, build: Any) -> Path:
    """``target`` if a build with the current stamp is there, else ``build(tmp)`` moved into place."""
    stamp = _stamp()
    stamp_path = target / _STAMP_FILE
    if stamp_path.is_file() and stamp_path.read_text(encoding="utf-8") == stamp:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        build(scratch)
        (scratch / _STAMP_FILE).write_text(stamp, encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        try:
            scratch.rename(target)
        except OSError:
            # Another process finished the same build first: use theirs if it is current.
            if not (stamp_path.is_file() and stamp_path.read_text(encoding="utf-8") == stamp):
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def _root(root: str | os.PathLike[str] | None) -> Path:
    return Path(root).resolve() if root is not None else _default_root()


# ----------------------------------------------------------------------------------------------- tokenizers


def _pipeline(f: Family) -> Any:
    """An untrained ``tokenizers.Tokenizer`` with the family's normalizer, pre-tokenizer and decoder,
    as its transformers 5 class rebuilds them from ``tokenizer_config.json``."""
    from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers
    from tokenizers.models import BPE, Unigram, WordPiece

    options = dict(f.tokenizer_options)
    if f.kind.startswith("wordpiece"):
        tok = Tokenizer(WordPiece(unk_token=f.specials["unk_token"]))
        # strip_accents=None follows lowercase, as in BERT: uncased strips accents, cased keeps them.
        tok.normalizer = normalizers.BertNormalizer(
            clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=options["do_lower_case"]
        )
        tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        tok.decoder = decoders.WordPiece(prefix="##")
        return tok
    if f.kind == "byte-level-bpe":
        tok = Tokenizer(
            BPE(dropout=None, continuing_subword_prefix="", end_of_word_suffix="", fuse_unk=False)
        )
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=options["add_prefix_space"])
        tok.decoder = decoders.ByteLevel()
        return tok
    tok = Tokenizer(Unigram())
    metaspace = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    if f.model_type == "deberta-v2":
        tok.normalizer = normalizers.Sequence(
            [
                normalizers.Replace(Regex(r"\s{2,}|[\n\r\t]"), " "),
                normalizers.NFC(),
                normalizers.Strip(left=False, right=True),
            ]
        )
        tok.pre_tokenizer = pre_tokenizers.Sequence([metaspace])
    else:
        if f.model_type == "albert":  # do_lower_case=True, keep_accents=False
            tok.normalizer = normalizers.Sequence(
                [
                    normalizers.Replace("``", '"'),
                    normalizers.Replace("''", '"'),
                    normalizers.NFKD(),
                    normalizers.StripAccents(),
                    normalizers.Lowercase(),
                ]
            )
        tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), metaspace])
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    return tok


def _words(tok: Any) -> Counter[str]:
    """The training text as the tokenizer's own normalizer and pre-tokenizer split it, counted."""
    words: Counter[str] = Counter()
    for text in _training_text():
        normalized = tok.normalizer.normalize_str(text) if tok.normalizer else text
        words.update(word for word, _ in tok.pre_tokenizer.pre_tokenize_str(normalized))
    return words


def _learn_wordpiece(words: Counter[str], specials: list[str], vocab_size: int) -> dict[str, int]:
    """A WordPiece vocabulary learnt the way ``tokenizers.trainers.WordPieceTrainer`` learns one (BPE
    merges over characters, ``##`` on every piece that continues a word), but deterministic: that
    trainer breaks ties between equally frequent pairs in hash order, so its vocabulary (and the
    tokens of the same sentence) change from run to run. Here ties go to the alphabetically first pair.
    """
    splits = {word: [word[0], *(f"##{char}" for char in word[1:])] for word in words}
    vocab = list(specials)
    vocab += sorted({piece for pieces in splits.values() for piece in pieces} - set(vocab))
    known = set(vocab)
    while len(vocab) < vocab_size:
        pairs: Counter[tuple[str, str]] = Counter()
        for word, count in words.items():
            pieces = splits[word]
            for pair in itertools.pairwise(pieces):
                pairs[pair] += count
        if not pairs:
            break
        left, right = min(pairs, key=lambda pair: (-pairs[pair], pair))
        merged = left + right.removeprefix("##")
        if merged not in known:
            vocab.append(merged)
            known.add(merged)
        for word, pieces in splits.items():
            i, out = 0, []
            while i < len(pieces):
                if i + 1 < len(pieces) and pieces[i] == left and pieces[i + 1] == right:
                    out.append(merged)
                    i += 2
                else:
                    out.append(pieces[i])
                    i += 1
            splits[word] = out
    return {piece: index for index, piece in enumerate(vocab)}


def _canonical_unigram(pieces: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """The Unigram trainer's pieces in an order and with scores that do not change between runs.

    The trainer's learnt scores differ between runs only in the last float bits (rounded away by the
    caller), but it then appends every character it must keep and has not kept yet, each 1e-4 below
    the last, in hash order: which character gets which of those scores changes from run to run. Here
    that staircase (and the learnt pieces tied with its top) gets the same scores, dealt out in
    alphabetical order.
    """
    ranked = sorted(pieces, key=lambda item: (-item[1], item[0]))
    start = len(ranked) - 1
    while start > 0 and round(ranked[start - 1][1] - ranked[start][1], 6) in (0.0, 0.0001):
        start -= 1
    staircase = sorted(piece for piece, _ in ranked[start:])
    scores = [score for _, score in ranked[start:]]
    return ranked[:start] + list(zip(staircase, scores, strict=True))


def _train(f: Family) -> Any:
    """The family's backend tokenizer with a vocabulary learnt from :data:`CORPUS`, deterministically.

    WordPiece: :func:`_learn_wordpiece`. Byte-level BPE: ``tokenizers.trainers.BpeTrainer`` (its ties
    are broken by token ids, which the full byte alphabet fixes). Unigram:
    ``tokenizers.trainers.UnigramTrainer``, whose pieces are stable but whose order and scores wobble
    in the last float bits; scores are rounded and pieces sorted by score, then text.
    """
    from tokenizers import pre_tokenizers, trainers
    from tokenizers.models import Unigram, WordPiece

    tok = _pipeline(f)
    specials = list(dict.fromkeys(token for _, token in f.special_tokens))  # vocabulary order, no repeats
    unk = f.specials["unk_token"]
    if f.kind.startswith("wordpiece"):
        tok.model = WordPiece(_learn_wordpiece(_words(tok), specials, VOCAB_SIZES[f.kind]), unk_token=unk)
    elif f.kind == "byte-level-bpe":
        trainer = trainers.BpeTrainer(
            vocab_size=VOCAB_SIZES[f.kind],
            special_tokens=specials,
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
            show_progress=False,
        )
        tok.train_from_iterator(_training_text(), trainer=trainer)
    else:
        trainer = trainers.UnigramTrainer(
            vocab_size=VOCAB_SIZES[f.kind], special_tokens=specials, unk_token=unk, show_progress=False
        )
        tok.train_from_iterator(_training_text(), trainer=trainer)
        pieces = json.loads(tok.to_str())["model"]["vocab"]
        learnt = [(piece, round(score, 8)) for piece, score in pieces if piece not in specials]
        ordered = [(piece, 0.0) for piece in specials] + _canonical_unigram(learnt)
        tok.model = Unigram(ordered, unk_id=specials.index(unk), byte_fallback=False)
    tok.post_processor = _post_processor(f, tok)
    return tok


def _post_processor(f: Family, tok: Any) -> Any:
    from tokenizers import processors

    cls, sep = f.first, f.last
    cls_id, sep_id = tok.token_to_id(cls), tok.token_to_id(sep)
    if f.model_type in ("roberta", "mpnet"):
        # <s> A </s></s> B </s>; offsets trimmed of the spaces ByteLevel keeps inside tokens.
        return processors.RobertaProcessing(
            (sep, sep_id), (cls, cls_id), trim_offsets=True, add_prefix_space=False
        )
    if f.model_type == "xlm-roberta":
        pair = [cls, "$A", sep, sep, "$B", sep]
        return processors.TemplateProcessing(
            single=[cls, "$A", sep], pair=pair, special_tokens=[(cls, cls_id), (sep, sep_id)]
        )
    return processors.TemplateProcessing(
        single=f"{cls}:0 $A:0 {sep}:0",
        pair=f"{cls}:0 $A:0 {sep}:0 $B:1 {sep}:1",
        special_tokens=[(cls, cls_id), (sep, sep_id)],
    )


@functools.cache
def _trained(name: str) -> Any:
    return _train(family(name))


def _save_tokenizer(f: Family, directory: Path) -> None:
    import transformers

    backend = _trained(f.name)
    cls = getattr(transformers, f.tokenizer_class)
    wrapped = cls(
        tokenizer_object=backend,
        model_max_length=MAX_TOKENS,
        **f.specials,
        **dict(f.tokenizer_options),
    )
    wrapped.save_pretrained(str(directory))
    _check_round_trip(f, backend, directory)


def _check_round_trip(f: Family, backend: Any, directory: Path) -> None:
    """transformers 5 rebuilds a family's pipeline from ``tokenizer_config.json`` and the vocabulary
    (only the post-processor comes from ``tokenizer.json``): fail loudly if what it rebuilds tokenizes
    differently from what was trained."""
    from transformers import AutoTokenizer

    loaded = AutoTokenizer.from_pretrained(str(directory), local_files_only=True)
    if type(loaded).__name__ != f.tokenizer_class:
        raise RuntimeError(f"{f.name}: AutoTokenizer gave {type(loaded).__name__}, not {f.tokenizer_class}")
    for text in (*CORPUS, "  two  spaces ", "🍎🍎 x", "Ünïcödé ÀPPLE 사과"):
        want = backend.encode(text)
        got = loaded(text, return_offsets_mapping=True)
        want_pairs = [(i, tuple(o)) for i, o in zip(want.ids, want.offsets, strict=True)]
        got_ids = got["input_ids"]
        got_pairs = [(i, tuple(o)) for i, o in zip(got_ids, got["offset_mapping"], strict=True)]
        if got_pairs != want_pairs:
            raise RuntimeError(
                f"{f.name}: the saved tokenizer reloads differently for {text!r}:\n"
                f"  trained: {list(zip(want.tokens, want_pairs, strict=True))}\n"
                f"  loaded:  {list(zip(loaded.convert_ids_to_tokens(got_ids), got_pairs, strict=True))}"
            )


def tokenizer_dir(name: str, *, root: str | os.PathLike[str] | None = None) -> Path:
    """A directory holding only the family's tokenizer (``AutoTokenizer.from_pretrained`` works on it)."""
    f = family(name)
    return _tokenizer_dir(f.name, _root(root))


@functools.cache
def _tokenizer_dir(name: str, root: Path) -> Path:
    f = family(name)
    return _cached_build(root / "tokenizers" / name, lambda tmp: _save_tokenizer(f, tmp))


def tokenizer(name: str, *, root: str | os.PathLike[str] | None = None) -> Any:
    """A fresh ``AutoTokenizer`` from the family's model directory (fresh: tokenizers carry state)."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(model_dir(name, root=root)), local_files_only=True)


# ----------------------------------------------------------------------------------------------- models


def _config(f: Family, tok: Any) -> Any:
    from transformers import AutoConfig

    ids = {
        "pad_token_id": tok.pad_token_id,
        "bos_token_id": tok.bos_token_id if tok.bos_token_id is not None else tok.cls_token_id,
        "eos_token_id": tok.eos_token_id if tok.eos_token_id is not None else tok.sep_token_id,
    }
    common = {
        "vocab_size": len(tok),
        "hidden_size": HIDDEN,
        "num_hidden_layers": LAYERS,
        "num_attention_heads": HEADS,
        "intermediate_size": INTERMEDIATE,
        "max_position_embeddings": MAX_TOKENS + 2 if f.roberta_positions else MAX_TOKENS,
        **ids,
    }
    if f.model_type == "distilbert":
        sizes = {"dim": HIDDEN, "n_layers": LAYERS, "n_heads": HEADS, "hidden_dim": INTERMEDIATE}
        return AutoConfig.for_model(
            "distilbert",
            vocab_size=len(tok),
            max_position_embeddings=MAX_TOKENS,
            **sizes,
            **ids,
        )
    if f.model_type in ("roberta", "xlm-roberta"):
        return AutoConfig.for_model(f.model_type, type_vocab_size=1, **common)
    if f.model_type in ("electra", "albert"):
        return AutoConfig.for_model(f.model_type, embedding_size=EMBEDDING, **common)
    if f.model_type == "mpnet":
        return AutoConfig.for_model("mpnet", relative_attention_num_buckets=32, **common)
    if f.model_type == "deberta-v2":
        # deberta-v3-base's shape: relative attention (c2p + p2c), no absolute positions, no token types.
        return AutoConfig.for_model(
            "deberta-v2",
            relative_attention=True,
            position_buckets=32,
            max_relative_positions=-1,
            pos_att_type=["p2c", "c2p"],
            position_biased_input=False,
            norm_rel_ebd="layer_norm",
            share_att_key=True,
            type_vocab_size=0,
            **common,
        )
    return AutoConfig.for_model(f.model_type, **common)


@contextmanager
def _seeded(seed: int) -> Iterator[None]:
    """Seed torch, numpy and random (``transformers.set_seed``) and give the caller's states back."""
    import numpy as np
    import torch
    from transformers import set_seed

    py_state, np_state = random.getstate(), np.random.get_state()
    with torch.random.fork_rng(devices=[]):
        set_seed(seed)
        try:
            yield
        finally:
            random.setstate(py_state)
            np.random.set_state(np_state)


def _save_model(f: Family, masked_lm: bool, tokenizer_path: Path, directory: Path) -> None:
    import transformers
    from transformers import AutoModel, AutoModelForMaskedLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(tokenizer_path), local_files_only=True)
    config = _config(f, tok)
    seed = zlib.crc32(f"{f.name}:{masked_lm}".encode())
    with _seeded(seed):
        if masked_lm:
            model = AutoModelForMaskedLM.from_config(config, attn_implementation="eager")
        elif f.base_architecture:
            model = getattr(transformers, f.base_architecture)(config)
        else:
            model = AutoModel.from_config(config, attn_implementation="eager")
    model.eval()
    with _no_progress_bars():
        model.save_pretrained(str(directory))
    tok.save_pretrained(str(directory))


@contextmanager
def _no_progress_bars() -> Iterator[None]:
    """No "Writing model shards" bar per model, and the caller's setting back afterwards."""
    from transformers.utils import logging as hf_logging

    enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if enabled:
            hf_logging.enable_progress_bar()


def model_dir(name: str, *, masked_lm: bool = False, root: str | os.PathLike[str] | None = None) -> Path:
    """The directory of the family's tiny model (RANDOM weights: plumbing, not meaning) and its
    tokenizer, built on first use and cached in this process and on disk under ``root``.

    ``masked_lm=True`` gives the ``*ForMaskedLM`` variant (its own random weights), for fill-mask.
    """
    f = family(name)
    return _model_dir(f.name, masked_lm, _root(root))


@functools.cache
def _model_dir(name: str, masked_lm: bool, root: Path) -> Path:
    f = family(name)
    tokenizer_path = _tokenizer_dir(name, root)
    target = root / "models" / (f"{name}-mlm" if masked_lm else name)
    return _cached_build(target, lambda tmp: _save_model(f, masked_lm, tokenizer_path, tmp))


def load(
    name: str, *, masked_lm: bool = False, root: str | os.PathLike[str] | None = None
) -> tuple[Any, Any]:
    """``(tokenizer, model)`` freshly loaded from :func:`model_dir` the way BERT Lens loads a model:
    ``AutoTokenizer`` and ``AutoModel`` (or ``AutoModelForMaskedLM``), local files only, eager
    attention, eval mode. RANDOM weights: plumbing, not meaning."""
    from transformers import AutoModel, AutoModelForMaskedLM

    directory = str(model_dir(name, masked_lm=masked_lm, root=root))
    auto = AutoModelForMaskedLM if masked_lm else AutoModel
    model = auto.from_pretrained(directory, local_files_only=True, attn_implementation="eager")
    model.eval()
    return tokenizer(name, root=root), model


# ----------------------------------------------------------------------------------------------- report

#: Sentences the report (and the helper's tests) look at.
PROBES: tuple[str, ...] = (
    "나는 사과를 먹었다",
    "I am eating an apple",
    "Apple is huge enterprise",
    "친구에게 사과를 했다",
    'He said: "I love ☕ and 깍두기"  twice',
)


def report(name: str, *, root: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """What the family's tokenizer does with :data:`PROBES`, as plain data (for people, not asserts):
    tokens with offsets and word ids, the special tokens, what each piece decodes to on its own, and
    where a bare word-start piece (``▁`` or ``Ġ`` alone) occurs."""
    tok = tokenizer(name, root=root)
    marker = family(name).word_start
    sentences = {}
    bare = []
    for text in PROBES:
        enc = tok(text, return_offsets_mapping=True)
        ids = enc["input_ids"]
        pieces = tok.convert_ids_to_tokens(ids)
        rows = [
            {
                "token": piece,
                "offsets": (start, end),
                "text": text[start:end],
                "word": word,
                "alone": tok.convert_tokens_to_string([piece]),
                "decoded": tok.decode([token_id]),
            }
            for token_id, piece, (start, end), word in zip(
                ids, pieces, enc["offset_mapping"], enc.word_ids(), strict=True
            )
        ]
        sentences[text] = rows
        bare += [
            {"sentence": text, "index": i, **row, "next": rows[i + 1]}
            for i, row in enumerate(rows[:-1])
            if marker is not None and row["token"] == marker
        ]
    return {
        "family": name,
        "tokenizer_class": type(tok).__name__,
        "all_special_tokens": list(tok.all_special_tokens),
        "cls_token": tok.cls_token,
        "bos_token": tok.bos_token,
        "sep_token": tok.sep_token,
        "eos_token": tok.eos_token,
        "unk_token": tok.unk_token,
        "mask_token": tok.mask_token,
        "pad_token": tok.pad_token,
        "vocab_size": len(tok),
        "sentences": sentences,
        "bare_word_starts": bare,
    }


def _markdown(name: str) -> str:
    r = report(name)
    lines = [
        f"### {name} ({r['tokenizer_class']}, {describe(name)['tokenizer_kind']}, {r['vocab_size']} tokens)"
    ]
    specials = ", ".join(
        f"{key}={r[key]!r}"
        for key in (
            "cls_token",
            "bos_token",
            "sep_token",
            "eos_token",
            "unk_token",
            "mask_token",
            "pad_token",
        )
    )
    lines += [f"all_special_tokens: {r['all_special_tokens']}", specials, ""]
    for text in PROBES[:2]:
        lines.append(
            f"`{text}`: " + " ".join(f"{row['token']}{list(row['offsets'])}" for row in r["sentences"][text])
        )
    korean = r["sentences"][PROBES[0]][1:-1]
    lines.append("each piece of the Korean sentence on its own (convert_tokens_to_string | decode): ")
    lines.append(
        "  " + ", ".join(f"{row['token']} → {row['alone']!r} | {row['decoded']!r}" for row in korean)
    )
    for entry in r["bare_word_starts"]:
        nxt = entry["next"]
        lines.append(
            f"bare {entry['token']!r} in {entry['sentence']!r}: offsets {list(entry['offsets'])} "
            f"({entry['text']!r}), word {entry['word']}; "
            f"next {nxt['token']!r} {list(nxt['offsets'])}, word {nxt['word']}"
        )
    return "\n".join(lines)


if __name__ == "__main__":  # python -m tests.helpers.families: the report, for people
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    for name in FAMILIES:
        print(_markdown(name), end="\n\n")
