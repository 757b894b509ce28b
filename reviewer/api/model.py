"""The API surface of one file: endpoints and the models that travel over the wire."""

from __future__ import annotations

from dataclasses import dataclass

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT")


@dataclass(frozen=True)
class Field:
    name: str  # wire name: JSON tag, pydantic alias, quoted TS key without quotes
    type: str  # normalized type text: "int", "list[Item]", "string", "*int"
    required: bool
    line: int


@dataclass(frozen=True)
class Model:
    name: str
    # pydantic, dataclass, ts-interface, ts-type, zod, go-struct, enum, openapi-schema
    kind: str
    fields: tuple[Field, ...]
    enum_values: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class Endpoint:
    method: str  # GET, POST, ...; ANY when one handler serves every method
    path: str  # normalized: "/users/{id}", prefixes joined where statically known
    handler: str  # handler name ("list_users", "controller.list") or "<anonymous>"
    line: int
    request_model: str | None
    response_model: str | None
    framework: str


@dataclass(frozen=True)
class ApiSurface:
    endpoints: tuple[Endpoint, ...]
    models: tuple[Model, ...]
    is_openapi: bool = False


class Unreadable(Exception):  # noqa: N818 - a state, not an error the caller fixes
    """The file does not parse: its surface is unknown, not empty."""


EMPTY = ApiSurface(endpoints=(), models=())


def surface(endpoints: list[Endpoint], models: list[Model], is_openapi: bool = False
            ) -> ApiSurface:
    """Deduplicated, in source order."""
    unique_endpoints = sorted(set(endpoints), key=lambda e: (e.line, e.path, e.method,
                                                             e.handler))
    seen: set[str] = set()
    unique_models = []
    for model in sorted(models, key=lambda m: (m.line, m.name)):
        if model.name not in seen:
            seen.add(model.name)
            unique_models.append(model)
    return ApiSurface(tuple(unique_endpoints), tuple(unique_models), is_openapi)


def dump_surface(value: ApiSurface | None) -> str:
    """JSON for the blob cache; None (unreadable) is kept as null."""
    import json
    from dataclasses import asdict

    return json.dumps(None if value is None else asdict(value))


def load_surface(payload: str) -> ApiSurface | None:
    import json

    data = json.loads(payload)
    if data is None:
        return None
    return ApiSurface(
        endpoints=tuple(Endpoint(**e) for e in data["endpoints"]),
        models=tuple(
            Model(name=m["name"], kind=m["kind"], line=m["line"],
                  fields=tuple(Field(**f) for f in m["fields"]),
                  enum_values=tuple(m["enum_values"]))
            for m in data["models"]
        ),
        is_openapi=data["is_openapi"],
    )
