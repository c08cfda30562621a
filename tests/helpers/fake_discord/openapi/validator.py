"""Every request body the bot sends, held against Discord's OpenAPI spec (the trimmed copy beside this file).

JSON bodies are checked against the operation's ``application/json`` request schema, and so are the
``payload_json`` parts of multipart requests (Discord reads the JSON body from ``payload_json``; the
spec's multipart schemas describe the same fields plus ``files[n]``). Query parameters must be ones the
operation declares, with values of its types. Validators are compiled once per operation, for the
whole test run, with jsonschema's Draft 2020-12 validator (OpenAPI 3.1 schemas are JSON Schema 2020-12).

Where the spec is stricter than Discord, ``CORRECTIONS`` patches the loaded copy, each with the evidence;
``test_fake_discord_openapi.py`` checks that each is still needed and does not loosen anything else.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, relevance
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from .operations import spec_operation

SPEC_FILE = Path(__file__).resolve().with_name("discord-openapi.json")
_URI = "urn:discord-openapi"
_SCHEMAS = "#/components/schemas/"

# Schema name -> (how to correct it, why). Applied to the loaded spec, never to the file.
CORRECTIONS: dict[str, tuple[Callable[[dict[str, Any]], dict[str, Any]], str]] = {
    "SnowflakeType": (
        lambda snowflake: {"anyOf": [snowflake, {"type": "integer", "minimum": 0, "maximum": 2**64 - 1}]},
        "Discord reads a snowflake in a request from a JSON integer as well as from a string; the spec "
        "allows strings only. discord.py sends integers: a new upload's attachments[].id is the n of its "
        "files[n] part (File.to_dict; Discord's own upload example uses 0), and create_dm sends "
        "recipient_id as an integer. As written, the spec would refuse every message with a file.",
    ),
}

# jsonschema keyword -> Discord's error code for the same failure, so the 400 reads like Discord's.
_CODES = {
    "maxLength": "BASE_TYPE_MAX_LENGTH",
    "minLength": "BASE_TYPE_MIN_LENGTH",
    "maxItems": "BASE_TYPE_MAX_LENGTH",
    "minItems": "BASE_TYPE_MIN_LENGTH",
    "required": "BASE_TYPE_REQUIRED",
    "type": "BASE_TYPE_BAD_TYPE",
    "enum": "BASE_TYPE_CHOICES",
    "const": "BASE_TYPE_CHOICES",
    "maximum": "NUMBER_TYPE_MAX",
    "minimum": "NUMBER_TYPE_MIN",
    "pattern": "STRING_TYPE_REGEX",
    "anyOf": "UNION_TYPE_CHOICES",
    "oneOf": "UNION_TYPE_CHOICES",
    "uniqueItems": "BASE_TYPE_UNIQUE",
}


def pointer(*parts: str) -> str:
    """A URI fragment for a JSON pointer into the spec (``/`` and ``~`` escaped, braces quoted)."""
    escaped = "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)
    return "#/" + quote(escaped, safe="/~@")


def load_spec(corrected: bool = True) -> dict[str, Any]:
    spec = json.loads(SPEC_FILE.read_text(encoding="utf-8"))
    if corrected:
        schemas = spec["components"]["schemas"]
        for name, (correct, _) in CORRECTIONS.items():
            schemas[name] = correct(schemas[name])
    return spec


class SpecViolation:
    """One way a request differs from the spec: where (a path into the body) and what."""

    def __init__(self, where: list[str | int], code: str, message: str) -> None:
        self.where, self.code, self.message = where, code, message

    def __str__(self) -> str:
        location = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in self.where).lstrip(".")
        return f"{location or '<body>'}: {self.message}"

    def __repr__(self) -> str:
        return f"SpecViolation({self})"


class SpecChecker:
    """The trimmed spec, loaded once, with one compiled validator per operation and query parameter."""

    def __init__(self, corrected: bool = True) -> None:
        self.spec = load_spec(corrected)
        self.registry: Registry = Registry().with_resource(
            _URI, Resource(contents=self.spec, specification=DRAFT202012)
        )
        self._bodies: dict[tuple[str, str], Draft202012Validator | None] = {}
        self._queries: dict[tuple[str, str], dict[str, tuple[str, Draft202012Validator]]] = {}

    def operation(self, method: str, path: str) -> dict[str, Any]:
        try:
            return self.spec["paths"][path][method]
        except KeyError:
            raise LookupError(
                f"{method.upper()} {path} is not in the trimmed spec: run python -m {__package__}.trim"
            ) from None

    def body_validator(self, method: str, path: str) -> Draft202012Validator | None:
        """The operation's JSON request-body validator, compiled on first use; None if it takes no body."""
        key = (method, path)
        if key not in self._bodies:
            validator = None
            if "requestBody" in self.operation(method, path):
                ref = pointer("paths", path, method, "requestBody", "content", "application/json", "schema")
                validator = Draft202012Validator({"$ref": _URI + ref}, registry=self.registry)
            self._bodies[key] = validator
        return self._bodies[key]

    def query_parameters(self, method: str, path: str) -> dict[str, tuple[str, Draft202012Validator]]:
        """Query parameter name -> (its JSON type, its validator), compiled on first use."""
        key = (method, path)
        if key not in self._queries:
            found = {}
            for i, parameter in enumerate(self.operation(method, path).get("parameters", [])):
                if parameter["in"] == "query":
                    ref = pointer("paths", path, method, "parameters", str(i), "schema")
                    validator = Draft202012Validator({"$ref": _URI + ref}, registry=self.registry)
                    found[parameter["name"]] = (self._json_type(parameter["schema"]), validator)
            self._queries[key] = found
        return self._queries[key]

    def _json_type(self, schema: dict[str, Any]) -> str:
        while "$ref" in schema:
            schema = self.spec["components"]["schemas"][schema["$ref"].removeprefix(_SCHEMAS)]
        kind = schema.get("type", "string")
        return kind if isinstance(kind, str) else next(k for k in kind if k != "null")

    def check(
        self, route: str, params: dict[str, str], query: dict[str, str], body: Any, has_body: bool
    ) -> list[SpecViolation]:
        """How a request the fake routed to ``route`` differs from the spec; [] when it conforms."""
        try:
            method, path = spec_operation(route, params)
            operation = self.operation(method, path)
        except LookupError as error:
            return [SpecViolation([], "NO_SPEC_OPERATION", str(error))]
        violations: list[SpecViolation] = []
        declared = self.query_parameters(method, path)
        for name, raw in query.items():
            if name not in declared:
                violations.append(SpecViolation(["?" + name], "UNKNOWN_QUERY_PARAMETER", "not a parameter"))
                continue
            kind, validator = declared[name]
            violations.extend(_violations(validator.iter_errors(_query_value(raw, kind)), ["?" + name]))
        validator = self.body_validator(method, path)
        if validator is None:
            if has_body:
                violations.append(SpecViolation([], "UNEXPECTED_BODY", "this operation takes no body"))
        elif not has_body:
            if operation["requestBody"].get("required"):
                violations.append(SpecViolation([], "BASE_TYPE_REQUIRED", "a request body is required"))
        else:
            violations.extend(_violations(validator.iter_errors(body), []))
        return violations


def _query_value(raw: str, kind: str) -> Any:
    """A query string value as the JSON value Discord reads it as (booleans: true/false or 1/0)."""
    if kind == "boolean":
        return {"true": True, "1": True, "false": False, "0": False}.get(raw.lower(), raw)
    if kind == "integer" and raw.lstrip("-").isdigit():
        return int(raw)
    return raw


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _describe(error: ValidationError) -> str:
    value, limit, keyword = error.instance, error.validator_value, error.validator
    if keyword in ("maxLength", "maxItems"):
        return f"Must be {limit} or fewer in length (got {len(value)})."
    if keyword in ("minLength", "minItems"):
        return f"Must be {limit} or more in length (got {len(value)})."
    if keyword == "type":
        return f"{_short(value)} is not of type {limit!r}"
    if keyword in ("enum", "const"):
        return f"{_short(value)} is not one of {_short(limit)}"
    message = error.message
    return message if len(message) <= 200 else message[:197] + "..."


def _explain(error: ValidationError, prefix: list[str | int]) -> SpecViolation:
    """One violation for one validation error: where, Discord's code, and a short message.

    For "none of the alternatives matched" it says why the alternative meant did not. Discord's unions
    are told apart by their ``type`` field, so alternatives for another ``type`` (or for null) are set
    aside; of the rest, the one with fewest errors is taken, and its most relevant error (jsonschema's
    relevance: the deepest).
    """
    while error.context:
        branches: dict[Any, list[ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        where = [*prefix, *error.absolute_path]
        consts = [e[0].validator_value for e in branches.values() if len(e) == 1 and _is_const(e[0])]
        if len(consts) == len(branches):  # an enum written as a oneOf of consts
            return SpecViolation(
                where, "BASE_TYPE_CHOICES", f"{_short(error.instance)} is not one of {consts}"
            )
        meant = [errors for errors in branches.values() if not any(map(_wrong_kind, errors))]
        kinds = sorted({v for e in error.context if _wrong_kind(e) for v in _values(e)}, key=_order)
        if not meant and kinds and isinstance(error.instance, dict):
            value = _short(error.instance.get("type"))
            return SpecViolation([*where, "type"], "BASE_TYPE_CHOICES", f"{value} is not one of {kinds}")
        error = min(min(meant or branches.values(), key=len), key=relevance)
    return SpecViolation(
        [*prefix, *error.absolute_path], _CODES.get(str(error.validator), "SPEC_VIOLATION"), _describe(error)
    )


def _order(value: Any) -> tuple[bool, Any]:
    return isinstance(value, str), value


def _is_const(error: ValidationError) -> bool:
    return error.validator == "const" and not error.relative_path


def _wrong_kind(error: ValidationError) -> bool:
    """An alternative of a union that is for another kind of thing: null, or another ``type`` value."""
    at_type = list(error.relative_path) == ["type"] and error.validator in ("enum", "const")
    return at_type or (
        not error.relative_path and error.validator == "type" and error.validator_value == "null"
    )


def _values(error: ValidationError) -> list[Any]:
    if error.validator == "enum":
        return list(error.validator_value)
    return [error.validator_value] if error.validator == "const" else []


def _violations(errors: Iterable[ValidationError], prefix: list[str | int]) -> list[SpecViolation]:
    return [_explain(error, prefix) for error in errors]


@functools.cache
def checker() -> SpecChecker:
    """The process-wide checker: the spec is parsed and each validator compiled once per test run."""
    return SpecChecker()
