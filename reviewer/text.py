"""A text file as the text rules see it: its lines, decoded once."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class TextFile:
    path_suffix: str
    text: str

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()
