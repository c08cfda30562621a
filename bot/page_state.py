"""What a paging control carries in its ``custom_id``: the whole state of the reply it pages (owner,
layer, head, view, specials, model, language, values), so a click works after a restart or on
another cluster; and the shape of the model the controls are drawn for."""

from __future__ import annotations

from dataclasses import dataclass

from bot.engine.query import ANIMATIONS, VIEWS, AttentionQuery, animation_query
from bot.engine.results import Animation, AttentionResult
from bot.i18n import EN, KO

# The values field came later: controls posted before it (no ".w"/".n") still page, with weights.
STATE_PATTERN = r"(?P<state>\d+\.\d+\.\d+\.[mx]\.\d\.[01]\.\d*\.[ek](?:\.[wn])?)"
_LANGS = {EN: "e", KO: "k"}
# The view menu's entries, in custom_id order: the still views, then the animations (appended, so the
# digits of controls posted before them keep their meaning).
MENU_VIEWS: tuple[str, ...] = (*VIEWS, *ANIMATIONS)


@dataclass(frozen=True)
class PageState:
    """Everything a control needs, small enough for a custom_id (100 characters)."""

    owner: int
    layer: int  # 1-based
    head: int | None  # 1-based
    agg: str  # "mean" or "max"
    view: str  # as the view menu names it: one of MENU_VIEWS
    hide_special: bool
    model: int | None  # place in MODELS; None: the default
    lang: str
    values: str = "weights"  # or "norms"

    def encode(self) -> str:
        return ".".join(
            [
                str(self.owner),
                str(self.layer),
                str(self.head or 0),
                "x" if self.agg == "max" else "m",
                str(MENU_VIEWS.index(self.view)),
                "1" if self.hide_special else "0",
                "" if self.model is None else str(self.model),
                _LANGS.get(self.lang, "e"),
                "n" if self.values == "norms" else "w",
            ]
        )

    @classmethod
    def decode(cls, text: str) -> PageState:
        owner, layer, head, agg, view, hide, model, lang, *rest = text.split(".")
        return cls(
            owner=int(owner),
            layer=int(layer),
            head=int(head) or None,
            agg="max" if agg == "x" else "mean",
            view=MENU_VIEWS[min(int(view), len(MENU_VIEWS) - 1)],
            hide_special=hide == "1",
            model=int(model) if model else None,
            lang=KO if lang == "k" else EN,
            values="norms" if rest == ["n"] else "weights",
        )

    @property
    def animated(self) -> bool:
        return self.view in ANIMATIONS

    def query(self, word: str, occurrence: int) -> AttentionQuery:
        """What this state shows (an animation keeps the layer it was paged from, for the way back to
        a still view; ``for_view`` drops it before asking)."""
        query = AttentionQuery(
            word=word,
            occurrence=occurrence,
            layer=self.layer,
            head=self.head,
            agg="mean" if self.head is not None else self.agg,
            hide_special=self.hide_special,
            values=self.values,
        )
        return animation_query(query, self.view)


def custom_id(action: str, state: PageState) -> str:
    return f"bertlens:page:{action}:{state.encode()}"


@dataclass(frozen=True)
class Shape:
    """What the controls must know of the model and the tokenizer."""

    layers: int
    heads: int
    framing: str

    @classmethod
    def of(cls, result: AttentionResult | Animation) -> Shape:
        analysis = result.analysis
        return cls(analysis.num_layers, analysis.num_heads, analysis.sentence.family.framing)
