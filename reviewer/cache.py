"""Blob analyses keyed by (blob id, file kind), kept in memory and optionally on disk.

The disk cache lives under the user cache directory ($XDG_CACHE_HOME, else ~/.cache) in a
file named after the engine fingerprint and the configuration, so a changed engine or
config starts cold instead of reusing stale results.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from functools import cache
from pathlib import Path

from reviewer.model import FileAnalysis, Match
from reviewer.tools.ruff import ruff_version


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "reviewer"


@cache
def engine_fingerprint() -> str:
    """Changes whenever the engine's code or ruff's version changes."""
    from reviewer import ENGINE_VERSION

    digest = hashlib.sha256(f"{ENGINE_VERSION}\0{ruff_version()}".encode())
    root = Path(__file__).parent
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


class BlobCache:
    def __init__(self, directory: Path | None = None, namespace: str = "") -> None:
        self._entries: dict[str, FileAnalysis] = {}
        self.hits = 0
        self.misses = 0
        self._db: sqlite3.Connection | None = None
        self._pending: dict[str, str] = {}
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
            name = f"blobs-{engine_fingerprint()}-{namespace or 'default'}.sqlite3"
            self._db = sqlite3.connect(directory / name, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS analysis (key TEXT PRIMARY KEY, "
                             "payload TEXT NOT NULL)")

    def close(self) -> None:
        self._flush()
        if self._db is not None:
            self._db.close()
            self._db = None

    def _lookup(self, key: str) -> FileAnalysis | None:
        """From memory, else from disk (then kept in memory)."""
        entry = self._entries.get(key)
        if entry is None:
            payload = self._stored(key)
            if payload is not None:
                entry = self._entries[key] = _load(payload)
        return entry

    def _stored(self, key: str) -> str | None:
        if self._db is None:
            return None
        row = self._db.execute("SELECT payload FROM analysis WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def get(self, key: str) -> FileAnalysis | None:
        entry = self._lookup(key)
        if entry is None:
            self.misses += 1
        return entry

    def contains(self, key: str) -> bool:
        """Whether `key` is analyzed already; counts towards the hit rate.

        The engine asks once per blob a chunk of commits needs, before analyzing the
        missing ones in a batch, so hits / (hits + misses) is the share of blob lookups
        that needed no analysis.
        """
        found = self._lookup(key) is not None
        if found:
            self.hits += 1
        else:
            self.misses += 1
        return found

    def put_many(self, analyses: dict[str, FileAnalysis]) -> None:
        self._entries.update(analyses)
        if self._db is not None and analyses:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT OR REPLACE INTO analysis (key, payload) VALUES (?, ?)",
                [(key, _dump(analysis)) for key, analysis in analyses.items()],
            )
            self._db.execute("COMMIT")

    def put(self, key: str, analysis: FileAnalysis) -> None:
        self.put_many({key: analysis})

    # API surfaces (see reviewer/contract.py) live beside the analyses, keyed by
    # blob and path (a Next.js route's URL comes from its path).

    def get_surface(self, key: str):
        from reviewer.api.model import load_surface

        payload = self._pending.get(f"api:{key}") or self._stored(f"api:{key}")
        return _MISSING if payload is None else load_surface(payload)

    def put_surface(self, key: str, surface) -> None:
        """Buffered: written in one transaction per 500 surfaces and on close()."""
        from reviewer.api.model import dump_surface

        if self._db is not None:
            self._pending[f"api:{key}"] = dump_surface(surface)
            if len(self._pending) >= 500:
                self._flush()

    def _flush(self) -> None:
        if self._db is not None and self._pending:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR REPLACE INTO analysis (key, payload) VALUES (?, ?)",
                                 list(self._pending.items()))
            self._db.execute("COMMIT")
        self._pending = {}

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


_MISSING = object()
MISSING = _MISSING


def _dump(analysis: FileAnalysis) -> str:
    return json.dumps({
        "m": [[m.rule_id, m.line, m.end_line, m.message, m.code, m.scope, m.suppressed]
              for m in analysis.matches],
        "s": analysis.skip_reason,
        "e": analysis.errors,
    })


def _load(payload: str) -> FileAnalysis:
    data = json.loads(payload)
    return FileAnalysis(
        matches=[Match(*row) for row in data["m"]],
        skip_reason=data["s"],
        errors=data["e"],
    )
