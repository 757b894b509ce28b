"""A text file as the text rules see it: its kind and its lines, decoded once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reviewer.config import ReviewConfig
    from reviewer.files import FileKind


@dataclass(slots=True)
class TextFile:
    kind: FileKind
    text: str
    config: ReviewConfig | None = None
    lines: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.lines = self.text.splitlines()

    def settings(self, rule_id: str, defaults: dict) -> dict:
        if self.config is None:
            return defaults
        return self.config.rule_settings(rule_id, defaults)
