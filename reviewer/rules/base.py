"""The rule contract: metadata declared once, a check that yields matches."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from reviewer.model import Category, Confidence, Match, Severity

if TYPE_CHECKING:
    from reviewer.python.module import PythonModule
    from reviewer.text import TextFile


@dataclass(frozen=True, slots=True)
class Example:
    before: str
    after: str


class Rule:
    """Subclass once per rule; discovery finds every concrete subclass in `reviewer.rules`.

    `languages` names what the rule reads: "python" rules get a parsed `PythonModule`,
    "text" rules get the raw text of any text file.
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

    def check_python(self, module: PythonModule) -> Iterable[Match]:
        return ()

    def check_text(self, text: TextFile) -> Iterable[Match]:
        return ()

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
        }
