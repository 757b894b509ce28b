"""The rule contract: metadata declared once, checks that yield matches."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from reviewer.model import Category, Confidence, Match, Severity

if TYPE_CHECKING:
    from reviewer.config import ReviewConfig
    from reviewer.files import FileKind
    from reviewer.python.module import PythonModule
    from reviewer.text import TextFile

LANGUAGES = ("python", "shell", "makefile", "dockerfile", "yaml", "markdown", "dotenv",
             "toml", "text")


@dataclass(frozen=True, slots=True)
class Example:
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class ChangedFile:
    """What commit-level rules see of one file a commit touched."""

    path: str
    status: str  # A, M, D, R, C, T
    kind: FileKind
    first_added_line: int | None
    additions: int = 0


@dataclass(frozen=True, slots=True)
class CommitMatch:
    rule_id: str
    path: str
    line: int
    message: str


class Rule:
    """Subclass once per rule; discovery finds every concrete subclass in `reviewer.rules`.

    `languages` says which files the rule reads. A "python" rule gets a parsed
    `PythonModule` in `check_python`; the other languages get a `TextFile` in
    `check_text`; "text" means every text file whatever its language.
    `skip_roles` lists file roles (test, migration, settings, script) it never reports in.
    `ruff_codes` maps ruff's checks onto this rule: ruff runs in batches and its matches
    are reported under this rule's id, severity and fix text.
    """

    id: ClassVar[str]
    title: ClassVar[str]
    severity: ClassVar[Severity]
    confidence: ClassVar[Confidence] = Confidence.HIGH
    category: ClassVar[Category]
    cwe: ClassVar[int | None] = None
    languages: ClassVar[tuple[str, ...]]
    rationale: ClassVar[str]
    fix: ClassVar[str]
    example: ClassVar[Example | None] = None
    references: ClassVar[tuple[str, ...]] = ()
    skip_roles: ClassVar[tuple[str, ...]] = ()
    ruff_codes: ClassVar[tuple[str, ...]] = ()
    # Project-specific settings with their defaults; `.reviewer.toml` [rules.<id>] overrides.
    settings: ClassVar[dict] = {}

    def applies_to(self, kind: FileKind) -> bool:
        if kind.role in self.skip_roles:
            return False
        return kind.language in self.languages or "text" in self.languages

    def check_python(self, module: PythonModule) -> Iterable[Match]:
        return ()

    def check_text(self, text: TextFile) -> Iterable[Match]:
        return ()

    def check_commit(self, files: list[ChangedFile], config: ReviewConfig) -> Iterable[CommitMatch]:
        return ()

    @property
    def is_commit_rule(self) -> bool:
        return type(self).check_commit is not Rule.check_commit

    @classmethod
    def metadata(cls) -> dict:
        return {
            "id": cls.id,
            "title": cls.title,
            "severity": str(cls.severity),
            "confidence": str(cls.confidence),
            "category": str(cls.category),
            "cwe": cls.cwe,
            "languages": list(cls.languages),
            "rationale": cls.rationale,
            "fix": cls.fix,
            "example": (
                {"before": cls.example.before, "after": cls.example.after}
                if cls.example
                else None
            ),
            "references": list(cls.references),
            "ruff_codes": list(cls.ruff_codes),
            "settings": dict(cls.settings),
        }
