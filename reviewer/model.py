"""The engine's vocabulary: rules, what they match, findings, and skipped files."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Severity(enum.StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


class Category(enum.StrEnum):
    SECURITY = "security"
    CORRECTNESS = "correctness"
    DATA = "data"
    RELIABILITY = "reliability"
    PERFORMANCE = "performance"
    API_CONTRACT = "api-contract"
    OBSERVABILITY = "observability"
    TESTING = "testing"
    CONVENTIONS = "conventions"


class Confidence(enum.StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True, slots=True)
class Match:
    """One place a rule fired in one file content (a blob); knows nothing of paths or commits."""

    rule_id: str
    line: int
    end_line: int
    message: str
    # Normalized source of the flagged statement and the qualified name of the enclosing
    # scope: together with the rule and path they identify the finding across line moves.
    code: str
    scope: str = ""
    # Set when the code carries `# reviewer: ignore[RULE-ID] reason`: the reason given.
    suppressed: str | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    rule_id: str
    path: str
    line: int
    end_line: int
    message: str
    fingerprint: str
    code: str
    scope: str = ""
    severity: str = ""
    suppressed: str | None = None


@dataclass(frozen=True, slots=True)
class Skip:
    path: str
    reason: str


@dataclass(slots=True)
class FileAnalysis:
    """What the engine learned from one blob: its matches, or why it could not be analyzed."""

    matches: list[Match] = field(default_factory=list)
    skip_reason: str | None = None
    # Rules that crashed on this file: the other rules' matches are kept.
    errors: list[str] = field(default_factory=list)
