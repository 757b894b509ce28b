"""Build (once, cached) a realistic git history for the benchmark.

The history replays the source trees of released versions of real backend packages,
file by file: every version's added, changed and deleted Python files become commits of
one to five files, packages interleaved as services of one monorepo. Wheels come from
PyPI's simple index and are cached beside the repository.
"""

from __future__ import annotations

import io
import json
import random
import subprocess
import urllib.request
import zipfile
from pathlib import Path

PACKAGES = {
    "django": ["3.0", "3.1", "3.2", "4.0", "4.1", "4.2", "5.0", "5.1", "5.2", "6.0"],
    "werkzeug": ["2.0.0", "2.2.0", "2.3.0", "3.0.0", "3.1.0"],
    "alembic": ["1.8.0", "1.10.0", "1.12.0", "1.13.0"],
    "starlette": ["0.20.0", "0.27.0", "0.35.0", "0.40.0"],
    "httpx": ["0.23.0", "0.25.0", "0.27.0"],
    "flask": ["2.0.0", "2.1.0", "2.2.0", "2.3.0", "3.0.0", "3.1.0"],
    "requests": ["2.20.0", "2.22.0", "2.25.0", "2.26.0", "2.28.0", "2.31.0", "2.32.0"],
    "celery": ["5.0.0", "5.1.0", "5.2.0", "5.3.0", "5.4.0", "5.5.0"],
    "kombu": ["5.0.0", "5.2.0", "5.3.0", "5.4.0"],
    "fastapi": ["0.80.0", "0.88.0", "0.95.0", "0.100.0", "0.104.0", "0.110.0", "0.115.0"],
}
# Bump when the way the history is built changes, so a cached history is rebuilt.
HISTORY_FORMAT = 2
AUTHORS = [("Alice Moreau", "alice@example.com"), ("Bob Okafor", "bob@example.com"),
           ("Carol Nguyen", "carol@example.com"), ("Dave Lindqvist", "dave@example.com"),
           ("Eve Tanaka", "eve@example.com")]
START = 1_600_000_000


def wheel_url(package: str, version: str) -> str:
    request = urllib.request.Request(
        f"https://pypi.org/simple/{package}/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        files = json.load(response)["files"]
    for entry in files:
        name = entry["filename"].lower()
        if name.startswith(f"{package}-{version}-") and name.endswith("-none-any.whl"):
            return entry["url"]
    raise LookupError(f"no pure-Python wheel for {package} {version}")


def fetch_wheel(package: str, version: str, cache: Path) -> bytes:
    target = cache / f"{package}-{version}.whl"
    if not target.exists():
        cache.mkdir(parents=True, exist_ok=True)
        with urllib.request.urlopen(wheel_url(package, version), timeout=300) as response:  # noqa: S310
            target.write_bytes(response.read())
    return target.read_bytes()


def python_files(wheel: bytes, package: str) -> dict[str, bytes]:
    files = {}
    with zipfile.ZipFile(io.BytesIO(wheel)) as archive:
        for name in archive.namelist():
            if name.endswith(".py") and name.split("/", 1)[0].lower() == package:
                files[f"services/{package}/{name}"] = archive.read(name)
    return files


def commit_batches(changes: list, rng: random.Random) -> list[list]:
    """Split a sorted list of file changes into commits of one to four files."""
    batches = []
    while changes:
        size = rng.randint(1, 4)
        batches.append(changes[:size])
        changes = changes[size:]
    return batches


def build(repo: Path, wheels: Path, seed: int = 7) -> int:
    """Write the history with `git fast-import`; returns the number of commits."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible history, not a secret
    batches: list[list[tuple[str, bytes | None]]] = []
    per_package: dict[str, list[list[tuple[str, bytes | None]]]] = {}
    for package, versions in PACKAGES.items():
        previous: dict[str, bytes] = {}
        steps: list[list[tuple[str, bytes | None]]] = []
        for version in versions:
            current = python_files(fetch_wheel(package, version, wheels), package)
            changes = [(p, d) for p, d in sorted(current.items()) if previous.get(p) != d]
            changes += [(p, None) for p in sorted(set(previous) - set(current))]
            steps += commit_batches(changes, rng)
            previous = current
        per_package[package] = steps
    # Interleave packages, keeping each package's own order.
    queues = {package: list(steps) for package, steps in per_package.items()}
    while any(queues.values()):
        package = rng.choice([p for p, q in queues.items() if q])
        batches.append(queues[package].pop(0))

    return fast_import(repo, batches, rng)


def fast_import(repo: Path, batches: list, rng: random.Random) -> int:
    """Write `batches` (lists of (path, bytes or None to delete)) as commits on main."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    stream = io.BytesIO()
    for number, batch in enumerate(batches):
        name, email = rng.choice(AUTHORS)
        when = START + number * 3600
        paths = ", ".join(p.rsplit("/", 1)[-1] for p, _ in batch[:3])
        message = f"Update {paths}".encode()
        stream.write(b"commit refs/heads/main\n")
        stream.write(f"author {name} <{email}> {when} +0000\n".encode())
        stream.write(f"committer {name} <{email}> {when} +0000\n".encode())
        stream.write(b"data %d\n%s\n" % (len(message), message))
        for path, data in batch:
            if data is None:
                stream.write(f"D {path}\n".encode())
            else:
                stream.write(f"M 100644 inline {path}\n".encode())
                stream.write(b"data %d\n%s\n" % (len(data), data))
        stream.write(b"\n")
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=stream.getvalue(),
                   check=True)
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=repo, check=True)
    return len(batches)
