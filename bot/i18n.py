"""Every user-facing string, in English and Korean, in one place.

Replies pick the language from ``interaction.locale`` (Korean for ``ko``, English otherwise); the CLI
speaks English. Command and option descriptions are localised through ``BertLensTranslator`` in
``bot/translator.py``, which reads the ``COMMANDS`` table below.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

EN = "en"
KO = "ko"


def language(locale: object) -> str:
    """``discord.Locale.korean`` (value ``"ko"``) or the string ``"ko"`` -> Korean; anything else English."""
    value = str(getattr(locale, "value", locale) or "")
    return KO if value.lower().startswith("ko") else EN


STRINGS: Mapping[str, Mapping[str, str]] = {
    EN: {
        # token table
        "tok.header": "Model: {model}",
        "tok.padded": "Sentences are padded together to {length} tokens (padding=True), as in the seed post.",
        "tok.sentence": "Sentence {n}: {text}",
        "tok.columns": "#|token|id|mask|note",
        "tok.note.cls": "special: start",
        "tok.note.sep": "special: end",
        "tok.note.pad": "padding (mask 0)",
        "tok.note.unk": "unknown to vocab",
        "tok.note.special": "special",
        "tok.note.piece": "piece of {word}",
        "tok.note.shared": "shared id",
        "tok.shared": "Shared ids: {items}. Same id means the same starting vector; only context can tell the "
        "meanings apart. Try /compare.",
        "tok.shared.item": "{id} ({token}) in sentences {where}",
        "tok.no_shared": "No token id appears in more than one sentence.",
        "tok.legend": "[CLS] starts every input, [SEP] ends it, [PAD] fills shorter sentences (mask 0 = ignored), "
        "## marks a piece that continues a word.",
        "tok.attached": "The full table is attached as {filename} (too long for one message).",
        # errors (engine codes)
        "err.empty_text": "The {what} is empty (or only spaces and symbols the model ignores): please type some words.",
        "err.text_too_long": "That text is too long: {length} {unit}, and the limit is {limit} {unit}. "
        "Try a shorter sentence.",
        "err.word_not_found": "'{word}' is not a word of the sentence. Words in it: {available}.",
        "err.occurrence_out_of_range": "'{word}' appears {count} time(s), so occurrence {occurrence} does not "
        "exist (use 1 to {count}).",
        "err.out_of_range": "There is no {what} {value}: this model has {what}s 1 to {maximum}.",
        "err.invalid_choice": "'{value}' is not a {what}; choose one of: {choices}.",
        "err.engine_error": "{message}",
        "err.option": "That option value was not understood; please pick one from the list.",
        "unit.characters": "characters",
        "unit.tokens": "tokens",
        "what.sentence": "sentence",
        "what.word": "word",
        "what.layer": "layer",
        "what.head": "head",
        "what.view": "view",
        "what.aggregation": "aggregation",
        # bot replies
        "busy": "BERT Lens is busy with other requests right now. Please try again in a moment.",
        "cooldown": "You're going fast! Please wait {seconds:.0f} s before the next analysis.",
        "unexpected": "Sorry, something went wrong on our side. The error id is `{error_id}`; "
        "please mention it if you report this.",
        "shutting_down": "BERT Lens is restarting, so this request was not finished. Please try again shortly.",
        "not_yours": "Only {user} can change this view. Run /attention yourself to explore!",
        "expired": "This view has expired. Run the command again to explore further.",
        "attention.title": "Attention of “{word}”",
        "attention.top": "Most attended in layer {layer} ({heads}, itself aside)",
        "attention.rollout_top": "Largest rollout weights after layer {layer} (itself aside)",
        "attention.sentence": "Sentence",
        "attention.footer": "{model} · layer {layer}/{layers} · {heads} · {view} view · {specials}",
        "attention.pieces": "“{word}” is {count} tokens ({pieces}); their rows are averaged.",
        "attention.occurrence": "Occurrence {occurrence} of {count}.",
        "attention.sink": "Tip: [CLS]/[SEP] take {share:.0%} of this word's attention in layer {layer} "
        "(an “attention sink”). Press “Hide [CLS]/[SEP]” to compare the real words.",
        "specials.hidden": "specials hidden",
        "specials.shown": "specials shown",
        "heads.mean": "mean of {n} heads",
        "heads.max": "max over {n} heads",
        "heads.head": "head {head} of {n}",
        "button.prev": "Previous layer",
        "button.next": "Next layer",
        "button.hide": "Hide [CLS]/[SEP]",
        "button.show": "Show [CLS]/[SEP]",
        "select.heads": "Heads: mean, max or one head",
        "select.view": "View",
        "option.mean": "Mean of all heads",
        "option.max": "Max over heads",
        "option.head": "Head {n}",
        "view.word": "word: layers × tokens",
        "view.heads": "heads: heads × tokens",
        "view.matrix": "matrix: tokens × tokens",
        "view.grid": "grid: every layer and head",
        "view.rollout": "rollout: attention flow",
        "compare.title": "“{word}” in two sentences",
        "compare.same_ids": "Token id {ids} in both sentences: the same starting vector.",
        "compare.diff_ids": "Token ids differ: {a} vs {b}.",
        "compare.cosine": "Cosine similarity of its contextual vectors per layer",
        "compare.lesson": "From {first:.2f} after the embeddings to {last:.2f} after layer {layers}: "
        "context pulls the two meanings apart.",
        "compare.top": "Most attended in {label}, layer {layer}",
        "about.title": "About BERT Lens",
        "about.description": "Shows how a BERT-family model reads a sentence: tokens, ids and attention.",
        "about.model": "Model",
        "about.shape": "{layers} layers × {heads} heads",
        "about.version": "Version",
        "about.uptime": "Uptime",
        "about.requests": "Requests served",
        "about.latency": "Median latency",
        "about.none": "no requests yet",
        "about.fallback": "(offline fallback: the configured model could not be loaded)",
        "help.title": "How to use BERT Lens",
        "help.body": "**/tokenize** `sentence` - see tokens, ids, the attention mask and padding.\n"
        "**/attention** `sentence` `word` - a heatmap of where the word looks; page through layers and heads.\n"
        "**/compare** `word` `sentence_a` `sentence_b` - the same word in two contexts.\n"
        "Right-click a message → Apps → **Tokenize message**.\n"
        "Try: /compare apple “Apple is huge enterprise” “I am eating an apple”",
        "context.empty": "That message has no text to tokenize.",
    },
    KO: {
        "tok.header": "모델: {model}",
        "tok.padded": "문장들을 {length}개 토큰 길이로 함께 패딩했습니다 (padding=True).",
        "tok.sentence": "문장 {n}: {text}",
        "tok.columns": "#|토큰|id|mask|비고",
        "tok.note.cls": "특수: 시작",
        "tok.note.sep": "특수: 끝",
        "tok.note.pad": "패딩 (mask 0)",
        "tok.note.unk": "사전에 없음",
        "tok.note.special": "특수 토큰",
        "tok.note.piece": "{word}의 조각",
        "tok.note.shared": "공유 id",
        "tok.shared": "공유된 id: {items}. 같은 id는 같은 시작 벡터입니다. "
        "의미를 구분하는 것은 문맥뿐입니다. /compare를 써 보세요.",
        "tok.shared.item": "{id} ({token}): 문장 {where}",
        "tok.no_shared": "여러 문장에 공통으로 나오는 토큰 id가 없습니다.",
        "tok.legend": "[CLS]는 문장의 시작, [SEP]는 끝, [PAD]는 짧은 문장을 채우는 패딩(mask 0 = 무시), "
        "##는 단어의 이어지는 조각입니다.",
        "tok.attached": "전체 표는 {filename} 파일로 첨부했습니다 (메시지 하나에 담기에 깁니다).",
        "err.empty_text": "{what}이(가) 비어 있습니다. 단어를 입력해 주세요.",
        "err.text_too_long": "텍스트가 너무 깁니다: {length}{unit} (최대 {limit}{unit}). 더 짧은 문장으로 해 보세요.",
        "err.word_not_found": "'{word}'은(는) 문장에 없는 단어입니다. 문장의 단어: {available}.",
        "err.occurrence_out_of_range": "'{word}'은(는) {count}번 나오므로 {occurrence}번째는 없습니다 (1~{count}).",
        "err.out_of_range": "{what} {value}은(는) 없습니다. 이 모델의 {what}는 1~{maximum}입니다.",
        "err.invalid_choice": "'{value}'은(는) 올바른 {what}이(가) 아닙니다. 선택: {choices}.",
        "err.engine_error": "{message}",
        "err.option": "옵션 값을 이해하지 못했습니다. 목록에서 골라 주세요.",
        "unit.characters": "자",
        "unit.tokens": "토큰",
        "what.sentence": "문장",
        "what.word": "단어",
        "what.layer": "레이어",
        "what.head": "헤드",
        "what.view": "보기",
        "what.aggregation": "집계 방식",
        "busy": "지금 다른 요청을 처리하느라 바쁩니다. 잠시 후 다시 시도해 주세요.",
        "cooldown": "너무 빠릅니다! 다음 분석까지 {seconds:.0f}초 기다려 주세요.",
        "unexpected": "죄송합니다. 내부 오류가 발생했습니다. 오류 id는 `{error_id}`입니다. "
        "제보하실 때 함께 알려 주세요.",
        "shutting_down": "BERT Lens가 재시작 중이라 요청을 마치지 못했습니다. 잠시 후 다시 시도해 주세요.",
        "not_yours": "이 화면은 {user}님만 바꿀 수 있습니다. 직접 /attention을 실행해 보세요!",
        "expired": "이 화면은 만료되었습니다. 명령을 다시 실행해 주세요.",
        "attention.title": "“{word}”의 어텐션",
        "attention.top": "{layer}번 레이어에서 가장 집중한 토큰 ({heads}, 자기 자신 제외)",
        "attention.rollout_top": "{layer}번 레이어까지의 롤아웃 가중치 (자기 자신 제외)",
        "attention.sentence": "문장",
        "attention.footer": "{model} · 레이어 {layer}/{layers} · {heads} · {view} 보기 · {specials}",
        "attention.pieces": "“{word}”는 {count}개 토큰({pieces})으로 나뉘어 각 행을 평균했습니다.",
        "attention.occurrence": "{count}번 중 {occurrence}번째.",
        "attention.sink": "팁: {layer}번 레이어에서 [CLS]/[SEP]가 이 단어 어텐션의 {share:.0%}를 "
        "가져갑니다(“어텐션 싱크”). “[CLS]/[SEP] 숨기기”를 눌러 실제 단어끼리 비교해 보세요.",
        "specials.hidden": "특수 토큰 숨김",
        "specials.shown": "특수 토큰 표시",
        "heads.mean": "{n}개 헤드 평균",
        "heads.max": "{n}개 헤드 최댓값",
        "heads.head": "{n}개 중 {head}번 헤드",
        "button.prev": "이전 레이어",
        "button.next": "다음 레이어",
        "button.hide": "[CLS]/[SEP] 숨기기",
        "button.show": "[CLS]/[SEP] 보이기",
        "select.heads": "헤드: 평균, 최댓값 또는 헤드 하나",
        "select.view": "보기",
        "option.mean": "모든 헤드 평균",
        "option.max": "헤드 최댓값",
        "option.head": "{n}번 헤드",
        "view.word": "word: 레이어 × 토큰",
        "view.heads": "heads: 헤드 × 토큰",
        "view.matrix": "matrix: 토큰 × 토큰",
        "view.grid": "grid: 모든 레이어와 헤드",
        "view.rollout": "rollout: 어텐션 흐름",
        "compare.title": "두 문장 속의 “{word}”",
        "compare.same_ids": "두 문장 모두 토큰 id {ids}: 시작 벡터가 같습니다.",
        "compare.diff_ids": "토큰 id가 다릅니다: {a} / {b}.",
        "compare.cosine": "레이어별 문맥 벡터의 코사인 유사도",
        "compare.lesson": "임베딩 직후 {first:.2f}에서 {layers}번 레이어 뒤 {last:.2f}로: "
        "문맥이 두 의미를 갈라놓습니다.",
        "compare.top": "{label}에서 가장 집중한 토큰, {layer}번 레이어",
        "about.title": "BERT Lens 소개",
        "about.description": "BERT 계열 모델이 문장을 읽는 방식(토큰, id, 어텐션)을 보여 줍니다.",
        "about.model": "모델",
        "about.shape": "{layers}개 레이어 × {heads}개 헤드",
        "about.version": "버전",
        "about.uptime": "가동 시간",
        "about.requests": "처리한 요청",
        "about.latency": "응답 시간 중앙값",
        "about.none": "아직 요청 없음",
        "about.fallback": "(오프라인 대체: 설정한 모델을 불러올 수 없었습니다)",
        "help.title": "BERT Lens 사용법",
        "help.body": "**/tokenize** `sentence` - 토큰, id, 어텐션 마스크와 패딩을 봅니다.\n"
        "**/attention** `sentence` `word` - 단어가 어디에 집중하는지 히트맵으로 봅니다. 레이어와 헤드를 넘겨 보세요.\n"
        "**/compare** `word` `sentence_a` `sentence_b` - 같은 단어를 두 문맥에서 비교합니다.\n"
        "메시지 우클릭 → 앱 → **Tokenize message**.\n"
        "예: /compare apple “Apple is huge enterprise” “I am eating an apple”",
        "context.empty": "이 메시지에는 토큰화할 텍스트가 없습니다.",
    },
}


def t(lang: str, key: str, **params: Any) -> str:
    """The string ``key`` in ``lang`` (falling back to English), formatted with ``params``."""
    table = STRINGS.get(lang, STRINGS[EN])
    template = table.get(key) or STRINGS[EN][key]
    return template.format(**params)


class Explainable(Protocol):
    @property
    def code(self) -> str: ...

    @property
    def params(self) -> Mapping[str, object]: ...


def _clip(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def error_text(lang: str, error: Explainable, escape: Callable[[str], str] = str) -> str:
    """An engine error (``bot.engine.errors``) in the user's language, with its own values filled in.

    Text that came from the user is shortened (a 3,000-character "word" must not make a 3,000-character
    reply) and passed through ``escape`` (the bot escapes Discord markdown and mentions there).
    """
    params: dict[str, Any] = {
        k: escape(_clip(v)) if isinstance(v, str) else v for k, v in error.params.items()
    }
    key = f"err.{error.code}" if f"err.{error.code}" in STRINGS[EN] else "err.engine_error"
    if "what" in params and f"what.{params['what']}" in STRINGS[EN]:
        params["what"] = t(lang, f"what.{params['what']}")
    if "unit" in params:
        params["unit"] = t(lang, f"unit.{params['unit']}")
    if "available" in params:
        words = [escape(_clip(w, 30)) for w in params["available"]]
        shown = words[:20]
        params["available"] = ", ".join(shown) + (" …" if len(words) > len(shown) else "") or "—"
    if "choices" in params:
        params["choices"] = ", ".join(params["choices"])
    params.setdefault("message", error.code)
    return t(lang, key, **params)


# Command, option and choice texts that Discord shows in its command picker. English is the text sent
# with the command; Korean goes out as its localisation (``bot/translator.py``).
COMMAND_TEXT: Mapping[str, Mapping[str, str]] = {
    EN: {
        "tokenize.description": "Show tokens, ids, attention mask and padding for up to three sentences",
        "tokenize.sentence": "The sentence to tokenize",
        "tokenize.sentence2": "A second sentence, padded together with the first",
        "tokenize.sentence3": "A third sentence, padded together with the others",
        "attention.description": "Heatmap of where a word attends in a sentence, layer by layer",
        "attention.sentence": "The sentence to analyse",
        "attention.word": "A word of the sentence (suggestions come from the sentence)",
        "attention.occurrence": "Which occurrence of the word, if it appears more than once (from 1)",
        "attention.layer": "Layer to summarise and outline (from 1; default: the last)",
        "attention.head": "One head (from 1) instead of the mean over heads",
        "attention.view": "What to draw",
        "attention.hide_special": "Drop [CLS]/[SEP] and rescale each row to sum to 1",
        "compare.description": "The same word in two sentences: same id, different meaning in context",
        "compare.word": "A word that appears in both sentences",
        "compare.sentence_a": "The first sentence",
        "compare.sentence_b": "The second sentence",
        "compare.hide_special": "Drop [CLS]/[SEP] and rescale each row to sum to 1",
        "about.description": "Which model BERT Lens uses, its size, uptime and latency",
        "help.description": "How to use BERT Lens, with an example to try",
        "context.tokenize": "Tokenize message",
        "choice.word": "word: layers × tokens",
        "choice.heads": "heads: every head of one layer",
        "choice.matrix": "matrix: tokens × tokens",
        "choice.grid": "grid: every layer and head",
        "choice.rollout": "rollout: attention flow through layers",
    },
    KO: {
        "tokenize.description": "문장(최대 3개)의 토큰, id, 어텐션 마스크와 패딩을 보여 줍니다",
        "tokenize.sentence": "토큰화할 문장",
        "tokenize.sentence2": "첫 문장과 함께 패딩할 두 번째 문장",
        "tokenize.sentence3": "함께 패딩할 세 번째 문장",
        "attention.description": "문장 속 단어가 레이어별로 어디에 집중하는지 히트맵으로 보여 줍니다",
        "attention.sentence": "분석할 문장",
        "attention.word": "문장 속 단어 (문장에서 추천합니다)",
        "attention.occurrence": "단어가 여러 번 나올 때 몇 번째인지 (1부터)",
        "attention.layer": "요약하고 강조할 레이어 (1부터, 기본값: 마지막)",
        "attention.head": "헤드 평균 대신 헤드 하나 (1부터)",
        "attention.view": "그릴 보기",
        "attention.hide_special": "[CLS]/[SEP]를 빼고 각 행의 합이 1이 되도록 다시 맞춥니다",
        "compare.description": "두 문장 속 같은 단어: 같은 id, 문맥에 따라 다른 의미",
        "compare.word": "두 문장에 모두 나오는 단어",
        "compare.sentence_a": "첫 번째 문장",
        "compare.sentence_b": "두 번째 문장",
        "compare.hide_special": "[CLS]/[SEP]를 빼고 각 행의 합이 1이 되도록 다시 맞춥니다",
        "about.description": "BERT Lens가 쓰는 모델, 크기, 가동 시간과 응답 시간",
        "help.description": "BERT Lens 사용법과 해 볼 만한 예시",
        "context.tokenize": "메시지 토큰화",
        "choice.word": "word: 레이어 × 토큰",
        "choice.heads": "heads: 한 레이어의 모든 헤드",
        "choice.matrix": "matrix: 토큰 × 토큰",
        "choice.grid": "grid: 모든 레이어와 헤드",
        "choice.rollout": "rollout: 레이어를 통과하는 어텐션 흐름",
    },
}
