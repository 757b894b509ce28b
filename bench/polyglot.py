"""Benchmark histories in TypeScript/JavaScript and Go, built once and cached.

TypeScript/JavaScript replays released versions of npm packages (the registry's tarballs),
file by file. Go replays Debian's packaged sources of net/http, gin, echo, chi, sqlx, jwt
and the standard library; Debian carries one version of each, so a second pass commits
small edits to a third of the files to give the history modifications as well as
additions.
"""

from __future__ import annotations

import io
import random
import subprocess
import tarfile
import tempfile
import urllib.request
from pathlib import Path

from bench.history import commit_batches, fast_import

NPM_PACKAGES = {
    "express": ["4.17.1", "4.18.2", "4.19.2", "4.21.0", "5.0.0"],
    "fastify": ["4.10.0", "4.20.0", "4.26.0", "5.0.0"],
    "koa": ["2.13.0", "2.14.0", "2.15.0"],
    "knex": ["2.3.0", "2.5.0", "3.0.0", "3.1.0"],
    "rxjs": ["7.5.0", "7.8.0", "7.8.1"],
    "zod": ["3.20.0", "3.22.0", "3.23.0"],
}
GO_DEBS = ["golang-github-gin-gonic-gin-dev", "golang-github-labstack-echo-dev",
           "golang-github-go-chi-chi-dev", "golang-github-jmoiron-sqlx-dev",
           "golang-github-gorilla-mux-dev", "golang-github-golang-jwt-jwt-dev",
           "golang-github-lib-pq-dev", "golang-1.19-src"]
GO_STDLIB = ("net/", "database/", "encoding/", "crypto/", "os/", "io/", "strings/", "bytes/",
             "time/", "fmt/", "sync/", "context/", "log/", "text/", "html/", "mime/",
             "archive/", "compress/", "bufio/", "strconv/", "sort/", "errors/", "path/")
JS_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx")


def npm_tarball(package: str, version: str, cache: Path) -> bytes:
    target = cache / f"{package.replace('/', '_')}-{version}.tgz"
    if not target.exists():
        cache.mkdir(parents=True, exist_ok=True)
        name = package.rsplit("/", 1)[-1]
        url = f"https://registry.npmjs.org/{package}/-/{name}-{version}.tgz"
        with urllib.request.urlopen(url, timeout=300) as response:  # noqa: S310
            target.write_bytes(response.read())
    return target.read_bytes()


def npm_sources(tarball: bytes, package: str) -> dict[str, bytes]:
    files = {}
    with tarfile.open(fileobj=io.BytesIO(tarball)) as archive:
        for member in archive.getmembers():
            name = member.name.split("/", 1)[-1]
            if (member.isfile() and name.endswith(JS_SUFFIXES) and not name.endswith(".d.ts")
                    and "/test" not in f"/{name}"):
                files[f"services/{package}/{name}"] = archive.extractfile(member).read()
    return files


def build_npm(repo: Path, cache: Path, seed: int = 11) -> int:
    rng = random.Random(seed)  # noqa: S311 - reproducible history
    per_package = {}
    for package, versions in NPM_PACKAGES.items():
        previous: dict[str, bytes] = {}
        steps = []
        for version in versions:
            current = npm_sources(npm_tarball(package, version, cache), package)
            changes = [(p, d) for p, d in sorted(current.items()) if previous.get(p) != d]
            changes += [(p, None) for p in sorted(set(previous) - set(current))]
            steps += commit_batches(changes, rng)
            previous = current
        per_package[package] = steps
    return fast_import(repo, _interleave(per_package, rng), rng)


def go_sources(cache: Path) -> dict[str, bytes]:
    cache.mkdir(parents=True, exist_ok=True)
    root = cache / "extracted"
    if not root.exists():
        with tempfile.TemporaryDirectory() as downloads:
            subprocess.run(["apt-get", "download", *GO_DEBS], cwd=downloads, check=True,
                           capture_output=True)
            root.mkdir()
            for deb in Path(downloads).glob("*.deb"):
                subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    files = {}
    for path in sorted(root.rglob("*.go")):
        relative = path.relative_to(root).as_posix()
        if "/testdata/" in relative or relative.endswith("_test.go"):
            continue
        if "/go-1.19/src/" in f"/{relative}":
            inner = relative.split("src/", 1)[1]
            if not inner.startswith(GO_STDLIB):
                continue
            files[f"services/stdlib/{inner}"] = path.read_bytes()
        elif "gocode/src/" in relative:
            files[f"services/{relative.split('gocode/src/', 1)[1]}"] = path.read_bytes()
    return files


def build_go(repo: Path, cache: Path, seed: int = 13) -> int:
    rng = random.Random(seed)  # noqa: S311 - reproducible history
    sources = go_sources(cache)
    per_module: dict[str, list[list[tuple[str, bytes | None]]]] = {}
    for path, data in sources.items():
        per_module.setdefault("/".join(path.split("/")[:3]), []).append((path, data))
    steps = {module: commit_batches(files, rng) for module, files in per_module.items()}
    # A second pass edits a third of the files, as later commits would.
    edits = []
    for path, data in sources.items():
        if rng.random() < 0.33:
            lines = data.split(b"\n")
            at = min(len(lines) - 1, max(1, len(lines) // 2))
            lines.insert(at, b"// reviewed: keep behaviour, clarify intent")
            edits.append((path, b"\n".join(lines)))
    batches = _interleave(steps, rng) + commit_batches(edits, rng)
    return fast_import(repo, batches, rng)


def _interleave(per_key: dict[str, list], rng: random.Random) -> list:
    queues = {key: list(steps) for key, steps in per_key.items()}
    batches = []
    while any(queues.values()):
        key = rng.choice([k for k, q in queues.items() if q])
        batches.append(queues[key].pop(0))
    return batches
