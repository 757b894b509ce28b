"""`make bench`: the review engine against the floor, on a history of real Python code.

The floor is what any review must at least do, measured in the same run: stream
`git log -p` over all commits, read every changed Python file through one
`git cat-file --batch`, and `ast.parse` it. The review runs cold (empty blob cache) and
then warm (same cache).
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.history import HISTORY_FORMAT, PACKAGES, build
from reviewer.cache import BlobCache
from reviewer.engine import Reviewer
from reviewer.git import GitRepository

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"


def floor(repo: Path) -> tuple[float, int]:
    started = time.perf_counter()
    log = subprocess.run(
        ["git", "log", "--first-parent", "--reverse", "--raw", "-p", "--no-abbrev",
         "--format=%H", "HEAD"], cwd=repo, capture_output=True, check=True).stdout
    blobs = []
    for line in log.split(b"\n"):
        if line.startswith(b":"):
            meta, _, path = line.partition(b"\t")
            new = meta.split()[3]
            if path.endswith(b".py") and new != b"0" * 40:
                blobs.append(new)
    cat = subprocess.Popen(["git", "cat-file", "--batch"], cwd=repo, stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE)
    parsed = 0
    for blob in blobs:
        cat.stdin.write(blob + b"\n")
        cat.stdin.flush()
        header = cat.stdout.readline().split()
        data = cat.stdout.read(int(header[2]))
        cat.stdout.read(1)
        try:
            ast.parse(data)
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


def main() -> int:
    repo = BENCH_DIR / "history"
    spec = json.dumps({"format": HISTORY_FORMAT, "packages": PACKAGES}, sort_keys=True)
    spec_file = BENCH_DIR / "history.spec.json"
    if not (repo / ".git").exists() or not spec_file.exists() or spec_file.read_text() != spec:
        print("building the benchmark history (once; cached in var/bench)...", flush=True)
        shutil.rmtree(repo, ignore_errors=True)
        count = build(repo, BENCH_DIR / "wheels")
        spec_file.write_text(spec)
        print(f"  {count} commits", flush=True)
    floor_seconds, parsed = floor(repo)
    with tempfile.TemporaryDirectory(prefix="reviewer-bench-cache-") as cache_dir:
        cold = review(repo, Path(cache_dir))
        warm = review(repo, Path(cache_dir))
    print(f"\nhistory: {cold['commits']} commits, {parsed} changed Python files parsed by "
          "the floor")
    print(f"floor (git log -p + cat-file + ast.parse): {floor_seconds:7.2f} s")
    for name, run in (("cold", cold), ("warm", warm)):
        print(f"review {name}: {run['seconds']:7.2f} s  {run['commits'] / run['seconds']:8.1f} "
              f"commits/s  files analyzed {run['files']:6}  blob-cache hit rate "
              f"{run['hit_rate']:6.1%}  ratio to floor {run['seconds'] / floor_seconds:5.2f}")
    print(f"findings introduced over the history: {cold['findings']}")
    ok = cold["seconds"] <= 3 * floor_seconds and warm["seconds"] <= 1.2 * floor_seconds
    print("targets (cold <= 3x, warm <= 1.2x):", "met" if ok else "NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
