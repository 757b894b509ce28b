"""`make bench`: the review engine against the floor, on histories of real code.

Three histories, each built once and cached in var/bench/: Python (released versions of
Django, Flask, Celery, FastAPI, ... replayed file by file), TypeScript/JavaScript (npm
packages) and Go (Debian's packaged sources). The floor is what any review must at least
do, measured in the same run: stream `git log -p` over all commits, read every changed
source file through one `git cat-file --batch`, and parse it with the same parser the
engine uses (ast for Python, the tree-sitter grammars otherwise). The review runs cold
(empty blob cache), then warm (same cache).
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.history import HISTORY_FORMAT, PACKAGES, build
from bench.polyglot import GO_DEBS, GO_STDLIB, NPM_PACKAGES, build_go, build_npm
from reviewer.cache import BlobCache
from reviewer.engine import Reviewer
from reviewer.files import kind_of, vendored_reason
from reviewer.git import GitRepository
from reviewer.treesitter import grammar_name, parser

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"


def parse_python(path: str, data: bytes) -> None:
    ast.parse(data)


def parse_tree(path: str, data: bytes) -> None:
    kind = kind_of(path)
    parser(grammar_name(kind.language, kind.variant)).parse(data)


HISTORIES: list[tuple[str, str, object, Callable, tuple[str, ...], Callable]] = [
    # name, folder, spec, builder, suffixes the floor parses, parse function
    ("python", "history", PACKAGES, lambda repo: build(repo, BENCH_DIR / "wheels"),
     (".py",), parse_python),
    ("typescript/javascript", "history-ts", NPM_PACKAGES,
     lambda repo: build_npm(repo, BENCH_DIR / "npm"),
     (".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx"), parse_tree),
    ("go", "history-go", {"debs": GO_DEBS, "stdlib": GO_STDLIB},
     lambda repo: build_go(repo, BENCH_DIR / "debs"), (".go",), parse_tree),
]


def ensure(folder: str, spec: object, builder: Callable) -> Path:
    repo = BENCH_DIR / folder
    text = json.dumps({"format": HISTORY_FORMAT, "spec": spec}, sort_keys=True)
    spec_file = BENCH_DIR / f"{folder}.spec.json"
    if not (repo / ".git").exists() or not spec_file.exists() or spec_file.read_text() != text:
        print(f"building {folder} (once; cached in var/bench)...", flush=True)
        shutil.rmtree(repo, ignore_errors=True)
        count = builder(repo)
        spec_file.write_text(text)
        print(f"  {count} commits", flush=True)
    return repo


def floor(repo: Path, suffixes: tuple[str, ...], parse: Callable) -> tuple[float, int]:
    started = time.perf_counter()
    log = subprocess.run(
        ["git", "log", "--first-parent", "--reverse", "--raw", "-p", "--no-abbrev",
         "--format=%H", "HEAD"], cwd=repo, capture_output=True, check=True).stdout
    blobs = []
    for line in log.split(b"\n"):
        if line.startswith(b":"):
            meta, _, raw_path = line.partition(b"\t")
            new = meta.split()[3]
            path = raw_path.decode("utf-8", "replace").split("\t")[-1]
            if path.endswith(suffixes) and new != b"0" * 40 and not vendored_reason(path):
                blobs.append((new, path))
    cat = subprocess.Popen(["git", "cat-file", "--batch"], cwd=repo, stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE)
    parsed = 0
    for blob, path in blobs:
        cat.stdin.write(blob + b"\n")
        cat.stdin.flush()
        header = cat.stdout.readline().split()
        data = cat.stdout.read(int(header[2]))
        cat.stdout.read(1)
        try:
            parse(path, data)
            parsed += 1
        except (SyntaxError, ValueError):
            pass
    cat.stdin.close()
    cat.wait()
    return time.perf_counter() - started, parsed


def review(repo: Path, cache_dir: Path) -> dict:
    started = time.perf_counter()
    cache = BlobCache(cache_dir)
    commits = findings = 0
    with GitRepository(repo) as repository:
        reviewer = Reviewer(repository, cache=cache)
        for result in reviewer.review_range("HEAD"):
            commits += 1
            findings += len(result.introduced)
    cache.close()
    return {"seconds": time.perf_counter() - started, "commits": commits,
            "files": reviewer.files_analyzed, "hit_rate": cache.hit_rate, "findings": findings}


def main(argv: list[str]) -> int:
    wanted = set(argv) or {name for name, *_ in HISTORIES}
    met = True
    for name, folder, spec, builder, suffixes, parse in HISTORIES:
        if name not in wanted and name.split("/")[0] not in wanted:
            continue
        repo = ensure(folder, spec, builder)
        floor_seconds, parsed = floor(repo, suffixes, parse)
        with tempfile.TemporaryDirectory(prefix="reviewer-bench-cache-") as cache_dir:
            cold = review(repo, Path(cache_dir))
            warm = review(repo, Path(cache_dir))
        print(f"\n== {name}: {cold['commits']} commits, {parsed} changed files parsed by "
              "the floor")
        print(f"floor (git log -p + cat-file + parse): {floor_seconds:7.2f} s")
        for label, run in (("cold", cold), ("warm", warm)):
            print(f"review {label}: {run['seconds']:7.2f} s  "
                  f"{run['commits'] / run['seconds']:8.1f} commits/s  files analyzed "
                  f"{run['files']:6}  blob-cache hit rate {run['hit_rate']:6.1%}  "
                  f"ratio to floor {run['seconds'] / floor_seconds:5.2f}")
        print(f"findings introduced over the history: {cold['findings']}")
        ok = cold["seconds"] <= 3 * floor_seconds and warm["seconds"] <= 1.2 * floor_seconds
        met &= ok
        print("targets (cold <= 3x, warm <= 1.2x):", "met" if ok else "NOT met")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
