"""The API contract delta: how the API surface changed between two versions of some files,
and which changes break consumers.

Surfaces come from `reviewer.api.extract_surface` per file; routes and models are matched
across all the files of a change, so a model moved to another module is not "removed".
When the repository has OpenAPI/Swagger documents they are the source of truth and
code-derived surfaces are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from reviewer.api import ApiSurface, Endpoint, Field, Model


@dataclass(frozen=True, slots=True)
class ApiChange:
    change: str  # endpoint-added, endpoint-removed, field-removed, field-renamed, ...
    breaking: bool
    subject: str  # "GET /users/{id}" or "UserCreate.email"
    path: str  # file where it shows (the new file; the old one for removals)
    line: int
    detail: str
    migration_note: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(slots=True)
class _Side:
    endpoints: dict[tuple[str, str], tuple[str, Endpoint]]
    models: dict[str, tuple[str, Model]]


def _collect(surfaces: dict[str, ApiSurface], openapi_only: bool) -> _Side:
    side = _Side(endpoints={}, models={})
    for path, surface in sorted(surfaces.items()):
        if openapi_only and not surface.is_openapi:
            continue
        for endpoint in surface.endpoints:
            side.endpoints.setdefault((endpoint.method, endpoint.path), (path, endpoint))
        for model in surface.models:
            side.models.setdefault(model.name, (path, model))
    return side


def surface_delta(before: dict[str, ApiSurface], after: dict[str, ApiSurface],
                  openapi_only: bool | None = None) -> list[ApiChange]:
    """Changes from `before` to `after` (path -> surface of the files that changed)."""
    if openapi_only is None:
        openapi_only = any(s.is_openapi for s in (*before.values(), *after.values()))
    old, new = _collect(before, openapi_only), _collect(after, openapi_only)
    request_models = {e.request_model for _, e in (*old.endpoints.values(),
                                                   *new.endpoints.values()) if e.request_model}
    response_models = {e.response_model for _, e in (*old.endpoints.values(),
                                                     *new.endpoints.values()) if e.response_model}
    changes: list[ApiChange] = []
    changes += _endpoint_changes(old, new)
    for name in sorted(set(old.models) | set(new.models)):
        changes += _model_changes(name, old.models.get(name), new.models.get(name),
                                  request_models, response_models, old)
    return changes


def _endpoint_changes(old: _Side, new: _Side) -> Iterable[ApiChange]:
    for key in sorted(set(old.endpoints) - set(new.endpoints)):
        path, endpoint = old.endpoints[key]
        subject = f"{endpoint.method} {endpoint.path}"
        yield ApiChange(
            "endpoint-removed", True, subject, path, endpoint.line,
            f"{subject} was removed.",
            f"Clients calling {subject} get 404/405: keep the route (deprecated) until "
            "consumers have moved, or version the API.",
        )
    for key in sorted(set(new.endpoints) - set(old.endpoints)):
        path, endpoint = new.endpoints[key]
        subject = f"{endpoint.method} {endpoint.path}"
        yield ApiChange("endpoint-added", False, subject, path, endpoint.line,
                        f"{subject} was added.", "No action needed by existing consumers.")
    for key in sorted(set(old.endpoints) & set(new.endpoints)):
        (_, before), (path, after) = old.endpoints[key], new.endpoints[key]
        subject = f"{after.method} {after.path}"
        if before.request_model != after.request_model and before.request_model \
                and after.request_model:
            yield ApiChange(
                "request-model-changed", True, subject, path, after.line,
                f"{subject} now takes {after.request_model} instead of "
                f"{before.request_model}.",
                "Check that clients send the fields the new request model requires.",
            )
        if before.response_model != after.response_model and before.response_model \
                and after.response_model:
            yield ApiChange(
                "response-model-changed", True, subject, path, after.line,
                f"{subject} now returns {after.response_model} instead of "
                f"{before.response_model}.",
                "Check that clients only read fields the new response model still has.",
            )


def _model_changes(name: str, before: tuple[str, Model] | None, after: tuple[str, Model] | None,
                   request_models: set[str], response_models: set[str],
                   old: _Side) -> Iterable[ApiChange]:
    if before is None:
        path, model = after
        yield ApiChange("model-added", False, name, path, model.line,
                        f"{name} was added.", "No action needed by existing consumers.")
        return
    if after is None:
        path, model = before
        used = any(name in (e.request_model, e.response_model) for _, e in old.endpoints.values())
        yield ApiChange(
            "model-removed", used, name, path, model.line,
            f"{name} was removed" + (" while an endpoint used it." if used else "."),
            "Consumers of the endpoints that used it must move to the replacement."
            if used else "No action needed if no consumer referenced this model.",
        )
        return
    (_, old_model), (path, new_model) = before, after
    # A model only ever returned tolerates new required fields; one that is (or may be)
    # sent by clients does not.
    is_request = name in request_models or name not in response_models
    old_fields = {f.name: f for f in old_model.fields}
    new_fields = {f.name: f for f in new_model.fields}
    removed = [old_fields[n] for n in old_fields if n not in new_fields]
    added = [new_fields[n] for n in new_fields if n not in old_fields]
    renamed: list[tuple[Field, Field]] = []
    for field in list(removed):
        twin = next((a for a in added if a.type == field.type
                     and a.required == field.required), None)
        if twin is not None and len(removed) == len(added):
            renamed.append((field, twin))
            removed.remove(field)
            added.remove(twin)
    for field, twin in renamed:
        yield ApiChange(
            "field-renamed", True, f"{name}.{field.name}", path, twin.line,
            f"{name}.{field.name} was renamed to {twin.name}.",
            f"Consumers must send/read `{twin.name}` instead of `{field.name}`; accept both "
            "for a release (alias) to migrate without downtime.",
        )
    for field in removed:
        yield ApiChange(
            "field-removed", True, f"{name}.{field.name}", path, new_model.line,
            f"{name}.{field.name} was removed.",
            f"Consumers reading or sending `{field.name}` break; deprecate it first and "
            "remove it once no consumer uses it.",
        )
    for field in added:
        breaking = field.required and is_request
        yield ApiChange(
            "field-added", breaking, f"{name}.{field.name}", path, field.line,
            f"{name}.{field.name} was added ({'required' if field.required else 'optional'}).",
            f"Clients must now send `{field.name}`; give it a default to keep old clients "
            "working." if breaking else "No action needed by existing consumers.",
        )
    for field_name in sorted(set(old_fields) & set(new_fields)):
        was, now = old_fields[field_name], new_fields[field_name]
        subject = f"{name}.{field_name}"
        if _normal(was.type) != _normal(now.type):
            yield ApiChange(
                "field-type-changed", True, subject, path, now.line,
                f"{subject} changed type from {was.type} to {now.type}.",
                f"Consumers parsing `{field_name}` as {was.type} break; add a new field "
                "instead of changing the type of an existing one.",
            )
        elif not was.required and now.required and is_request:
            yield ApiChange(
                "field-became-required", True, subject, path, now.line,
                f"{subject} became required.",
                f"Clients that omit `{field_name}` are now rejected; keep it optional with a "
                "default.",
            )
        elif was.required and not now.required:
            yield ApiChange(
                "field-became-optional", name in response_models, subject, path, now.line,
                f"{subject} became optional.",
                "Consumers reading it must handle its absence."
                if name in response_models else "No action needed by existing consumers.",
            )
    removed_values = [v for v in old_model.enum_values if v not in new_model.enum_values]
    added_values = [v for v in new_model.enum_values if v not in old_model.enum_values]
    for value in removed_values:
        yield ApiChange(
            "enum-value-removed", True, f"{name}.{value}", path, new_model.line,
            f"{name} no longer accepts `{value}`.",
            f"Clients sending `{value}` are rejected and stored `{value}` values can no longer "
            "be returned; migrate the data and clients first.",
        )
    for value in added_values:
        yield ApiChange("enum-value-added", False, f"{name}.{value}", path, new_model.line,
                        f"{name} gained `{value}`.",
                        "Consumers with exhaustive handling should learn the new value.")


def _normal(type_text: str) -> str:
    """Type text without spaces and without the optionality (tracked by `required`)."""
    text = "".join(type_text.split())
    text = re.sub(r"^Optional\[(.*)\]$", r"\1", text)
    return re.sub(r"\|None$|^None\|", "", text)
