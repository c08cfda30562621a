"""Trim Discord's OpenAPI spec to what the fake serves, for the request checks in ``validator.py``.

Source: https://github.com/discord/discord-api-spec, ``specs/openapi.json`` at commit
74fda0fad044407ea280043a03ffc9bc64c4e49e ("Automated spec update (242668)", 2026-07-18; git blob
bbbd9bf789f5d3dacb74c697acf64c66fcf782bf), a copy of which was at /work/shared/discord-openapi.json.
Copyright 2023 Discord, MIT licence: see LICENSE beside this file, which must travel with the copy.

The trimmed copy (``discord-openapi.json`` here) keeps, for every operation the fake serves (see
``operations.py``), its operationId, parameters (path-level ones included) and request body, and every
component schema those ``$ref``, transitively. Responses, security and descriptions of the operations are
dropped: the fake checks what the bot *sends*. Run it again after adding a route to the fake or updating
the spec::

    python -m tests.helpers.fake_discord.openapi.trim path/to/openapi.json [--commit <sha>]

``test_fake_discord_openapi.py`` fails when a route of the fake has no operation in the trimmed copy.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .operations import served_operations

HERE = Path(__file__).resolve().parent
TRIMMED = HERE / "discord-openapi.json"
SOURCE = {
    "repository": "https://github.com/discord/discord-api-spec",
    "path": "specs/openapi.json",
    "commit": "74fda0fad044407ea280043a03ffc9bc64c4e49e",
    "licence": "MIT, Copyright 2023 Discord (see LICENSE beside this file)",
}
_KEPT = ("operationId", "parameters", "requestBody")
_SCHEMAS = "#/components/schemas/"


def refs(node: Any) -> Iterator[str]:
    """Every ``$ref`` in a JSON value, depth first."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def trim(spec: dict[str, Any], operations: list[tuple[str, str]]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for method, path in operations:
        item = spec["paths"].get(path, {})
        if method not in item:
            raise SystemExit(f"the spec has no operation {method.upper()} {path}")
        operation = {key: item[method][key] for key in _KEPT if key in item[method]}
        parameters = [*item.get("parameters", []), *operation.get("parameters", [])]
        if parameters:
            operation["parameters"] = parameters
        paths.setdefault(path, {})[method] = operation

    schemas: dict[str, Any] = {}
    pending = list(refs(paths))
    while pending:
        ref = pending.pop()
        if not ref.startswith(_SCHEMAS):
            raise SystemExit(f"unexpected $ref {ref!r}: only component schemas are handled")
        name = ref[len(_SCHEMAS) :]
        if name not in schemas:
            schemas[name] = spec["components"]["schemas"][name]
            pending.extend(refs(schemas[name]))
    return {
        "openapi": spec["openapi"],
        "info": spec["info"],
        "x-trimmed-from": SOURCE,
        "paths": paths,
        "components": {"schemas": dict(sorted(schemas.items()))},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="Discord's specs/openapi.json")
    parser.add_argument("--commit", help="the discord-api-spec commit the source comes from")
    parser.add_argument("--output", type=Path, default=TRIMMED)
    args = parser.parse_args(argv)
    raw = args.source.read_bytes()
    trimmed = trim(json.loads(raw), served_operations())
    source = {**SOURCE, "blob": hashlib.sha1(b"blob %d\0" % len(raw) + raw).hexdigest()}
    if args.commit:
        source["commit"] = args.commit
    trimmed["x-trimmed-from"] = source
    args.output.write_text(json.dumps(trimmed, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(
        f"{args.output}: {len(trimmed['paths'])} paths, {len(trimmed['components']['schemas'])} schemas, "
        f"{args.output.stat().st_size // 1024} KiB",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
