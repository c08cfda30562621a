"""Cold start: from launching a process to its first /attention answer with the bundled model.

The child does what ``python -m bot run`` does before it connects to Discord, in the same order:
import the bot and its command modules, read the settings, check the fonts, start the LensService
(the model loads in the worker pool, then the Korean analyser if it is installed) and answer one
request through the service. The Discord connection and the settings database are left out: they
wait on the network, not on this machine. Timestamps are wall-clock (``time.time``), so the parent's
launch time and the child's steps share one clock.

    python -m bench.coldstart LAUNCH_TIME
"""

from __future__ import annotations

import json
import sys
import time

STARTED = time.time()  # before any import of this module's own: the interpreter is up

SENTENCE = "I am eating an apple"
WORD = "apple"


def main(launched: float) -> dict[str, float]:
    stamps: dict[str, float] = {"interpreter": STARTED}

    import importlib
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ["MODEL"] = "bundled"
    os.environ.pop("MODELS", None)

    import bot.app
    import bot.client  # what run_bot imports before connecting

    for extension in bot.app.EXTENSIONS:
        importlib.import_module(extension)
    stamps["bot modules"] = time.time()

    # Imported by the model load in the bot; timed on their own here to say what the load costs.
    import torch  # noqa: F401
    import transformers  # noqa: F401
    from transformers import AutoConfig, AutoModel, AutoTokenizer  # noqa: F401

    stamps["torch + transformers"] = time.time()

    from bot.engine.render.fonts import warn_undrawable
    from bot.i18n import STRINGS
    from bot.settings import load_settings

    settings = load_settings()
    warn_undrawable(text for table in STRINGS.values() for text in table.values())
    stamps["settings + font check"] = time.time()

    import asyncio

    from bot.engine.query import AttentionQuery
    from bot.service import LensService, freeze_start_up_objects

    async def serve() -> None:
        service = LensService.from_settings(settings)
        load = service.models.lens

        def timed_load(*args: object) -> object:  # start() loads through this attribute, in the pool
            loaded = load(*args)  # type: ignore[arg-type]
            stamps.setdefault("model loaded", time.time())
            return loaded

        service.models.lens = timed_load  # type: ignore[method-assign,assignment]
        try:
            await service.start()  # the Korean analyser warms up beside the model (two workers)
            freeze_start_up_objects()  # as the client's setup_hook does once the service is ready
            stamps["service started"] = time.time()
            await service.attention(SENTENCE, AttentionQuery(WORD))
            stamps["first request"] = time.time()
        finally:
            service.close()

    asyncio.run(serve())
    return {"launched": launched, **stamps}


def full_collection() -> dict[str, float]:
    """What one full garbage collection costs in a ready bot: it holds the GIL, so the event loop
    stalls that long whenever the collector's thresholds call for one."""
    import gc

    objects = len(gc.get_objects())
    started = time.perf_counter()
    gc.collect()
    return {"objects": objects, "seconds": time.perf_counter() - started}


if __name__ == "__main__":
    steps = main(float(sys.argv[1]))
    print(json.dumps({"steps": steps, "full_gc": full_collection()}))
