"""ruff as an analyzer: one process over a whole batch of files, never one per commit."""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath


@dataclass(frozen=True, slots=True)
class RuffResult:
    code: str
    line: int
    end_line: int
    message: str


@cache
def ruff_binary() -> str | None:
    try:
        from ruff.__main__ import find_ruff_bin
    except ImportError:
        return None
    try:
        return str(find_ruff_bin())
    except FileNotFoundError:
        return None


@cache
def ruff_version() -> str:
    binary = ruff_binary()
    if binary is None:
        return "none"
    return subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()


class RuffBatch:
    """Writes the batch to a temporary directory and starts ruff at once; `results()` waits.

    Starting first and collecting later lets ruff run on the second core while the
    engine's own rules run in this process.
    """

    def __init__(self, files: dict[str, tuple[str, str]], codes: list[str]) -> None:
        # files: key -> (original path, text)
        self.keys: dict[str, str] = {}
        self.process: subprocess.Popen | None = None
        self.tmp: tempfile.TemporaryDirectory | None = None
        binary = ruff_binary()
        if not files or not codes or binary is None:
            return
        self.tmp = tempfile.TemporaryDirectory(prefix="reviewer-ruff-")
        root = Path(self.tmp.name)
        for index, (key, (path, text)) in enumerate(files.items()):
            # Keep the base name: some checks care about `__init__.py` or `conftest.py`.
            target = root / str(index) / PurePosixPath(path).name
            target.parent.mkdir()
            target.write_text(text, encoding="utf-8")
            self.keys[str(target)] = key
        self.process = subprocess.Popen(
            [binary, "check", "--isolated", "--no-cache", "--exit-zero", "--quiet",
             "--output-format", "json", "--target-version", "py313",
             "--select", ",".join(sorted(codes)), str(root)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )

    def results(self) -> dict[str, list[RuffResult]]:
        found: dict[str, list[RuffResult]] = {}
        if self.process is None:
            return found
        try:
            stdout, _ = self.process.communicate()
            for item in json.loads(stdout or b"[]"):
                key = self.keys.get(item.get("filename", ""))
                if key is None or not item.get("code"):
                    continue
                found.setdefault(key, []).append(RuffResult(
                    code=item["code"],
                    line=item["location"]["row"],
                    end_line=item["end_location"]["row"],
                    message=item["message"],
                ))
        finally:
            if self.tmp is not None:
                self.tmp.cleanup()
        return found
