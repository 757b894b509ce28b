"""The rule catalogue, found by walking this package: a new rule module is picked up by itself."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from functools import cache

from reviewer.rules.base import Rule


@cache
def all_rules() -> tuple[Rule, ...]:
    found: dict[str, Rule] = {}
    for info in pkgutil.walk_packages(__path__, prefix=f"{__name__}."):
        if info.name.rsplit(".", 1)[-1] == "base":
            continue
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Rule) and cls is not Rule and cls.__module__ == module.__name__:
                if cls.id in found:
                    raise RuntimeError(f"rule id {cls.id} declared twice")
                found[cls.id] = cls()
    return tuple(sorted(found.values(), key=lambda rule: rule.id))


def rule_by_id(rule_id: str) -> Rule | None:
    return next((rule for rule in all_rules() if rule.id == rule_id), None)
