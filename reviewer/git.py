"""All git access of the engine (the only module that imports GitPython).

History is read as two streams for a whole range: one `git log --raw -p` process for
commits and patches, and git's persistent `cat-file --batch` for file contents.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import git

NULL_SHA = "0" * 40
MAX_PATCH_CHARS = 512_000
GIT_ENV = {
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_SSH_COMMAND": "ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new",
    "GIT_CONFIG_NOSYSTEM": "1",
}
# Branches, plus the pull/merge request heads GitHub and GitLab publish (a glob that
# matches nothing is not an error, so plain remotes fetch the same way).
PULL_REF_PREFIXES = ("refs/pull/", "refs/merge-requests/")
FETCH_REFSPECS = (
    "+refs/heads/*:refs/heads/*",
    "+refs/pull/*/head:refs/pull/*/head",
    "+refs/merge-requests/*/head:refs/merge-requests/*/head",
)
# %aN/%aE (capital N/E) apply the repository's .mailmap: one engineer, one author.
LOG_FORMAT = "%x1e%H%x00%P%x00%aN%x00%aE%x00%aI%x00%cN%x00%cE%x00%cI%x00%B%x1d"


class GitError(Exception):
    """A git operation failed; the message is safe to show to users."""


class EmptyRepository(GitError):
    pass


@dataclass(slots=True)
class FileDiff:
    status: str  # A, M, D, R, C, T
    path: str
    old_path: str | None
    old_blob: str | None
    new_blob: str | None
    patch: str = ""
    is_binary: bool = False
    is_submodule: bool = False
    additions: int = 0
    deletions: int = 0
    first_added_line: int | None = None


@dataclass(slots=True)
class CommitData:
    sha: str
    parents: list[str]
    author_name: str
    author_email: str
    authored_at: datetime
    committer_name: str
    committer_email: str
    committed_at: datetime
    message: str
    files: list[FileDiff] = field(default_factory=list)


def redact(text: str) -> str:
    return re.sub(r"(://)[^/@\s]+@", r"\1***@", text)


def _error_message(error: git.GitCommandError) -> str:
    stderr = (error.stderr or "").strip().removeprefix("stderr:").strip().strip("'").strip()
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    useful = [line for line in lines if line.startswith(("fatal:", "error:", "ERROR:"))] or lines
    return redact(" ".join(useful[-2:]) or "git failed without a message")


class GitRepository:
    """A bare local mirror of a remote repository."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.repo = git.Repo(self.path)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError) as error:
            raise GitError(f"not a git repository: {self.path}") from error
        self.repo.git.update_environment(**GIT_ENV)

    def close(self) -> None:
        """Stop git's persistent cat-file processes."""
        self.repo.close()

    def __enter__(self) -> GitRepository:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @classmethod
    def fetch(cls, url: str, dest: Path, *, timeout: int = 900) -> tuple[GitRepository, str]:
        """Mirror `url` into `dest` (created or updated); returns the mirror and default branch."""
        dest = Path(dest)
        if not (dest / "HEAD").exists():
            dest.mkdir(parents=True, exist_ok=True)
            git.Repo.init(dest, bare=True).close()
        mirror = cls(dest)
        try:
            return mirror, mirror._fetch(url, timeout)
        except BaseException:
            mirror.close()
            raise

    def _fetch(self, url: str, timeout: int) -> str:
        mirror = self
        try:
            head = mirror.repo.git.ls_remote("--symref", url, "HEAD", kill_after_timeout=timeout)
            mirror.repo.git.fetch(
                url, *FETCH_REFSPECS, "--prune", "--no-tags", "--update-head-ok",
                kill_after_timeout=timeout,
            )
        except git.GitCommandError as error:
            raise GitError(f"could not fetch {redact(url)}: {_error_message(error)}") from error
        branches = mirror.branches()
        if not branches:
            raise EmptyRepository("the repository has no commits yet")
        match = re.search(r"ref: refs/heads/(\S+)\s+HEAD", head)
        default = match.group(1) if match and match.group(1) in branches else None
        default = default or next((b for b in ("main", "master") if b in branches), branches[0])
        mirror.repo.git.symbolic_ref("HEAD", f"refs/heads/{default}")
        return default

    def branches(self) -> list[str]:
        out = self.repo.git.for_each_ref("--format=%(refname:short)", "refs/heads/")
        return sorted(line for line in out.splitlines() if line)

    def refs(self, *prefixes: str) -> dict[str, str]:
        """Full ref name -> commit sha, for refs under `prefixes` (e.g. "refs/heads/")."""
        out = self.repo.git.for_each_ref("--format=%(refname) %(objectname)", *prefixes)
        return dict(line.split(" ", 1) for line in out.splitlines() if line)

    def merge_base(self, one: str, other: str) -> str | None:
        try:
            return self.repo.git.merge_base(one, other) or None
        except git.GitCommandError:
            return None  # unrelated histories, or an object that is gone

    def count_only_in(self, rev: str, *excluded: str) -> int:
        """Commits reachable from `rev` but from none of `excluded` ("--all" allowed); 0
        when `rev` is no longer in the mirror."""
        try:
            return int(self.repo.git.rev_list("--count", rev, "--not", *excluded))
        except git.GitCommandError:
            return 0

    def reachable_commits(self) -> set[str]:
        """Every commit some ref (branch or pull request head) can still reach."""
        return set(self.repo.git.rev_list("--all").split())

    def first_parent_chain(self, rev: str) -> list[str]:
        """`rev` and its first-parent ancestors, newest first."""
        return self.repo.git.rev_list("--first-parent", rev).split()

    def resolve(self, rev: str) -> str:
        try:
            return self.repo.git.rev_parse("--verify", f"{rev}^{{commit}}")
        except git.GitCommandError as error:
            raise GitError(f"unknown revision {rev}: {_error_message(error)}") from error

    def is_ancestor(self, ancestor: str, head: str) -> bool:
        try:
            return self.repo.is_ancestor(ancestor, head)
        except git.GitCommandError as error:
            raise GitError(_error_message(error)) from error

    def count_commits(self, rev_range: str) -> int:
        return int(self.repo.git.rev_list("--count", "--first-parent", rev_range))

    def read_blob(self, sha: str, limit: int) -> bytes | None:
        """The blob's bytes through the persistent cat-file process, or None above `limit`."""
        return self.read_blob_sized(sha, limit)[0]

    def read_blob_sized(self, sha: str, limit: int) -> tuple[bytes | None, int]:
        """(bytes, size), or (None, size) when the blob is larger than `limit`."""
        _, _, size = self.repo.git.get_object_header(sha)
        if size > limit:
            return None, size
        return self.repo.git.get_object_data(sha)[3], size

    def read_path(self, rev: str, path: str, limit: int = 1_000_000) -> bytes | None:
        """The content of `path` at `rev`, or None when it does not exist there."""
        try:
            return self.read_blob(f"{rev}:{path}", limit)
        except (ValueError, git.GitCommandError):
            return None

    def changed_files(self, base: str, head: str) -> list[FileDiff]:
        """What differs between two revisions (renames followed), without patches."""
        out = self.repo.git.diff("--raw", "-M", "--no-abbrev", "-z", base, head)
        fields = out.split("\0")
        diffs = []
        index = 0
        while index < len(fields) - 1:
            meta = fields[index]
            if not meta.startswith(":"):
                index += 1
                continue
            status = meta.split()[-1]
            count = 2 if status[0] in "RC" else 1
            paths = fields[index + 1:index + 1 + count]
            diffs.append(_parse_raw(meta + "\t" + "\t".join(paths)))
            index += 1 + count
        return diffs

    def diff_range(self, base: str, head: str) -> CommitData:
        """The whole change from `base` to `head` as one pseudo-commit (sha `head`, parent
        `base`) with patches: how a pull request is reviewed as a single change."""
        data = self.repo.commit(head)
        change = CommitData(
            sha=self.resolve(head), parents=[self.resolve(base)],
            author_name=data.author.name or "", author_email=data.author.email or "",
            authored_at=data.authored_datetime, committer_name=data.committer.name or "",
            committer_email=data.committer.email or "", committed_at=data.committed_datetime,
            message=data.message.rstrip("\n"),
        )
        process = self.repo.git.diff(
            "-M", "--raw", "-p", "--no-abbrev", "--no-color", "--no-ext-diff", base, head, "--",
            as_process=True,
        )
        try:
            for _ in _parse_log(iter(process.stdout), first=change):
                pass
        finally:
            process.proc.stdout.close()
            process.wait()
        return change

    def list_paths(self, rev: str) -> list[str]:
        return self.repo.git.ls_tree("-r", "--name-only", "-z", rev).split("\0")

    def iter_commits(self, rev_range: str) -> Iterator[CommitData]:
        """First-parent history in `rev_range`, oldest first, each with its file diffs."""
        process = self.repo.git.log(
            "--first-parent", "--reverse", "--diff-merges=first-parent", "-M", "--raw", "-p",
            "--no-abbrev", "--no-color", "--no-ext-diff", f"--format={LOG_FORMAT}", rev_range,
            "--", as_process=True,
        )
        try:
            yield from _parse_log(iter(process.stdout))
        finally:
            process.proc.stdout.close()
            process.wait()


HUNK_HEADER = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)", re.MULTILINE)
# Applied to the hunks only (after the ---/+++ header), so every such line is content.
ADDED = re.compile(r"^\+", re.MULTILINE)
REMOVED = re.compile(r"^-", re.MULTILINE)


def _parse_log(lines: Iterator[bytes], first: CommitData | None = None) -> Iterator[CommitData]:
    """Parse the `git log --raw -p` stream. Lines are only collected here; each file's patch
    is examined once, as a whole, with regular expressions (C speed) when it ends.

    `first` receives the files that come before any commit header (a `git diff` stream)."""
    commit: CommitData | None = first
    patch_index = -1
    chunks: list[bytes] = []

    def close_patch() -> None:
        nonlocal chunks
        if commit is not None and 0 <= patch_index < len(commit.files) and chunks:
            _fill_patch(commit.files[patch_index], b"".join(chunks))
        chunks = []

    for raw in lines:
        if raw.startswith(b"\x1e"):
            close_patch()
            if commit is not None:
                yield commit
            header = raw[1:]
            while not header.rstrip(b"\n").endswith(b"\x1d"):
                header += next(lines)
            commit = _parse_header(header.rstrip(b"\n")[:-1])
            patch_index = -1
            continue
        if commit is None:
            continue
        if patch_index < 0 and raw.startswith(b":"):
            commit.files.append(
                _parse_raw(raw.decode("utf-8", "surrogateescape").rstrip("\n")))
            continue
        if raw.startswith(b"diff --git "):
            close_patch()
            patch_index += 1
        if patch_index >= 0:
            chunks.append(raw)
    close_patch()
    if commit is not None:
        yield commit


def _fill_patch(diff: FileDiff, data: bytes) -> None:
    size = len(data)
    text = data[: MAX_PATCH_CHARS + 1].decode("utf-8", "replace")
    if size > MAX_PATCH_CHARS:
        text = text[:MAX_PATCH_CHARS] + f"\n… patch truncated ({size:,} bytes)\n"
    diff.patch = text
    body_start = text.find("\n@@")
    if body_start < 0:
        diff.is_binary = "\nBinary files " in text or "\nGIT binary patch" in text
        return
    body = text[body_start + 1:]
    diff.additions = len(ADDED.findall(body))
    diff.deletions = len(REMOVED.findall(body))
    # The first line the commit added: walk the first hunk that adds anything.
    for hunk in HUNK_HEADER.finditer(body):
        number = int(hunk.group(1))
        for line in body[hunk.end():].split("\n")[1:]:
            if line.startswith("@@"):
                break
            if line.startswith("+"):
                diff.first_added_line = number
                return
            if line.startswith(" "):
                number += 1


def _parse_header(header: bytes) -> CommitData:
    parts = header.decode("utf-8", "replace").split("\0")
    sha, parents, an, ae, ad, cn, ce, cd, message = parts[:9]
    return CommitData(
        sha=sha,
        parents=parents.split(),
        author_name=an,
        author_email=ae,
        authored_at=datetime.fromisoformat(ad),
        committer_name=cn,
        committer_email=ce,
        committed_at=datetime.fromisoformat(cd),
        message=message.rstrip("\n"),
    )


def _unquote(path: str) -> str:
    """Undo git's C-style quoting of unusual paths."""
    if not (path.startswith('"') and path.endswith('"')):
        return path
    raw = path[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
    return raw.encode("latin-1").decode("utf-8", "replace")


def _parse_raw(line: str) -> FileDiff:
    meta, *paths = line.split("\t")
    old_mode, new_mode, old_sha, new_sha, status = meta[1:].split(" ")
    paths = [_unquote(p) for p in paths]
    kind = status[0]
    path = paths[-1]
    return FileDiff(
        status=kind,
        path=path,
        old_path=paths[0] if kind in "RCDMT" else None,
        old_blob=None if old_sha == NULL_SHA else old_sha,
        new_blob=None if new_sha == NULL_SHA else new_sha,
        is_submodule="160000" in (old_mode, new_mode),
    )


def write_commit(
    repo_dir: Path,
    files: Mapping[str, str | bytes | None],
    message: str,
    *,
    author: tuple[str, str] = ("Dev", "dev@example.com"),
    when: datetime | None = None,
    branch: str = "main",
) -> str:
    """Commit `files` (None deletes) to a working repository; creates it if needed.

    Used by the demo and by tests to build real histories.
    """
    repo_dir = Path(repo_dir)
    if not (repo_dir / ".git").exists():
        repo = git.Repo.init(repo_dir, initial_branch=branch)
    else:
        repo = git.Repo(repo_dir)
    for name, content in files.items():
        target = repo_dir / name
        if content is None:
            target.unlink(missing_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode() if isinstance(content, str) else content
        target.write_bytes(data)
    repo.git.add("-A")
    try:
        repo.git.commit("--allow-empty", "--no-verify", "-m", message,
                        env=_identity(author, when))
        return repo.head.commit.hexsha
    finally:
        repo.close()


def run_git(repo_dir: Path, *args: str, author: tuple[str, str] = ("Dev", "dev@example.com"),
            when: datetime | None = None) -> str:
    """Run a git command in a working repository as `author` (branching, merging, setting
    refs); used with `write_commit` by the demo and by tests."""
    repo = git.Repo(repo_dir)
    try:
        return repo.git.execute(["git", *args], env=_identity(author, when))
    finally:
        repo.close()


def _identity(author: tuple[str, str], when: datetime | None) -> dict[str, str]:
    stamp = (when or datetime.now().astimezone()).isoformat()
    return {
        **os.environ,
        "GIT_AUTHOR_NAME": author[0], "GIT_AUTHOR_EMAIL": author[1],
        "GIT_COMMITTER_NAME": author[0], "GIT_COMMITTER_EMAIL": author[1],
        "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp,
    }
