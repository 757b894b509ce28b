"""The API surface of one file: its HTTP endpoints and the models they exchange.

`extract_surface(path, text)` reads one file version; diffing two versions and classifying
breaking changes happens elsewhere. Supported: FastAPI, Flask, Django URLconfs, pydantic,
dataclasses and enums (Python); Express, Fastify, Koa router, Hono, NestJS, Next.js routes,
TS interfaces/types/enums and zod schemas (JavaScript/TypeScript); net/http, gin, echo, chi,
gorilla/mux and fiber routes, json-tagged structs and typed const enums (Go); OpenAPI 3 and
Swagger 2 documents (YAML/JSON).
"""

from __future__ import annotations

import re

from reviewer.api.model import EMPTY, ApiSurface, Endpoint, Field, Model, Unreadable, surface
from reviewer.files import kind_of

__all__ = ["ApiSurface", "Endpoint", "Field", "Model", "extract_surface", "try_extract_surface"]

# Test files declare routes and models for their own use, not the service's surface.
_TEST_FILE = re.compile(r"(^|/)(test_[^/]*\.py|[^/]*_test\.py|conftest\.py|[^/]*_test\.go|"
                        r"[^/]*\.(test|spec)\.[cm]?[jt]sx?)$")

# Text a file must contain to be worth parsing at all, per language: a cheap prefilter.
_HINTS = {
    "python": ("BaseModel", "Enum", "dataclass", "route", "path(", "url(", "include_router",
               ".get(", ".post(", ".put(", ".patch(", ".delete(", ".head(", ".options(",
               ".trace(", "websocket", "add_url_rule", "add_api_route", "add_resource",
               "SQLModel", "Schema", "Model", ".register("),
    "javascript": ("get(", "post(", "put(", "patch(", "delete(", "route(", "all(", "del(",
                   "head(", "options(", "z.", "zod", "@Controller", "export", "interface",
                   "enum", "type ", "class"),
    "go": ("struct", "Handle", "Method", "GET", "POST", "PUT", "PATCH", "DELETE", "Get(",
           "Post(", "Put(", "Patch(", "Delete(", "All(", "Any(", "Route(", "const"),
}
_HINTS["typescript"] = _HINTS["javascript"]


def extract_surface(path: str, text: str) -> ApiSurface:
    """Endpoints and models declared in one file; never raises (empty when unreadable)."""
    found = try_extract_surface(path, text)
    return EMPTY if found is None else found


def try_extract_surface(path: str, text: str) -> ApiSurface | None:
    """Like `extract_surface`, but None when the file cannot be read (syntax errors, binary
    content), so a diff can tell "unknown" from "no API here"."""
    try:
        return _extract(path, text)
    except Exception:  # noqa: BLE001 - a surface is best-effort; any failure means unknown
        return None


def _extract(path: str, text: str) -> ApiSurface:
    if not isinstance(text, str) or "\x00" in text:
        raise Unreadable(path)
    if not text.strip() or _TEST_FILE.search(path.replace("\\", "/").lower()):
        return EMPTY
    kind = kind_of(path)
    language = kind.language
    if language in ("yaml", "json") or path.lower().endswith((".yml", ".yaml", ".json")):
        from reviewer.api import openapi

        if not openapi.looks_like_openapi(text):
            return EMPTY
        found = openapi.extract(text)
        if found is None:
            return EMPTY
        return surface(*found, is_openapi=True)
    hints = _HINTS.get(language)
    if hints is None or not any(hint in text for hint in hints):
        return EMPTY
    if language == "python":
        from reviewer.api import python

        return surface(*python.extract(text))
    if language in ("javascript", "typescript"):
        from reviewer.api import javascript

        return surface(*javascript.extract(path, text, kind))
    from reviewer.api import golang

    return surface(*golang.extract(text, kind))
