"""The rule contract: metadata declared once, checks that yield matches."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from reviewer.model import Category, Confidence, Match, Severity

if TYPE_CHECKING:
    from reviewer.config import ReviewConfig
    from reviewer.files import FileKind
    from reviewer.python.module import PythonModule
    from reviewer.text import TextFile
    from reviewer.treesitter import TreeModule

LANGUAGES = ("python", "javascript", "typescript", "go", "sql", "shell", "makefile",
             "dockerfile", "yaml", "markdown", "dotenv", "toml", "json", "text")
PARSED_LANGUAGES = frozenset({"python", "javascript", "typescript", "go"})

# rule id -> language -> check(rule, module_or_text) -> matches. Lets one rule (one id, one
# metadata) cover more languages with checks written in other modules, e.g.
# `reviewer/rules/golang/sql_injection.py` registering Go for `sql-injection`.
_LANGUAGE_CHECKS: dict[str, dict[str, Callable]] = {}


def language_check(rule_id: str, *languages: str) -> Callable:
    """Register the decorated `check(rule, module)` as `rule_id`'s check for `languages`.

    For javascript, typescript and go the module is a `TreeModule`; for languages without
    a grammar (sql, yaml, ...) it is a `TextFile`.
    """

    def decorate(check: Callable) -> Callable:
        for language in languages:
            if language not in LANGUAGES:
                raise ValueError(f"unknown language {language!r} for {rule_id}")
            registered = _LANGUAGE_CHECKS.setdefault(rule_id, {})
            if language in registered and registered[language] is not check:
                raise RuntimeError(f"{rule_id} already has a {language} check")
            registered[language] = check
        return check

    return decorate


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

    @classmethod
    def supported_languages(cls) -> tuple[str, ...]:
        return tuple(dict.fromkeys([*cls.languages, *_LANGUAGE_CHECKS.get(cls.id, {})]))

    def applies_to(self, kind: FileKind) -> bool:
        if kind.role in self.skip_roles:
            return False
        return kind.language in self.supported_languages() or "text" in self.languages

    def has_check_for(self, language: str) -> bool:
        return language in _LANGUAGE_CHECKS.get(self.id, {})

    def wants_text(self, kind: FileKind) -> bool:
        """Whether `check_text` should run on a file of this kind."""
        if kind.language not in PARSED_LANGUAGES and self.has_check_for(kind.language):
            return True
        if type(self).check_text is Rule.check_text:
            return False
        if "text" in self.languages:
            return True
        return kind.language in self.languages and kind.language not in PARSED_LANGUAGES

    def wants_tree(self, kind: FileKind) -> bool:
        return self.has_check_for(kind.language) or (
            type(self).check_tree is not Rule.check_tree and kind.language in self.languages
        )

    def check_python(self, module: PythonModule) -> Iterable[Match]:
        return ()

    def check_text(self, text: TextFile) -> Iterable[Match]:
        check = _LANGUAGE_CHECKS.get(self.id, {}).get(text.kind.language)
        return check(self, text) if check else ()

    def check_tree(self, module: TreeModule) -> Iterable[Match]:
        check = _LANGUAGE_CHECKS.get(self.id, {}).get(module.language)
        return check(self, module) if check else ()

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
            "languages": list(cls.supported_languages()),
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
