"""api/openapi.yaml, the description of the Tink API, and its reading for the reference page.

The page is rendered on the server from the same document that the tests hold the API to
(tests/api/test_openapi.py), so it can't drift from what the API answers. Swagger UI and
Redoc were left out: both are browser apps that need inline styles, which the console's
Content-Security-Policy refuses, and the document has three operations.
"""

import json
import re
from dataclasses import dataclass, field
from functools import cache
from http import HTTPStatus
from pathlib import Path

import yaml
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PATH = Path(__file__).resolve().parent / "openapi.yaml"
METHODS = ("get", "post", "put", "patch", "delete", "head")
CODE = re.compile(r"`([^`]+)`")


@cache
def text() -> str:
    return PATH.read_text(encoding="utf-8")


@cache
def document() -> dict:
    return yaml.safe_load(text())


def prose(markdown: str | None) -> list[SafeString]:
    """The document's descriptions as HTML paragraphs: CommonMark's blank-line paragraphs and
    `code` spans, the only Markdown it uses; everything else is escaped."""
    paragraphs = re.split(r"\n\s*\n", (markdown or "").strip())
    return [
        mark_safe(CODE.sub(r"<code>\1</code>", escape(" ".join(p.split()))))  # noqa: S308 - escaped
        for p in paragraphs
        if p.strip()
    ]


def _resolve(node: dict, spec: dict) -> dict:
    while isinstance(node, dict) and "$ref" in node:
        _, *parts = node["$ref"].split("/")  # "#/components/schemas/Name"
        target = spec
        for part in parts:
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _merged(schema: dict, spec: dict) -> dict:
    """A schema with its allOf parts folded in (later parts narrow earlier properties)."""
    schema = _resolve(schema, spec)
    if "allOf" not in schema:
        return schema
    merged: dict = {k: v for k, v in schema.items() if k != "allOf"}
    for part in schema["allOf"]:
        part = _merged(part, spec)
        for key, value in part.items():
            if key == "properties":
                properties = dict(merged.get("properties", {}))
                for name, item in value.items():
                    properties[name] = {**_resolve(properties.get(name, {}), spec), **item}
                merged["properties"] = properties
            elif key == "required":
                merged["required"] = [*merged.get("required", []), *value]
            else:
                merged.setdefault(key, value)
    return merged


@dataclass
class Field:
    name: str
    kind: str
    required: bool
    description: list[SafeString]
    rules: list[tuple[str, str]]  # ("one of", "a, b"), ("pattern", "^…$"), ("always", "1800")


@dataclass
class Shape:
    """A body: its fields, or for a oneOf the alternatives, each a list of fields."""

    fields: list[Field] = field(default_factory=list)
    alternatives: list[tuple[str, list[Field]]] = field(default_factory=list)


def _kind(schema: dict) -> str:
    if "const" in schema:
        return {bool: "boolean", int: "integer"}.get(type(schema["const"]), "string")
    return schema.get("type", "string")


def _rules(schema: dict) -> list[tuple[str, str]]:
    rules = []
    if "const" in schema:
        rules.append(("Always", json.dumps(schema["const"])))
    elif "enum" in schema:  # a const narrows the enum it is folded onto (allOf)
        rules.append(("One of", ", ".join(str(value) for value in schema["enum"])))
    if "minimum" in schema:
        rules.append(("At least", str(schema["minimum"])))
    if "maxLength" in schema:
        rules.append(("At most, characters", str(schema["maxLength"])))
    if "pattern" in schema:
        rules.append(("Pattern", schema["pattern"]))
    for example in schema.get("examples", [])[:1]:
        rules.append(("Example", str(example)))
    return rules


def _fields(schema: dict, spec: dict, prefix: str = "") -> list[Field]:
    schema = _merged(schema, spec)
    required = set(schema.get("required", []))
    rows = []
    for name, item in schema.get("properties", {}).items():
        item = _merged(item, spec)
        kind = _kind(item)
        if kind == "array":
            items = _merged(item.get("items", {}), spec)
            rows.append(
                Field(
                    f"{prefix}{name}",
                    f"array of {_kind(items)}s",
                    name in required,
                    prose(item.get("description")),
                    [("At least, items", str(item["minItems"]))] if "minItems" in item else [],
                )
            )
            rows += _fields(items, spec, f"{prefix}{name}[].")
            continue
        rows.append(
            Field(
                f"{prefix}{name}",
                kind,
                name in required,
                prose(item.get("description")),
                _rules(item),
            )
        )
    return rows


def _shape(schema: dict, spec: dict) -> Shape:
    schema = _resolve(schema, spec)
    if "oneOf" in schema:
        alternatives = []
        for option in schema["oneOf"]:
            name = option.get("$ref", "").rsplit("/", 1)[-1]
            alternatives.append((name, _fields(option, spec)))
        return Shape(alternatives=alternatives)
    return Shape(fields=_fields(schema, spec))


@dataclass
class Response:
    status: str
    phrase: str  # HTTP's reason phrase: "Bad Request"
    description: list[SafeString]
    content_type: str
    body: Shape
    headers: list[Field]


@dataclass
class Operation:
    anchor: str
    method: str
    path: str
    summary: str
    description: list[SafeString]
    authentication: list[SafeString]
    content_type: str
    request: Shape | None
    responses: list[Response]


def _authentication(operation: dict, spec: dict) -> list[SafeString]:
    security = operation.get("security", spec.get("security", []))
    if not security:
        return prose("None: anyone may call it.")
    if {} in security:
        schemes = spec["components"]["securitySchemes"]
        named = [name for requirement in security for name in requirement]
        return [p for name in named for p in prose(schemes[name].get("description"))]
    return []


def _response(status: str, response: dict, spec: dict) -> Response:
    response = _resolve(response, spec)
    content_type, media = next(iter(response.get("content", {}).items()), ("", {}))
    headers = [
        Field(
            name,
            _kind(_resolve(header, spec).get("schema", {})),
            _resolve(header, spec).get("required", False),
            prose(_resolve(header, spec).get("description")),
            _rules(_resolve(header, spec).get("schema", {})),
        )
        for name, header in response.get("headers", {}).items()
    ]
    return Response(
        status=status,
        phrase=HTTPStatus(int(status)).phrase,
        description=prose(response.get("description")),
        content_type=content_type,
        body=_shape(media.get("schema", {}), spec) if media else Shape(),
        headers=headers,
    )


def reference() -> dict:
    """What the reference page shows: the document's introduction and each operation."""
    spec = document()
    operations = []
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method not in item:
                continue
            operation = item[method]
            body = operation.get("requestBody", {}).get("content", {})
            content_type, media = next(iter(body.items()), ("", {}))
            operations.append(
                Operation(
                    anchor=operation.get("operationId", f"{method}-{path}"),
                    method=method.upper(),
                    path=path,
                    summary=operation.get("summary", ""),
                    description=prose(operation.get("description")),
                    authentication=_authentication(operation, spec),
                    content_type=content_type,
                    request=_shape(media["schema"], spec) if media else None,
                    responses=[
                        _response(status, response, spec)
                        for status, response in operation["responses"].items()
                    ],
                )
            )
    return {
        "title": spec["info"]["title"],
        "summary": spec["info"].get("summary", ""),
        "description": prose(spec["info"].get("description")),
        "version": spec["info"].get("version", ""),
        "operations": operations,
    }
