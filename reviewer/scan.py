"""Review files as they are on disk (no history): `reviewer scan PATH`."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from reviewer.analysis import analyze_batch, findings_for
from reviewer.cache import BlobCache
from reviewer.config import DEFAULT_CONFIG, ReviewConfig
from reviewer.files import kind_of, vendored_reason
from reviewer.model import Finding, Skip

SKIP_DIRS = {".git", ".hg", ".svn", "__pycache__", ".mypy_cache", ".ruff_cache",
             ".pytest_cache", ".tox", ".nox"}
BATCH_FILES = 500
MAX_READ = 1_000_001


@dataclass(slots=True)
class ScanResult:
    findings: list[Finding] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)
    files_analyzed: int = 0


def iter_files(root: Path) -> Iterator[tuple[str, Path]]:
    """(relative posix path, absolute path) of every regular file, in a stable order."""
    if root.is_file():
        yield root.name, root
        return
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for name in sorted(files):
            path = Path(directory) / name
            if path.is_symlink() or not path.is_file():
                continue
            yield path.relative_to(root).as_posix(), path


def scan(root: Path, config: ReviewConfig = DEFAULT_CONFIG,
         cache: BlobCache | None = None) -> ScanResult:
    result = ScanResult()
    files = iter_files(root)
    while batch := list(islice(files, BATCH_FILES)):
        items: dict[str, tuple[str, bytes]] = {}
        paths: dict[str, str] = {}
        for relative, path in batch:
            reason = ("excluded by .reviewer.toml" if config.is_excluded(relative)
                      else vendored_reason(relative))
            if reason:
                result.skips.append(Skip(relative, reason))
                continue
            try:
                with path.open("rb") as handle:
                    data = handle.read(MAX_READ)
            except OSError as error:
                result.skips.append(Skip(relative, f"cannot read: {error.strerror}"))
                continue
            key = f"{hashlib.sha1(data).hexdigest()}:{kind_of(relative).key}"  # noqa: S324
            items[relative] = (relative, data)
            paths[relative] = key
        cached = {rel: cache.get(key) for rel, key in paths.items()} if cache else {}
        todo = {rel: item for rel, item in items.items() if cached.get(rel) is None}
        fresh = analyze_batch(todo, config)
        result.files_analyzed += len(todo)
        if cache is not None:
            cache.put_many({paths[rel]: analysis for rel, analysis in fresh.items()})
        for relative in items:
            analysis = fresh.get(relative) or cached[relative]
            if analysis.skip_reason:
                result.skips.append(Skip(relative, analysis.skip_reason))
                continue
            result.skips.extend(Skip(relative, error) for error in analysis.errors)
            result.findings.extend(findings_for(relative, analysis, config))
    return result
