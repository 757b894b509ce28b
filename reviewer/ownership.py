"""Who a path belongs to: its service (from .reviewer.toml or the monorepo layout) and its
owners (from CODEOWNERS, GitHub/GitLab semantics: the last matching pattern wins)."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass

from reviewer.config import ReviewConfig

MONOREPO_ROOTS = ("services", "apps", "packages", "cmd")
CODEOWNERS_PATHS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")


def service_for(path: str, config: ReviewConfig) -> str | None:
    """The configured service, else the first directory under services/, apps/, packages/
    or cmd/; None means "the repository itself"."""
    configured = config.service_for(path)
    if configured:
        return configured
    parts = path.split("/")
    if len(parts) > 2 and parts[0] in MONOREPO_ROOTS:
        return parts[1]
    return None


@dataclass(frozen=True)
class CodeOwners:
    rules: tuple[tuple[re.Pattern, tuple[str, ...]], ...]

    @classmethod
    def parse(cls, text: str) -> CodeOwners:
        rules = []
        for raw in text.splitlines():
            line = raw.split("#", 1)[0].strip()
            if not line or line.startswith("["):  # GitLab sections
                continue
            pattern, *owners = line.split()
            rules.append((_compile(pattern), tuple(owners)))
        return cls(tuple(rules))

    def owners_for(self, path: str) -> tuple[str, ...]:
        found: tuple[str, ...] = ()
        for pattern, owners in self.rules:
            if pattern.search(path):
                found = owners
        return found


def _compile(pattern: str) -> re.Pattern:
    """A CODEOWNERS (gitignore-style) pattern as a regular expression over repo paths."""
    anchored = pattern.startswith("/") or "/" in pattern.rstrip("/")
    body = pattern.strip("/")
    directory = pattern.endswith("/")
    regex = fnmatch.translate(body).removesuffix(r"\Z").replace(".*", "[^/]*")
    regex = regex.replace("[^/]*[^/]*", ".*")  # `**` spans directories
    prefix = "^" if anchored else r"(^|.*/)"
    suffix = "/.*$" if directory else r"(/.*)?$"
    return re.compile(prefix + regex.removeprefix("(?s:").removesuffix(")") + suffix)
