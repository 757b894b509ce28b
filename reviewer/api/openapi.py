"""OpenAPI 3 and Swagger 2 documents (YAML or JSON): operations and schemas, with lines."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from reviewer.api.model import Endpoint, Field, Model, Unreadable
from reviewer.api.paths import normalize_path

OPERATIONS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
MARKER = re.compile(
    r"""^(?:["']?(?:openapi|swagger)["']?\s*:|\s*\{?\s*"(?:openapi|swagger)"\s*:)""",
    re.MULTILINE)
MAX_DEPTH = 60


@dataclass
class _Node:
    value: Any  # dict[str, _Node] | list[_Node] | scalar
    line: int
    children: dict[str, _Node] = field(default_factory=dict)

    def get(self, key: str) -> _Node | None:
        return self.children.get(key) if isinstance(self.value, dict) else None

    def text(self, key: str) -> str | None:
        found = self.get(key)
        return found.value if found is not None and isinstance(found.value, str) else None


def looks_like_openapi(text: str) -> bool:
    return MARKER.search(text[:20000]) is not None


def extract(text: str) -> tuple[list[Endpoint], list[Model]] | None:
    """None when the text is not an OpenAPI/Swagger document."""
    root = _parse(text)
    if root is None:
        raise Unreadable("not valid YAML or JSON")
    if not isinstance(root.value, dict) or not (
            root.get("openapi") or root.get("swagger")):
        return None
    return _OpenApi(root).run()


def _parse(text: str) -> _Node | None:
    try:
        import yaml  # PyYAML; without it only JSON documents are read
    except ImportError:
        yaml = None
    node = None
    if yaml is not None:
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            node = None
    if node is not None:
        return _from_yaml(node, node.start_mark.line + 1, 0, {})
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return _from_json(data, text, 0, 1, 0)


def _from_yaml(node: Any, line: int, depth: int, seen: dict[int, _Node]) -> _Node:
    """Aliased nodes are converted once (shared), so alias bombs stay linear."""
    if depth > MAX_DEPTH:
        return _Node(None, line)
    if id(node) in seen:
        return seen[id(node)]
    kind = type(node).__name__
    if kind == "MappingNode":
        children: dict[str, _Node] = {}
        result = seen[id(node)] = _Node(children, line, children)
        for key, value in node.value:
            if type(key).__name__ == "ScalarNode":
                children[str(key.value)] = _from_yaml(value, key.start_mark.line + 1, depth + 1,
                                                      seen)
        return result
    if kind == "SequenceNode":
        items: list[_Node] = []
        result = seen[id(node)] = _Node(items, line)
        items.extend(_from_yaml(item, item.start_mark.line + 1, depth + 1, seen)
                     for item in node.value)
        return result
    value: Any = node.value
    if node.tag.endswith(":bool"):
        value = value.lower() in ("true", "yes", "on")
    return _Node(value, line)


def _from_json(data: Any, text: str, offset: int, line: int, depth: int) -> _Node:
    """JSON PyYAML refused (tabs, escapes): lines found by scanning for each key in order."""
    if depth > MAX_DEPTH:
        return _Node(None, line)
    if isinstance(data, dict):
        children = {}
        position = offset
        for key, value in data.items():
            found = text.find(json.dumps(key, ensure_ascii=False), position)
            if found >= 0:
                position = found
            key_line = text.count("\n", 0, position) + 1
            children[str(key)] = _from_json(value, text, position, key_line, depth + 1)
        return _Node(children, line, children)
    if isinstance(data, list):
        return _Node([_from_json(item, text, offset, line, depth + 1) for item in data], line)
    return _Node(data, line)


def ref_name(ref: str) -> str:
    return ref.rstrip("/").rsplit("/", 1)[-1]


class _OpenApi:
    def __init__(self, root: _Node) -> None:
        self.root = root
        components = root.get("components")
        self.schemas = (components.get("schemas") if components else None) or root.get(
            "definitions")

    def resolve(self, node: _Node | None, depth: int = 0) -> _Node | None:
        """Follow a local `$ref` (`#/components/requestBodies/X`, `#/parameters/Y`)."""
        while node is not None and depth < 10:
            ref = node.text("$ref")
            if ref is None or not ref.startswith("#/"):
                return node
            target: _Node | None = self.root
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                target = target.get(part) if target is not None else None
            node = target
            depth += 1
        return node

    def run(self) -> tuple[list[Endpoint], list[Model]]:
        endpoints: list[Endpoint] = []
        paths = self.root.get("paths")
        for path, item in (paths.children if paths is not None else {}).items():
            item = self.resolve(item)
            if item is None or not isinstance(item.value, dict):
                continue
            shared = item.get("parameters")
            for method, operation in item.children.items():
                if method.lower() not in OPERATIONS or not isinstance(operation.value, dict):
                    continue
                endpoints.append(Endpoint(
                    method.upper(), normalize_path(path),
                    operation.text("operationId") or "<anonymous>", operation.line,
                    self.request_model(operation, shared), self.response_model(operation),
                    "openapi"))
        return endpoints, self.models()

    def request_model(self, operation: _Node, shared: _Node | None) -> str | None:
        body = self.resolve(operation.get("requestBody"))
        if body is not None:
            schema = self._media_schema(body)
            return self.type_of(schema) if schema is not None else None
        for parameters in (operation.get("parameters"), shared):
            for parameter in parameters.value if parameters is not None and isinstance(
                    parameters.value, list) else []:
                parameter = self.resolve(parameter)
                if parameter is not None and parameter.text("in") == "body":
                    schema = parameter.get("schema")
                    return self.type_of(schema) if schema is not None else None
        return None

    def response_model(self, operation: _Node) -> str | None:
        responses = operation.get("responses")
        if responses is None:
            return None
        for code in sorted(responses.children):
            if not code.startswith("2"):
                continue
            response = self.resolve(responses.children[code])
            if response is None:
                continue
            schema = response.get("schema") or self._media_schema(response)
            return self.type_of(schema) if schema is not None else None
        return None

    def _media_schema(self, node: _Node) -> _Node | None:
        content = node.get("content")
        if content is None or not content.children:
            return None
        media = content.get("application/json") or next(
            (v for k, v in content.children.items() if "json" in k), None) or next(
            iter(content.children.values()))
        return media.get("schema")

    def type_of(self, schema: _Node | None, depth: int = 0) -> str:
        if schema is None or not isinstance(schema.value, dict) or depth > 20:
            return "any"
        ref = schema.text("$ref")
        if ref is not None:
            return ref_name(ref)
        for combinator, joiner in (("allOf", " & "), ("oneOf", " | "), ("anyOf", " | ")):
            parts = schema.get(combinator)
            if parts is not None and isinstance(parts.value, list) and parts.value:
                return joiner.join(self.type_of(p, depth + 1) for p in parts.value)
        kind = schema.get("type")
        if kind is not None and isinstance(kind.value, list):
            names = [str(k.value) for k in kind.value]
        elif kind is not None:
            names = [str(kind.value)]
        else:
            names = ["object" if schema.get("properties") else "any"]
        text = " | ".join(
            f"{self.type_of(schema.get('items'), depth + 1)}[]" if name == "array" else name
            for name in names if name != "null")
        nullable = schema.get("nullable")
        if "null" in names or (nullable is not None and nullable.value is True):
            text += " | null"
        return text

    def models(self) -> list[Model]:
        models: list[Model] = []
        if self.schemas is None:
            return models
        for name, schema in self.schemas.children.items():
            if not isinstance(schema.value, dict):
                continue
            values = schema.get("enum")
            if values is not None and isinstance(values.value, list):
                models.append(Model(name, "enum", (), tuple(
                    "null" if v.value is None else str(v.value) for v in values.value),
                    schema.line))
                continue
            fields = self._fields(schema, set())
            models.append(Model(name, "openapi-schema", tuple(fields.values()), (),
                                schema.line))
        return models

    def _fields(self, schema: _Node, seen: set[int]) -> dict[str, Field]:
        if id(schema) in seen or len(seen) > 20:
            return {}
        seen = seen | {id(schema)}
        fields: dict[str, Field] = {}
        parts = schema.get("allOf")
        for part in parts.value if parts is not None and isinstance(parts.value, list) else []:
            target = self.resolve(part)
            if target is not None and isinstance(target.value, dict):
                fields.update(self._fields(target, seen))
        required = schema.get("required")
        names = {str(n.value) for n in required.value} if required is not None and isinstance(
            required.value, list) else set()
        properties = schema.get("properties")
        for prop, value in (properties.children if properties is not None else {}).items():
            fields[prop] = Field(prop, self.type_of(value), prop in names, value.line)
        for prop in names & fields.keys():
            old = fields[prop]
            fields[prop] = Field(old.name, old.type, True, old.line)
        return fields
