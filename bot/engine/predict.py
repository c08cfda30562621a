"""What the model would put in place of each mask token, at the last layer and layer by layer.

At the last layer these are the fill-mask guesses: the masked-LM head on the last hidden state, a
softmax over the vocabulary, the k most probable tokens (the same numbers as transformers' fill-mask
pipeline). Layer by layer, the same head is applied to each layer's hidden state, a "logit lens"
(nostalgebraist, 2020): a glimpse of what a layer already encodes about the blank.

The head was trained on the last layer's output only; earlier layers live in other coordinates
(Belrose et al., 2023, "Eliciting Latent Predictions from Transformers with the Tuned Lens"), so their
guesses through it are unreliable. The rule: only the last third of the layers (rounded up, so at
least the last one) is marked ``reliable``; the embedding output never is. For 6 layers that is layers
5-6, for 12 layers 9-12, for 24 layers 17-24.

Everything comes from the cached forward pass: the hidden states are already there, and the head is a
few matrix products per layer.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from bot.engine.errors import InvalidChoice, WordNotFound
from bot.engine.forward import Analysis
from bot.engine.model import LoadedModel
from bot.engine.tokens import TokenizedSentence
from bot.engine.words import sentence_words

# Models with a masked-LM head, named when a model has none (the bundled all-MiniLM-L6-v2 has none).
MODELS_WITH_HEAD = ("distilbert-base-uncased", "bert-base-uncased", "klue/bert-base")
MAX_K = 50
NO_HEAD = "model with a masked-LM head"  # the ``what`` of the error for a model without one


def no_masked_lm_head(model: str) -> InvalidChoice:
    """The error for a model without masked-LM weights: "'X' is not a model with a masked-LM head;
    choose one of: distilbert-base-uncased, …". An ``InvalidChoice`` rather than a class of its own:
    every engine error class needs its strings in bot/i18n, which this module does not own."""
    return InvalidChoice(NO_HEAD, model, MODELS_WITH_HEAD)


def no_mask(sentence: TokenizedSentence, mask: str) -> WordNotFound:
    """The error for a sentence without the mask token: "'[MASK]' is not a word of the sentence …"
    (it names the token to type, as the tokenizer spells it)."""
    return WordNotFound(mask, sentence.text, sentence_words(sentence.text))


def reliable(layer: int, num_layers: int) -> bool:
    """Whether the logit lens at ``layer`` (0 = embedding output, L = last layer) is worth reading:
    the last third of the layers, rounded up."""
    return layer > num_layers - math.ceil(num_layers / 3)


@dataclass(frozen=True)
class Guess:
    token_id: int
    token: str  # as the vocabulary writes it (##ing, Ġapple, ▁사과)
    display: str  # as people read it (byte-level decoded), like every token BERT Lens shows
    probability: float  # softmax over the whole vocabulary


@dataclass(frozen=True)
class LayerGuesses:
    layer: int  # 0 = embedding output, 1..L the layers' outputs (0-based hidden-state index)
    reliable: bool
    guesses: tuple[Guess, ...]


@dataclass(frozen=True)
class MaskGuesses:
    index: int  # the mask token's index in the sentence
    final: tuple[Guess, ...]  # the last layer: fill-mask
    layers: tuple[LayerGuesses, ...]  # hidden states 0..L through the same head (the last equals final)


@dataclass(frozen=True, eq=False)
class Predictions:
    analysis: Analysis
    k: int
    masks: tuple[MaskGuesses, ...]  # one per mask token, in order
    # When the sentence spelled the mask another way ([mask], <MASK>, ...): the sentence as typed and
    # the spellings read as the model's own mask token (``analysis.sentence.text`` is what it read).
    typed: str | None = None
    aliases: tuple[str, ...] = ()

    @property
    def mask(self) -> str:
        """The mask token as the model read it ([MASK], <mask>)."""
        return self.analysis.sentence.tokens[self.masks[0].index] if self.masks else ""


def predictions(lm: LoadedModel, analysis: Analysis, k: int = 5) -> Predictions:
    """The k most probable tokens for every mask token, at every layer (no forward pass)."""
    if lm.head is None:
        raise no_masked_lm_head(lm.name)
    if not 1 <= k <= MAX_K:
        raise InvalidChoice("number of guesses", str(k), (f"1 to {MAX_K}",))
    sentence = analysis.sentence
    mask_id = lm.tokenizer.mask_token_id
    positions = [
        i for i, token_id in enumerate(sentence.input_ids) if mask_id is not None and token_id == mask_id
    ]
    if not positions:
        raise no_mask(sentence, mask_token(lm))
    per_layer: list[list[tuple[Guess, ...]]] = []  # [layer][mask]
    # One layer at a time: a layer's logits are masks x vocabulary (XLM-R: 250k floats per mask).
    for layer in range(analysis.hidden_states.shape[0]):
        logits = lm.head.logits(analysis.hidden_states[layer, positions, :])
        per_layer.append([_top(lm, row, k) for row in logits])
    last = analysis.num_layers
    masks = tuple(
        MaskGuesses(
            index=index,
            final=per_layer[last][m],
            layers=tuple(
                LayerGuesses(layer=layer, reliable=reliable(layer, last), guesses=per_layer[layer][m])
                for layer in range(last + 1)
            ),
        )
        for m, index in enumerate(positions)
    )
    return Predictions(analysis=analysis, k=k, masks=masks)


def _top(lm: LoadedModel, logits: np.ndarray, k: int) -> tuple[Guess, ...]:
    """The k most probable tokens of one row of logits, as torch's ``softmax`` and ``topk`` give them
    (the fill-mask pipeline's own operations, so ties come out in the same order)."""
    import torch

    probabilities = torch.from_numpy(logits).softmax(dim=-1)
    values, ids = probabilities.topk(k)
    with lm.tokenizing() as tokenizer:
        tokens = tokenizer.convert_ids_to_tokens(ids.tolist())
    return tuple(
        Guess(token_id=int(i), token=str(t), display=lm.family.display(str(t)), probability=float(p))
        for i, t, p in zip(ids.tolist(), tokens, values.tolist(), strict=True)
    )


# ------------------------------------------------------------------------------------ typing the mask

# The two spellings of a mask token people type, whatever model they have in mind: BERT's [MASK] and
# RoBERTa's <mask>, in any case. Blanks such as ___, a run of full-width \uff3f or ? are ordinary
# text (a question mark is a question), so they are never read as a mask.
MASK_ALIASES = re.compile(r"\[mask\]|<mask>", re.IGNORECASE)
BLANKS = re.compile(r"_{2,}|\uff3f+")


@dataclass(frozen=True)
class MaskedText:
    text: str  # as the model is to read it
    typed: str  # as it was typed
    aliases: tuple[str, ...]  # the spellings replaced by the model's mask token, as typed, in order


def read_masks(text: str, mask: str) -> MaskedText:
    """``text`` with every [MASK] and <mask> (any case) replaced by the model's own ``mask`` token,
    when the text does not contain that token itself; otherwise ``text`` unchanged (a sentence with
    the model's token is read exactly as typed)."""
    if not mask or mask in text:
        return MaskedText(text, text, ())
    found = tuple(dict.fromkeys(MASK_ALIASES.findall(text)))
    if not found:
        return MaskedText(text, text, ())
    return MaskedText(MASK_ALIASES.sub(lambda _: mask, text), text, found)


def mask_token(lm: LoadedModel) -> str:
    """The mask token as the model's tokenizer writes it ([MASK], <mask>)."""
    return str(lm.tokenizer.mask_token or lm.family.mask or "[MASK]")


def problem(error: BaseException, typed: str) -> tuple[str, dict[str, object]] | None:
    """/predict's two expected refusals as an i18n key and its values, or None for any other error,
    so the bot and the command line say them alike: ``predict.no_head`` (the model has no masked-LM
    head: names models with one) and ``predict.no_mask`` (no mask token in ``typed``: names the token
    to type; ``predict.no_mask_blank`` when the sentence has a blank such as ___ that is not one)."""
    params = getattr(error, "params", {})
    if isinstance(error, InvalidChoice) and params.get("what") == NO_HEAD:
        return "predict.no_head", {"model": params["value"], "models": ", ".join(MODELS_WITH_HEAD)}
    if isinstance(error, WordNotFound):
        blank = BLANKS.search(typed)
        if blank is not None:
            return "predict.no_mask_blank", {"mask": params["word"], "blank": blank.group()}
        return "predict.no_mask", {"mask": params["word"]}
    return None
