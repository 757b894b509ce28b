"""Per-repository configuration: `.reviewer.toml` at the reviewed repository's root.

    [reviewer]
    disable = ["print-in-server-code"]          # rule ids never reported
    exclude = ["docs/**", "scripts/legacy/*"]   # path globs never analyzed

    [reviewer.severity]                         # severity overrides
    missing-timeout = "high"

    [reviewer.services]                         # path glob -> service name
    "services/billing/**" = "billing"

    [rules.quota-check-order]                   # a rule's own settings
    protected_calls = ["run_ocr", "sync_pages"]

A malformed file raises ConfigError with a message fit for the repository page; callers
fall back to the defaults.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import tomllib
from dataclasses import dataclass, field

CONFIG_FILE = ".reviewer.toml"
SEVERITIES = ("critical", "high", "medium", "low")


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class ReviewConfig:
    disabled: frozenset[str] = frozenset()
    excludes: tuple[str, ...] = ()
    severity_overrides: dict[str, str] = field(default_factory=dict)
    services: dict[str, str] = field(default_factory=dict)
    rules: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str, known_rules: set[str] | None = None) -> ReviewConfig:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{CONFIG_FILE} is not valid TOML: {error}") from error
        section = data.get("reviewer", {})
        rules = data.get("rules", {})
        if not isinstance(section, dict) or not isinstance(rules, dict):
            raise ConfigError(f"{CONFIG_FILE}: [reviewer] and [rules] must be tables")
        unknown = set(section) - {"disable", "exclude", "severity", "services"}
        if unknown:
            raise ConfigError(f"{CONFIG_FILE}: unknown key(s) in [reviewer]: "
                              f"{', '.join(sorted(unknown))}")
        disabled = _string_list(section.get("disable", []), "reviewer.disable")
        excludes = _string_list(section.get("exclude", []), "reviewer.exclude")
        severity = section.get("severity", {})
        services = section.get("services", {})
        for name, table in (("reviewer.severity", severity), ("reviewer.services", services)):
            if not isinstance(table, dict) or not all(
                isinstance(v, str) for v in table.values()
            ):
                raise ConfigError(f"{CONFIG_FILE}: [{name}] must map names to strings")
        bad = {k: v for k, v in severity.items() if v not in SEVERITIES}
        if bad:
            raise ConfigError(f"{CONFIG_FILE}: severity must be one of {', '.join(SEVERITIES)}; "
                              f"got {bad}")
        if known_rules is not None:
            named = set(disabled) | set(severity) | set(rules)
            strangers = named - known_rules
            if strangers:
                raise ConfigError(f"{CONFIG_FILE}: unknown rule id(s): "
                                  f"{', '.join(sorted(strangers))}")
        if not all(isinstance(v, dict) for v in rules.values()):
            raise ConfigError(f"{CONFIG_FILE}: each [rules.<id>] must be a table")
        return cls(
            disabled=frozenset(disabled),
            excludes=tuple(excludes),
            severity_overrides=dict(severity),
            services=dict(services),
            rules={k: dict(v) for k, v in rules.items()},
        )

    def rule_settings(self, rule_id: str, defaults: dict) -> dict:
        return {**defaults, **self.rules.get(rule_id, {})}

    def is_excluded(self, path: str) -> bool:
        return any(fnmatch.fnmatch(path, pattern) for pattern in self.excludes)

    def service_for(self, path: str) -> str | None:
        for pattern, service in self.services.items():
            if fnmatch.fnmatch(path, pattern):
                return service
        return None

    @property
    def analysis_key(self) -> str:
        """What changes blob analyses (rule settings and disabled rules), for cache keys."""
        payload = json.dumps({"rules": self.rules, "disabled": sorted(self.disabled)},
                             sort_keys=True, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _string_list(value, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{CONFIG_FILE}: {name} must be a list of strings")
    return value


DEFAULT_CONFIG = ReviewConfig()
